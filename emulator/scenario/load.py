"""Load a scenario: schema check, then the optical core it names, with its overrides.

Every problem (unknown key, bad unit, missing netlist, model that does not fit the
data or the hardware) is reported with the scenario file, key path and line.
"""

from __future__ import annotations

import copy
import os
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from components import default_registry
from emulator.errors import Problem, ScenarioError, UserError, did_you_mean
from emulator.netlist.generators import GENERATORS
from emulator.netlist.params import check_value
from emulator.netlist.source import read_document
from emulator.schema import check

from .core import Core
from .schema import SCHEMA


@dataclass
class Scenario:
    name: str
    file: str | None
    config: dict  # validated, SI
    core: Core
    source: Any = None  # what it was loaded from (path or dict), for variants
    base: Path | None = None
    overrides: dict | None = None

    def variant(self, hardware: Mapping[str, Any]) -> "Scenario":
        """The same scenario with some ``hardware`` keys changed (checked like the file)."""
        more = {**(self.overrides or {}), **{f"hardware.{k}": v for k, v in hardware.items()}}
        return load_scenario(self.source, more, base=self.base)


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for k in keys[:-1]:
        node = node.setdefault(k, {})
        if not isinstance(node, dict):
            raise ScenarioError(Problem(f"cannot set {dotted!r}: {k!r} is not a section",
                                        path=dotted))
    node[keys[-1]] = value


def load_scenario(source: str | Path | Mapping, overrides: Mapping[str, Any] | None = None,
                  *, base: str | Path | None = None) -> Scenario:
    """Load and check a scenario file (or dict).  ``overrides``: ``{"training.epochs": 5}``."""
    if isinstance(source, Mapping):
        data, lines, file = copy.deepcopy(dict(source)), {}, None
        base = Path(base) if base is not None else Path.cwd()
    else:
        try:
            data, lines = read_document(source)
        except UserError as err:
            raise ScenarioError(err.problems) from None
        file, base = str(source), Path(source).resolve().parent
    if not isinstance(data, dict):
        raise ScenarioError(Problem("a scenario must be a mapping of sections", file))
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, copy.deepcopy(value))  # never alias the caller's values
    cfg = check(SCHEMA, data, file=file, lines=lines, error=ScenarioError)
    problems: list[Problem] = []

    def where(*path) -> dict:
        line = None
        for n in range(len(path), -1, -1):
            line = lines.get(tuple(path[:n]))
            if line is not None:
                break
        return {"file": file, "path": ".".join(map(str, path)), "line": line}

    hw = cfg["hardware"]
    _check_param_overrides(hw["params"], problems, where)
    core = None
    core_path = Path(os.path.normpath(base / hw["core"]))  # an absolute core path stays as it is
    if not core_path.exists():
        problems.append(Problem(f"core netlist not found: {core_path}", **where("hardware", "core"),
                                hint=_nearby(core_path)))
    elif not problems:
        try:
            core = Core.load(core_path, shifter=hw["shifter"], params=hw["params"],
                             laser=hw["laser"])
        except UserError as err:
            problems.extend(err.problems)
            problems.append(Problem("the core netlist above cannot be used",
                                    **where("hardware", "core")))
    if core is not None:
        problems.extend(_check_mapping(cfg, core, where))
    for vname, hw_over in cfg["variants"].items():
        for key in hw_over:
            if key not in SCHEMA["hardware"].fields:
                problems.append(Problem(f"unknown hardware key {key!r} in variant '{vname}'",
                                        **where("variants", vname, key),
                                        hint=did_you_mean(str(key), SCHEMA["hardware"].fields)))
    if problems:
        raise ScenarioError(problems)
    name = cfg["name"] or (Path(file).stem if file else "scenario")
    return Scenario(name, file, cfg, core, source if file is None else file, base,
                    dict(overrides or {}))


def _nearby(path: Path) -> str | None:
    folder = path.parent
    if folder.is_dir():
        return did_you_mean(path.name, [p.name for p in folder.glob("*.y*ml")])
    return "paths are relative to the scenario file"


def _check_param_overrides(params: dict, problems: list, where) -> None:
    registry = default_registry()
    for comp_name, values in (params or {}).items():
        if comp_name not in registry:
            problems.append(Problem(f"unknown component {comp_name!r}",
                                    **where("hardware", "params", comp_name),
                                    hint=registry.suggest(str(comp_name))))
            continue
        comp = registry.get(comp_name)
        schema = {p.name: p for p in comp.params}
        for key, value in (values or {}).items():
            w = where("hardware", "params", comp_name, key)
            if key not in schema:
                problems.append(Problem(f"unknown parameter {key!r} for component '{comp_name}'",
                                        **w, hint=did_you_mean(str(key), schema)))
                continue

            def report(msg, sub, hint=None, w=w):
                problems.append(Problem(msg, **w, hint=hint))

            check_value(schema[key], value, report, ())


def _check_mapping(cfg: dict, core: Core, where) -> list[Problem]:
    """A model that cannot be mapped: bad sizes, or a layer too large without tiling."""
    out = []
    layers = cfg["model"]["layers"]
    if not cfg["hardware"]["tiling"]:
        for i in range(1, len(layers)):
            rows, cols = layers[i], layers[i - 1]
            if rows > core.n_out or cols > core.n_in:
                out.append(Problem(
                    f"layer {i} ({rows}x{cols}) does not fit the {core.n_out}x{core.n_in} core "
                    "and tiling is off", **where("model", "layers", i),
                    hint="set hardware.tiling: true, or use a larger core"))
    return out


def generator_keys(name: str) -> set[str]:
    return set(inspect.signature(GENERATORS[name]).parameters)
