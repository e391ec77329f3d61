"""A scenario's report as a notebook sees it.

:class:`Report` *is* the report (the dict written to ``report.json``: index it as
before) and adds views: the per-pass table, the energy by component kind, the accuracy
per method and the learning curves as tables (:func:`emulator.io.frames.frame`: pandas
DataFrames when pandas is installed), the plots as matplotlib ``Figure`` objects, and a
Markdown summary that Jupyter renders.
"""

from __future__ import annotations

from emulator.io.frames import frame


class Report(dict):
    """The report of :func:`emulator.run_scenario` (see the module doc)."""

    def __init__(self, data: dict, step=None):
        super().__init__(data)
        self._step = step  # the costed step (timeline, trace), if this run costed one

    @property
    def passes(self):
        """One row per pass: latency [s], energy [J], average power [W], energy per
        sample [J], events simulated."""
        rows = []
        for name, p in self["passes"].items():
            rows.append({"pass": name, "latency_s": p["latency_s"], "energy_j": p["energy_j"],
                         "avg_power_w": p["avg_power_w"],
                         "energy_per_sample_j": p["energy_j"] / max(p.get("batch", 1), 1),
                         "events": p.get("events")})
        return frame(rows, "pass")

    @property
    def energy(self):
        """Energy [J] by component kind (rows) and pass (columns)."""
        kinds = sorted({k for p in self["passes"].values() for k in p["breakdown_j"]})
        rows = [{"kind": k, **{name: p["breakdown_j"].get(k, 0.0)
                               for name, p in self["passes"].items()}} for k in kinds]
        return frame(rows, "kind")

    @property
    def architectures(self):
        """One row per (hardware, pass): the main hardware and every variant, its
        architecture and mapping, the pass's latency [s] and energy [J]."""
        rows = []
        for name, a in self.get("architectures", {}).items():
            for p, v in a["passes"].items():
                rows.append({"hardware": name, "architecture": a["architecture"],
                             "mapping": a["mapping"], "pass": p, "latency_s": v["latency_s"],
                             "energy_j": v["energy_j"]})
        return frame(rows)

    @property
    def accuracy(self):
        """One row per training entry: test and train accuracy (means over the seeds),
        their spread, and the chip the accuracy was obtained on."""
        rows = []
        for label, m in self["methods"].items():
            rows.append({"method": label, "test": m["accuracy"]["test"],
                         "train": m["accuracy"]["train"],
                         "test_std": m["accuracy_std"]["test"],
                         "seeds": len(m["per_seed"]["seeds"]), "chip": m["chip"]["text"]})
        return frame(rows, "method")

    @property
    def histories(self):
        """Learning curves: one row per (method, epoch), every recorded metric."""
        rows = []
        for label, m in self["methods"].items():
            h = m.get("history") or {}
            for i, epoch in enumerate(h.get("epoch", [])):
                rows.append({"method": label, "epoch": epoch,
                             **{k: v[i] for k, v in h.items()
                                if k != "epoch" and isinstance(v, list) and len(v) > i}})
        return frame(rows)

    @property
    def figures(self) -> dict:
        """The plots as matplotlib Figures: learning curves and energy per pass (every pass
        by hardware with variants, and the step's timeline when the run kept its trace)."""
        from . import plots

        figs = {"learning_curves": plots.learning_curves(self),
                "energy_per_pass": plots.energy_per_pass(self)}
        if self.get("variants"):
            figs["passes_by_hardware"] = plots.passes_by_hardware(self)
        if self._step is not None and getattr(self._step, "trace", None):
            figs["timeline"] = plots.timeline(self._step)
        return figs

    def _repr_markdown_(self) -> str:
        from .report import markdown

        return markdown(self, [])
