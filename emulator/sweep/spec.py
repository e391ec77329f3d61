"""The sweep file: its schema, and :func:`load_sweep`, which checks it whole.

```yaml
version: 1
name: core_size                   # default: the file name
base: quickstart.yaml             # the base scenario, relative to this file
fixed:                            # scenario overrides for every point (keep points cheap)
  training.epochs: 5
parameters:                       # dotted scenario keys to vary
  hardware.core: [../netlists/onn_core_8.yaml, ../netlists/onn_core_16.yaml]
  hardware.shifter: [thermo, eo]
  training.fscale: {low: 0.01, high: 0.1, num: 4, log: true}   # a range
tied:                             # keys that take a parameter's value at every point
  nonideal.adc_bits: hardware.params.adc.bits
random: {samples: 20, seed: 7}    # optional: draw points instead of the full grid
metrics: [test_accuracy, energy_per_inference_j, passes.update.energy_j]
pareto: [[energy_per_inference_j, test_accuracy]]   # optional (x, y) pairs to plot
```

A parameter is a list of values or a range ``{low, high, num, log, int}``.  A grid (no
``random``) takes every combination; a range there needs ``num`` (evenly spaced values,
log-spaced with ``log: true``).  A random sweep draws ``samples`` distinct points with its
own seed: list values uniformly, ranges uniformly (log-uniformly with ``log``) or from their
``num`` values.  Paths given for ``hardware.core`` are relative to the sweep file.

Every problem (unknown key in the sweep file or in a scenario key path, a bad value at any
point, a missing base scenario) is collected and reported with file, key path and line.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path
from typing import Any

from components.errors import Problem, ScenarioError, UserError, did_you_mean
from emulator.netlist.source import read_document
from emulator.scenario.schema import SCHEMA as SCENARIO_SCHEMA
from emulator.schema import Field, validate

from .check import check_points
from .metrics import DEFAULT_METRICS, parse_metric
from .model import Param, Sweep
from .points import expand, grid_size, range_values

MAX_POINTS = 100_000
PATH_KEYS = ("hardware.core",)  # scenario keys holding a file path
DEFAULT_PARETO = [["energy_per_inference_j", "test_accuracy"],
                  ["latency_per_inference_s", "energy_per_inference_j"]]


def _not_empty(v) -> str | None:
    return None if v else "give at least one parameter to vary"


def _pair(v) -> str | None:
    return None if len(v) == 2 else "a Pareto plot takes two metrics: [x, y]"


SWEEP_SCHEMA: dict[str, Field] = {
    "version": Field("choice", choices=(1,), doc="sweep format version"),
    "name": Field("str", None, "used in the output folder name", nullable=True),
    "doc": Field("str", None, "free text", nullable=True),
    "base": Field("str", doc="base scenario file, relative to the sweep file"),
    "fixed": Field("map", {}, "scenario overrides for every point, by dotted key"),
    "parameters": Field("map", doc="dotted scenario key -> list of values, or a range "
                        "{low, high, num, log, int}", check=_not_empty,
                        item=Field("any", doc="a list of values, or a range {low, high, num, "
                                   "log, int}")),
    "tied": Field("map", {}, "dotted scenario key -> the parameter whose value it takes",
                  item=Field("str")),
    "random": Field("section", None, "draw points at random instead of the full grid",
                    nullable=True, fields={
                        "samples": Field("int", doc="number of distinct points", lo=1,
                                         hi=MAX_POINTS),
                        "seed": Field("int", 0, "seed of the draw", lo=0),
                    }),
    "metrics": Field("list", DEFAULT_METRICS, "shortcuts or dotted report.json paths",
                     item=Field("str"), min_items=1),
    "pareto": Field("list", None, "(x, y) metric pairs to plot with their Pareto front",
                    nullable=True, item=Field("list", item=Field("str"), check=_pair)),
}

RANGE_SCHEMA: dict[str, Field] = {
    "low": Field("float", doc="lower end"),
    "high": Field("float", doc="upper end"),
    "num": Field("int", None, "number of evenly spaced values (required in a grid)",
                 lo=1, hi=MAX_POINTS, nullable=True),
    "log": Field("bool", False, "log spacing / log-uniform draws"),
    "int": Field("bool", None, "whole numbers (default: when low and high are)",
                 nullable=True),
}


def load_sweep(path: str | Path, *, check_each: bool = True) -> Sweep:
    """Read and check a sweep file and (``check_each``) every one of its points against
    the scenario schema; raise :class:`ScenarioError` listing every problem."""
    file = str(path)
    try:
        data, lines = read_document(path)
    except UserError as err:
        raise ScenarioError(err.problems) from None
    cfg, problems = validate(SWEEP_SCHEMA, data, file=file, lines=lines)
    if not all(p.path and "." not in p.path and p.path not in SWEEP_SCHEMA for p in problems):
        raise ScenarioError(problems)
    # at most unknown top-level keys: check the rest too, so one run lists every problem
    sweep_dir = Path(path).resolve().parent
    sw = Sweep(name=cfg["name"] or Path(file).stem, file=file, base=Path(), base_data={},
               base_lines={}, fixed={}, params=[], tied={}, random=cfg["random"], metrics=[],
               pareto=[], lines=lines)

    base_ok = _read_base(sw, cfg["base"], sweep_dir, problems)
    seen: dict[str, str] = {}
    for key, value in cfg["fixed"].items():
        if _key_ok(key, ("fixed", key), sw, problems, seen, "fixed"):
            sw.fixed[key] = _as_scenario_path(key, value, sweep_dir, sw)
    for key, spec in cfg["parameters"].items():
        if _key_ok(key, ("parameters", key), sw, problems, seen, "parameters"):
            p = _param(key, spec, sw, problems)
            if p is not None:
                sw.params.append(p)
    names = [p.key for p in sw.params]
    for key, source in cfg["tied"].items():
        if not _key_ok(key, ("tied", key), sw, problems, seen, "tied"):
            continue
        if source not in names:
            problems.append(Problem(f"{source!r} is not one of the parameters",
                                    **sw.where("tied", key),
                                    hint=did_you_mean(source, names) or
                                    f"parameters: {', '.join(names) or 'none'}"))
            continue
        sw.tied[key] = source

    _read_metrics(sw, cfg, problems)
    if base_ok and sw.params:
        n = grid_size(sw)
        if sw.random is None and n > MAX_POINTS:
            problems.append(Problem(f"the grid has {n:,} points (at most {MAX_POINTS:,})",
                                    **sw.where("parameters"),
                                    hint="draw some of them with random: {samples: N}"))
        elif check_each:
            sw.points = expand(sw)
            try:
                check_points(sw, sw.points)
            except ScenarioError as err:
                problems.extend(err.problems)
    if problems:
        problems.sort(key=lambda p: (p.file != file, p.file or "", p.line or 0))
        raise ScenarioError(problems)
    return sw


def _read_base(sw: Sweep, given: str, sweep_dir: Path, problems: list) -> bool:
    """Find and read the base scenario; True when it is a mapping."""
    base = Path(given)
    base = base if base.is_absolute() else sweep_dir / base
    if not base.is_file():
        folder = base.parent
        hint = did_you_mean(base.name, [p.name for p in folder.glob("*.y*ml")]) \
            if folder.is_dir() else None
        problems.append(Problem(f"base scenario not found: {base}", **sw.where("base"),
                                hint=hint or "the path is relative to the sweep file"))
        return False
    sw.base = base.resolve()
    try:
        data, sw.base_lines = read_document(sw.base)
    except UserError as err:
        problems.extend(err.problems)
        return False
    if not isinstance(data, dict):
        problems.append(Problem("a scenario must be a mapping of sections", str(sw.base)))
        return False
    sw.base_data = data
    return True


def _read_metrics(sw: Sweep, cfg: dict, problems: list) -> None:
    for i, text in enumerate(cfg["metrics"]):
        metric, msg, hint = parse_metric(text)
        if metric is None:
            problems.append(Problem(msg, **sw.where("metrics", i), hint=hint))
        elif metric.name in cfg["parameters"]:
            problems.append(Problem(f"metric {text!r} is also a parameter (one column each)",
                                    **sw.where("metrics", i)))
        elif metric.name in [m.name for m in sw.metrics]:
            problems.append(Problem(f"metric {text!r} is listed twice", **sw.where("metrics", i)))
        else:
            sw.metrics.append(metric)
    have = [m.name for m in sw.metrics]
    if cfg["pareto"] is None:
        sw.pareto = [(x, y) for x, y in DEFAULT_PARETO if x in have and y in have]
        return
    for i, pair in enumerate(cfg["pareto"]):
        for j, name in enumerate(pair):
            if name not in have:
                problems.append(Problem(f"{name!r} is not one of the metrics",
                                        **sw.where("pareto", i, j),
                                        hint=did_you_mean(name, have) or "add it to 'metrics'"))
        sw.pareto.append((pair[0], pair[1]))


# ------------------------------------------------------------------ scenario key paths

def scenario_key_problem(dotted: str) -> tuple[str, str | None] | None:
    """``(message, hint)`` when ``dotted`` is not a key path of the scenario schema.

    Below a free-form mapping (``hardware.params``) any key is accepted here; those are
    checked when each point's scenario is loaded.
    """
    fields = SCENARIO_SCHEMA
    parts = str(dotted).split(".")
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        if part not in fields:
            where = ".".join(parts[:i]) or "the top level"
            return (f"unknown scenario key {here!r}",
                    did_you_mean(part, fields) or f"keys at {where}: {', '.join(fields)}")
        f = fields[part]
        if i == len(parts) - 1:
            return None
        if f.kind == "section":
            fields = f.fields or {}
        elif f.kind in ("map", "any"):
            return None
        else:
            return f"{here!r} is a single {f.kind} value; it has no key {parts[i + 1]!r}", None
    return None


def _key_ok(key, path: tuple, sw: Sweep, problems: list, seen: dict, section_: str) -> bool:
    bad = scenario_key_problem(key)
    if bad is not None:
        problems.append(Problem(bad[0], **sw.where(*path), hint=bad[1]))
        return False
    if key in seen:
        problems.append(Problem(f"{key!r} is set both in '{seen[key]}' and in '{section_}'",
                                **sw.where(*path)))
        return False
    seen[key] = section_
    return True


def _as_scenario_path(key: str, value: Any, sweep_dir: Path, sw: Sweep) -> Any:
    """A file path given relative to the sweep file, made relative to the base scenario."""
    if key not in PATH_KEYS or not isinstance(value, str) or Path(value).is_absolute() \
            or not sw.base.is_absolute():
        return value
    rel = os.path.relpath(sweep_dir / value, sw.base.parent)
    out = Path(rel).as_posix()
    sw.display[(key, out)] = value
    return out


def short_value(key: str, value: Any) -> Any:
    """A value for a legend or a terminal table: file paths by their file name."""
    if key in PATH_KEYS and isinstance(value, str):
        return Path(value).name
    return value


def _param(key: str, spec: Any, sw: Sweep, problems: list) -> Param | None:
    where = sw.where("parameters", key)
    sweep_dir = Path(sw.file).resolve().parent if sw.file else Path.cwd()
    if isinstance(spec, list):
        if not spec:
            problems.append(Problem("give at least one value", **where))
            return None
        values = [_as_scenario_path(key, copy.deepcopy(v), sweep_dir, sw) for v in spec]
        seen_values = []
        for i, v in enumerate(values):
            if v in seen_values:
                problems.append(Problem(f"value {spec[i]!r} is listed twice",
                                        **sw.where("parameters", key, i)))
                return None
            seen_values.append(v)
        return Param(key, tuple(values))
    if not isinstance(spec, dict):
        problems.append(Problem(f"expected a list of values or a range {{low, high, num}}, "
                                f"got {spec!r}", **where,
                                hint=f"one value never varies: put {key} under 'fixed'"))
        return None
    r, bad = validate(RANGE_SCHEMA, spec, file=sw.file, lines=sw.lines, at=("parameters", key))
    if bad:
        problems.extend(bad)
        return None
    integer = r["int"] if r["int"] is not None else (
        isinstance(spec.get("low"), int) and isinstance(spec.get("high"), int)
        and not isinstance(spec.get("low"), bool))
    low, high = r["low"], r["high"]
    if not low < high:
        problems.append(Problem(f"low ({low:g}) must be below high ({high:g})", **where))
        return None
    if integer and math.ceil(low) > math.floor(high):
        problems.append(Problem(f"no whole number lies in [{low:g}, {high:g}]", **where))
        return None
    if r["log"] and low <= 0:
        problems.append(Problem(f"a log range needs low > 0, got {low:g}", **where))
        return None
    if r["num"] is None:
        if sw.random is None:
            problems.append(Problem("a range in a grid sweep needs 'num' (how many values)",
                                    **where, hint="or draw points with random: {samples: N}"))
            return None
        return Param(key, (), low, high, r["log"], integer)
    return Param(key, tuple(range_values(low, high, r["num"], r["log"], integer)))

