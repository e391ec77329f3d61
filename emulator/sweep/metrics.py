"""What a sweep collects from each point's report: named shortcuts or raw report paths.

A metric is written in the sweep file as

* a shortcut, e.g. ``energy_per_inference_j`` (see :data:`SHORTCUTS`); the accuracy
  shortcuts take a method after a colon, ``test_accuracy:bp`` (default: the method whose
  weights were costed on the hardware, ``report["hardware_method"]``);
* or a dotted path into ``report.json``, e.g. ``passes.update.energy_j``.

Every metric has a goal (``min`` or ``max``) used for "best design" and Pareto fronts: the
shortcuts know theirs; a raw path is maximised when it mentions accuracy, else minimised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from components.errors import did_you_mean


def _path(path: str) -> Callable[[dict, str | None], Any]:
    return lambda report, method: lookup(report, path)


def _method_path(template: str) -> Callable[[dict, str | None], Any]:
    def get(report: dict, method: str | None):
        m = method or report.get("hardware_method")
        if m is None and isinstance(report.get("methods"), dict) and report["methods"]:
            m = next(iter(report["methods"]))
        return lookup(report, template.format(method=m))
    return get


def _converters(kind: str) -> Callable[[dict, str | None], Any]:
    def get(report: dict, method: str | None):
        per_core = lookup(report, f"hardware.converters_per_core.{kind}")
        cores = lookup(report, "hardware.cores")
        if per_core is None or cores is None:
            return None
        return per_core * cores
    return get


@dataclass(frozen=True)
class Shortcut:
    get: Callable[[dict, str | None], Any]
    goal: str  # "min" | "max"
    unit: str  # SI unit of the value ("1" for counts and fractions)
    label: str  # axis / table label
    path: str  # the report path it reads (documentation)
    takes_method: bool = False


SHORTCUTS: dict[str, Shortcut] = {
    "test_accuracy": Shortcut(_method_path("methods.{method}.accuracy.test"), "max", "1",
                              "test accuracy", "methods.<method>.accuracy.test", True),
    "train_accuracy": Shortcut(_method_path("methods.{method}.accuracy.train"), "max", "1",
                               "train accuracy", "methods.<method>.accuracy.train", True),
    "deployed_accuracy": Shortcut(
        _method_path("methods.{method}.deployed_on_imperfect_mesh.test"), "max", "1",
        "test accuracy deployed on the imperfect mesh",
        "methods.<method>.deployed_on_imperfect_mesh.test", True),
    "energy_per_inference_j": Shortcut(_path("per_sample.inference.energy_j"), "min", "J",
                                       "energy per inference", "per_sample.inference.energy_j"),
    "latency_per_inference_s": Shortcut(_path("per_sample.inference.latency_s"), "min", "s",
                                        "latency per inference",
                                        "per_sample.inference.latency_s"),
    "energy_per_step_j": Shortcut(_path("per_step.energy_j"), "min", "J",
                                  "energy per training step", "per_step.energy_j"),
    "latency_per_step_s": Shortcut(_path("per_step.latency_s"), "min", "s",
                                   "latency per training step", "per_step.latency_s"),
    "avg_power_w": Shortcut(_path("per_step.avg_power_w"), "min", "W",
                            "average power during a training step", "per_step.avg_power_w"),
    "training_energy_j": Shortcut(_path("totals.training.energy_j"), "min", "J",
                                  "energy of the whole training", "totals.training.energy_j"),
    "training_time_s": Shortcut(_path("totals.training.latency_s"), "min", "s",
                                "hardware time of the whole training",
                                "totals.training.latency_s"),
    "mzis": Shortcut(_path("hardware.mzis_total"), "min", "1", "MZIs (all cores)",
                     "hardware.mzis_total"),
    "dacs": Shortcut(_converters("dac"), "min", "1", "physical DACs (all cores)",
                     "hardware.converters_per_core.dac × hardware.cores"),
    "adcs": Shortcut(_converters("adc"), "min", "1", "physical ADCs (all cores)",
                     "hardware.converters_per_core.adc × hardware.cores"),
    "tiles": Shortcut(_path("hardware.tiles"), "min", "1", "weight tiles",
                      "hardware.tiles"),
}

DEFAULT_METRICS = ["test_accuracy", "energy_per_inference_j", "latency_per_inference_s",
                   "energy_per_step_j", "avg_power_w", "mzis", "dacs", "adcs"]

_UNITS = {"_j": "J", "_s": "s", "_w": "W", "_hz": "Hz"}


@dataclass(frozen=True)
class Metric:
    name: str  # column name: exactly what the sweep file says
    goal: str
    unit: str
    label: str
    path: str  # report path (or a description of the computation)
    shortcut: str | None = None
    method: str | None = None

    def value(self, report: dict) -> float | None:
        """The metric of one report: a finite number, or None when it is absent."""
        if self.shortcut is not None:
            v = SHORTCUTS[self.shortcut].get(report, self.method)
        else:
            v = lookup(report, self.path)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        return v if math.isfinite(v) else None

    def better(self, a: float, b: float) -> bool:
        return a > b if self.goal == "max" else a < b


def parse_metric(text: str) -> tuple[Metric | None, str | None, str | None]:
    """``(metric, None, None)``, or ``(None, message, hint)`` when ``text`` is not one."""
    text = str(text).strip()
    name, _, method = text.partition(":")
    if name in SHORTCUTS:
        sc = SHORTCUTS[name]
        if method and not sc.takes_method:
            return None, f"metric {name!r} does not take a method", None
        label = sc.label + (f" ({method})" if method else "")
        return Metric(text, sc.goal, sc.unit, label, sc.path.replace("<method>", method or
                      "<costed method>"), name, method or None), None, None
    if "." in text and ":" not in text and all(text.split(".")):
        unit = next((u for suffix, u in _UNITS.items() if text.endswith(suffix)), "1")
        goal = "max" if "accuracy" in text else "min"
        return Metric(text, goal, unit, text, text), None, None
    return None, f"unknown metric {text!r}", (did_you_mean(name, SHORTCUTS) or
                                              "a shortcut (" + ", ".join(SHORTCUTS) +
                                              ") or a dotted report.json path")


def lookup(data: Any, dotted: str) -> Any:
    """``data["a"]["b"]`` for ``"a.b"``; list items by index; None when absent."""
    node = data
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def report_paths(data: Any, prefix: str = "") -> list[str]:
    """Every dotted path to a number in a report (for "did you mean" on raw metric paths)."""
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out += report_paths(v, f"{prefix}{k}.")
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        out.append(prefix[:-1])
    return out
