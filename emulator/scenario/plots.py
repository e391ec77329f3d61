"""Plots of a scenario run: learning curves, energy per pass, step timeline.

Each function builds a matplotlib ``Figure`` (no pyplot state, any backend): written as a
PNG to ``path`` when one is given, else returned (a notebook shows it).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib import colormaps
from matplotlib.figure import Figure

from emulator.io.files import save_figure

COLORS = colormaps["tab10"].colors


def _done(fig: Figure, path: Path | None) -> Figure | None:
    if path is None:
        return fig
    save_figure(fig, path)
    return None


def learning_curves(report: dict, path: Path | None = None) -> Figure | None:
    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    for i, (m, v) in enumerate(report["methods"].items()):
        h = v["history"]
        ax.plot(h["epoch"], [100 * a for a in h["test_accuracy"]], color=COLORS[i % 10],
                label=f"{m} test")
        ax.plot(h["epoch"], [100 * a for a in h["train_accuracy"]], color=COLORS[i % 10],
                ls="--", alpha=0.6, label=f"{m} train")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy [%]")
    ax.set_title(f"{report['scenario']}: learning curves")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return _done(fig, path)


def energy_per_pass(report: dict, path: Path | None = None) -> Figure | None:
    """Stacked bars per pass (linear), and every kind per pass on a log scale beside it, so
    that the small consumers stay visible next to a dominant one."""
    passes = list(report["passes"])
    kinds = sorted({k for p in report["passes"].values() for k in p["breakdown_j"]})
    fig = Figure(figsize=(12, 4.4))
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    bottom = [0.0] * len(passes)
    for i, k in enumerate(kinds):
        vals = [report["passes"][p]["breakdown_j"].get(k, 0.0) * 1e6 for p in passes]
        ax.bar(passes, vals, bottom=bottom, label=k, color=COLORS[i % 10])
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("energy per pass [µJ]")
    ax.set_title(f"energy per pass (batch {report['training']['batch']})")
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    width = 0.8 / max(len(passes), 1)
    for j, p in enumerate(passes):
        vals = [max(report["passes"][p]["breakdown_j"].get(k, 0.0), 1e-30) for k in kinds]
        ax2.barh([i + j * width for i in range(len(kinds))], vals, height=width, label=p)
    ax2.set_xscale("log")
    ax2.set_xlim(left=max(1e-15, min((v for p in passes for v in
                                      report["passes"][p]["breakdown_j"].values() if v > 0),
                                     default=1e-15) / 3))
    ax2.set_yticks([i + 0.4 - width / 2 for i in range(len(kinds))], kinds, fontsize=8)
    ax2.set_xlabel("energy [J] (log scale)")
    ax2.set_title("by component kind")
    ax2.grid(axis="x", alpha=0.3)
    ax2.legend(fontsize=7)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.12), ncol=4)
    return _done(fig, path)


def passes_by_hardware(report: dict, path: Path | None = None) -> Figure | None:
    """Grouped bars: every pass's latency and energy on each hardware (the main one and the
    variants), log scales, so architectures compare pass by pass."""
    arch = report["architectures"]
    passes = list(next(iter(arch.values()))["passes"])
    fig = Figure(figsize=(12, 4.4))
    axes = fig.subplots(1, 2)
    width = 0.8 / max(len(arch), 1)
    for ax, key, unit, scale in ((axes[0], "latency_s", "µs", 1e6),
                                 (axes[1], "energy_j", "µJ", 1e6)):
        for i, (name, a) in enumerate(arch.items()):
            ax.bar([j + (i - (len(arch) - 1) / 2) * width for j in range(len(passes))],
                   [a["passes"][p][key] * scale for p in passes], width=width,
                   color=COLORS[i % 10], label=f"{name}: {a['architecture']}"
                   + (f" ({a['shifter']})" if a["shifter"] else ""))
        ax.set_yscale("log")
        ax.set_xticks(range(len(passes)), passes, fontsize=8)
        ax.set_ylabel(f"{key.split('_')[0]} per pass [{unit}] (log scale)")
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title(f"{report['scenario']}: latency per pass (batch "
                      f"{report['training']['batch']})", fontsize=9)
    axes[1].set_title("energy per pass", fontsize=9)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8)
    fig.subplots_adjust(bottom=0.27, wspace=0.25)
    return _done(fig, path)


def timeline(step, path: Path | None = None) -> Figure | None:
    """One row per core (and the digital unit), one bar collection per kind of work (the
    bars built as arrays), so ten thousand tiles draw in about a second; adjacent spans of
    one kind are one bar.  When the tile work is too short to see beside the digital work,
    a second panel shows the first pass's tile work alone."""
    import numpy as np
    from matplotlib.collections import PolyCollection

    from emulator.engine.timebase import TICK_S

    colors = {"program": "#d62728", "stream": "#1f77b4"}
    rows = list(dict.fromkeys(sorted((s[0] for s in step.spans),
                                     key=lambda t: (t == "digital", len(t), t))))
    bars: dict[tuple[str, str], list[list[float]]] = {}
    for track, label, a, b, _ in sorted(step.spans, key=lambda s: (s[0], s[2])):
        kind = label.split()[0] if track != "digital" else "digital"
        runs = bars.setdefault((track, kind if kind in colors else "digital"), [])
        if runs and runs[-1][1] == a:
            runs[-1][1] = b  # adjacent: one bar
        else:
            runs.append([a, b])
    us = TICK_S * 1e6
    y = {t: i for i, t in enumerate(rows)}
    total = sum(p.latency_s for p in step.passes.values()) * 1e6
    digital = min((a for track, _, a, _, _ in step.spans if track == "digital"), default=0)
    optical = max((b * us for track, _, a, b, _ in step.spans
                   if track != "digital" and a < digital), default=0.0)
    zoom = 0 < optical < 0.05 * total  # tile work too short to see: the first layer's alone
    h = 1.2 + 0.45 * min(max(len(rows), 1), 24)
    fig = Figure(figsize=(9, h * (1.8 if zoom else 1)))
    axes = fig.subplots(2 if zoom else 1, 1, squeeze=False)
    verts: dict[str, list[np.ndarray]] = {}
    for (track, kind), runs in bars.items():
        x = np.asarray(runs, dtype=float) * us  # (bars, 2): start, end
        lo, hi = y[track] - 0.3, y[track] + 0.3
        v = np.empty((len(x), 4, 2))
        v[:, :, 0] = x[:, [0, 0, 1, 1]]
        v[:, :, 1] = [lo, hi, hi, lo]
        verts.setdefault(kind, []).append(v)
    for ax, end in zip(axes[:, 0], (total, optical)):
        for kind, vs in verts.items():
            ax.add_collection(PolyCollection(np.concatenate(vs), closed=True,
                                             facecolors=colors.get(kind, "#2ca02c"),
                                             edgecolors="none", linewidths=0))
        every = max(1, len(rows) // 24)  # at most ~24 labels however many cores
        ax.set_yticks([y[t] for t in rows[::every]], rows[::every], fontsize=8)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlabel("time [µs]")
        t = 0.0
        for name, p in step.passes.items():
            if t <= end:
                ax.axvline(t, color="k", lw=0.5, alpha=0.4)
                ax.text(t, 1.01, f" {name}", fontsize=7, va="bottom", rotation=20,
                        transform=ax.get_xaxis_transform())
            t += p.latency_s * 1e6
        ax.set_xlim(0, end * 1.01 if end else 1)
    axes[0, 0].set_title("one training step: red = programming + settling, blue = streaming, "
                         "green = digital", fontsize=9, pad=22)
    if zoom:
        axes[1, 0].set_title(f"the first layer's tiles in the {next(iter(step.passes))} pass",
                             fontsize=9, pad=22)
    fig.subplots_adjust(hspace=0.35)
    return _done(fig, path)


def plot_all(folder: Path, report: dict, histories, step) -> list[str]:
    learning_curves(report, folder / "learning_curves.png")
    energy_per_pass(report, folder / "energy_per_pass.png")
    files = ["learning_curves.png", "energy_per_pass.png"]
    if report.get("variants"):
        passes_by_hardware(report, folder / "passes_by_hardware.png")
        files.append("passes_by_hardware.png")
    if step.spans:
        timeline(step, folder / "timeline.png")
        files.append("timeline.png")
    return files
