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

from components import Registry, default_registry
from components.errors import Problem, ScenarioError, UserError, did_you_mean
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
    registry: Registry | None = None  # the components it was loaded with (None: library)

    def variant(self, hardware: Mapping[str, Any]) -> "Scenario":
        """The same scenario with some ``hardware`` keys changed (checked like the file)."""
        more = {**(self.overrides or {}), **{f"hardware.{k}": v for k, v in hardware.items()}}
        return load_scenario(self.source, more, base=self.base, registry=self.registry)


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
                  *, base: str | Path | None = None,
                  registry: Registry | None = None) -> Scenario:
    """Load and check a scenario file (or dict).  ``overrides``: ``{"training.epochs": 5}``;
    ``registry``: the components (default: :func:`components.default_registry`)."""
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
    problems.extend(_check_model(cfg, where))
    _check_param_overrides(hw["params"], problems, where, registry or default_registry())
    core = None
    core_path = Path(os.path.normpath(base / hw["core"]))  # an absolute core path stays as it is
    if not core_path.exists():
        problems.append(Problem(f"core netlist not found: {core_path}", **where("hardware", "core"),
                                hint=_nearby(core_path)))
    elif not problems:
        try:
            core = Core.load(core_path, shifter=hw["shifter"], params=hw["params"],
                             laser=hw["laser"], registry=registry)
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
                    dict(overrides or {}), registry)


def _nearby(path: Path) -> str | None:
    folder = path.parent
    if folder.is_dir():
        return did_you_mean(path.name, [p.name for p in folder.glob("*.y*ml")])
    return "paths are relative to the scenario file"


def _check_param_overrides(params: dict, problems: list, where, registry: Registry) -> None:
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


CONV_KEYS = ("kernel", "channels", "stride", "padding", "pool", "pool_mode", "hidden",
             "readout", "head", "conv_norm")


def _check_model(cfg: dict, where) -> list[Problem]:
    """Every method entry gets its resolved model (``entry["model_cfg"]``, the scenario's
    model with the entry's changes) and F scale; the settings must fit the model type."""
    out = []
    base = cfg["model"]
    for i, e in enumerate(cfg["training"]["methods"]):
        if not e:
            continue
        changes = e["model"] or {}
        for key in changes:
            if key not in SCHEMA["model"].fields:
                out.append(Problem(f"unknown model key {key!r}",
                                   **where("training", "methods", i, "model", key),
                                   hint=did_you_mean(str(key), SCHEMA["model"].fields)))
        m = check(SCHEMA["model"].fields, {**base, **changes}, error=ScenarioError) \
            if changes else dict(base)
        at = ("training", "methods", i, "model") if changes else ("model",)
        out.extend(_check_one_model(m, e, cfg, at, where, i))
        e["model_cfg"] = m
        tr = cfg["training"]
        e["fscale"] = tr["fscale"] if tr["fscale"] is not None else (
            0.05 if m["type"] == "dense" else None)
    if base["type"] == "dense":
        base["activation"] = base["activation"] or "relu"
    return out


def _check_one_model(m: dict, e: dict, cfg: dict, at: tuple, where, i: int) -> list[Problem]:
    out = []
    if m["type"] == "dense":
        if not m["layers"]:
            out.append(Problem("a dense model needs 'layers' (sizes, input first)", **where(*at)))
        if m["conv"]:
            out.append(Problem("'conv' settings need model.type patch_conv or column_strip",
                               **where(*at, "conv")))
        m["activation"] = m["activation"] or "relu"
        return out
    if m["layers"]:
        out.append(Problem(f"'layers' is for dense models; a {m['type']} is set with 'conv'",
                           **where(*at, "layers"), hint="e.g. conv: {head: [32]}"))
    for key in m["conv"]:
        if key not in CONV_KEYS:
            out.append(Problem(f"unknown CNN setting {key!r}", **where(*at, "conv", key),
                               hint=did_you_mean(str(key), CONV_KEYS)
                               or f"settings: {', '.join(CONV_KEYS)}"))
    if e["method"] not in ("tpfp", "bp", "frozen"):
        out.append(Problem(f"method {e['method']!r} is not available for CNNs",
                           **where("training", "methods", i), hint="tpfp, bp or frozen"))
    if e["insitu"] or (e["insitu"] is None and cfg["nonideal"]["insitu"]):
        out.append(Problem("in-situ training is not available for CNNs yet",
                           **where("training", "methods", i)))
    return out


def _check_mapping(cfg: dict, core: Core, where) -> list[Problem]:
    """A model that cannot be mapped: bad sizes, or a layer too large without tiling."""
    out = []
    layers = cfg["model"]["layers"] or []
    if cfg["model"]["type"] == "dense" and not cfg["hardware"]["tiling"]:
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
