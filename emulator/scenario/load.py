"""Load a scenario: schema check, then the optical core it names, with its overrides.

Every problem (unknown key, bad unit, missing netlist, model that does not fit the
data or the hardware) is reported with the scenario file, key path and line.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from components import Registry, default_registry
from components.errors import Problem, ScenarioError, UserError, did_you_mean
from emulator.netlist.params import check_params
from emulator.netlist.source import locate, read_document, where as where_in
from emulator.schema import check

from emulator.chip.core import LAYER_KINDS, Core, override_problems
from emulator.chip.spec import moved_problems
from .mapping import mapping_for
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
        more = {**(self.overrides or {}), **{f"hardware.{k}": v for k, v in hardware.items()},
                "variants": {}}  # checked with the scenario already
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
    nonideal = data.get("nonideal")
    if isinstance(nonideal, dict):  # settings that became component parameters
        moved = moved_problems(nonideal, ("nonideal",),
                               lambda *p: where_in(file, lines, *p))
        if moved:
            raise ScenarioError(moved)
    cfg = check(SCHEMA, data, file=file, lines=lines, error=ScenarioError)
    problems: list[Problem] = []

    def where(*path) -> dict:
        return where_in(file, lines, *path)

    hw = cfg["hardware"]
    problems.extend(_check_model(cfg, where))
    registry = registry or default_registry()
    problems.extend(_check_param_overrides(hw["params"], file, lines, registry))
    for vname, over in cfg["variants"].items():  # the variants' own, checked here too
        problems.extend(_check_param_overrides(over.get("params"), file, lines, registry,
                                               ("variants", vname, "params")))
    core = None
    core_path = Path(os.path.normpath(base / hw["core"]))  # an absolute core path stays as it is
    if not core_path.exists():
        problems.append(Problem(f"core netlist not found: {core_path}", **where("hardware", "core"),
                                hint=_nearby(core_path)))
    elif not problems:
        core = _load_core(core_path, hw, problems, where, registry)
    if core is not None:
        problems.extend(override_problems(hw["params"], core, where))
        for vname, over in cfg["variants"].items():
            if "core" not in over:
                problems.extend(override_problems(over.get("params"), core, where,
                                                ("variants", vname, "params")))
        problems.extend(_check_mapping(cfg, core, where))
    for vname, over in cfg["variants"].items():  # another architecture: its core, checked now
        if "core" in over:
            problems.extend(_variant_core(cfg, vname, base, problems, where, registry))
    if problems:
        raise ScenarioError(problems)
    name = cfg["name"] or (Path(file).stem if file else "scenario")
    return Scenario(name, file, cfg, core, source if file is None else file, base,
                    dict(overrides or {}), registry)


def _variant_core(cfg: dict, vname: str, base: Path, problems: list, where,
                  registry: Registry) -> list[Problem]:
    """A variant's own core netlist, loaded with the variant's hardware and checked like
    the main one (its problems at ``variants.NAME``)."""
    hw = {**cfg["hardware"], **cfg["variants"][vname]}
    at = ("variants", vname)
    path = Path(os.path.normpath(base / hw["core"]))
    if not path.exists():
        return [Problem(f"core netlist not found: {path}", **where(*at, "core"),
                        hint=_nearby(path))]
    out: list[Problem] = []
    core = _load_core(path, hw, out, lambda *p: where(*at, *p[1:]), registry)
    if core is not None:
        out.extend(override_problems(hw["params"], core, where, at + ("params",)))
        out.extend(_check_mapping(cfg, core, where, hw, at))
    return out


def _nearby(path: Path) -> str | None:
    folder = path.parent
    if folder.is_dir():
        return did_you_mean(path.name, [p.name for p in folder.glob("*.y*ml")])
    return "paths are relative to the scenario file"


def _load_core(path: Path, hw: dict, problems: list, where, registry: Registry) -> Core | None:
    """The core netlist with the scenario's overrides; its own problems keep its file and
    line (and those of its subcircuit files)."""
    try:
        return Core.load(path, shifter=hw["shifter"], params=hw["params"], laser=hw["laser"],
                         allow_over_budget=hw["allow_over_budget"], registry=registry)
    except UserError as err:
        try:
            lines = read_document(path)[1]
        except UserError:
            lines = {}
        problems.extend(locate(err.problems, str(path), lines))
        problems.append(Problem("the core netlist above cannot be used",
                                **where("hardware", "core")))
        return None


def _check_param_overrides(params: dict | None, file: str | None, lines: dict,
                           registry: Registry,
                           at: tuple = ("hardware", "params")) -> list[Problem]:
    """``hardware.params``: known components, and their parameters checked by the same
    schema fields as a netlist's."""
    out = []
    for comp_name, values in (params or {}).items():
        where = at + (comp_name,)
        if comp_name not in registry:
            out.append(Problem(f"unknown component {comp_name!r}",
                               **where_in(file, lines, *where),
                               hint=registry.suggest(str(comp_name))))
            continue
        out.extend(check_params(registry.get(comp_name), values, file=file, lines=lines,
                                at=where)[1])
    return out


def _check_model(cfg: dict, where) -> list[Problem]:
    """Every method entry gets its resolved model (``entry["model_cfg"]``, the scenario's
    model with the entry's changes) and F scale; the settings must fit the model type."""
    out = []
    base = cfg["model"]
    for i, e in enumerate(cfg["training"]["methods"]):
        if not e:
            continue
        changes = e["model"] or {}  # checked by the schema (a partial model section)
        m = {**base, **changes}
        # the CNN settings given (the schema fills the others with "the model's default")
        m["conv"] = {k: v for k, v in (m["conv"] or {}).items() if v not in (None, [])}
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
    return out


def _check_mapping(cfg: dict, core: Core, where, hw: dict | None = None,
                   at: tuple = ("hardware",)) -> list[Problem]:
    """A model that cannot be mapped: bad sizes, a layer too large without tiling, or
    settings the core's architecture does not have (``hw``, ``at``: a variant's)."""
    out = []
    hw = hw or cfg["hardware"]
    n_out, n_in = mapping_for(core).tile_shape()
    layers = cfg["model"]["layers"] or []
    if cfg["model"]["type"] == "dense" and not hw["tiling"]:
        for i in range(1, len(layers)):
            rows, cols = layers[i], layers[i - 1]
            if rows > n_out or cols > n_in:
                out.append(Problem(
                    f"layer {i} ({rows}x{cols}) does not fit the {n_out}x{n_in} core "
                    "and tiling is off", **where("model", "layers", i),
                    hint="set hardware.tiling: true, or use a larger core"))
    operands = mapping_for(core).operands
    if hw["mapping"] not in ("core", operands):
        out.append(Problem(f"mapping {hw['mapping']!r} does not fit the core: its "
                           f"{core.kind} maps as {operands!r}", **where(*at, "mapping"),
                           hint="leave mapping at 'core', or use another core"))
    if core.kind == "svd_layer":
        return out
    arch = f"the core's {core.kind} ({LAYER_KINDS[core.kind]})"
    if hw["wavelengths"] > 1:
        out.append(Problem(f"{arch} has its own wavelengths (one per input); "
                           "wavelengths > 1 shares an SVD mesh between channel sets",
                           **where(*at, "wavelengths"), hint="leave wavelengths at 1"))
    return out

