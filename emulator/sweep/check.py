"""Check every point of a sweep against the scenario schema before anything is submitted.

Each point's overrides go onto the base scenario and through the scenario schema; the
full scenario load (core netlist, component parameters, layer mapping) runs once per
distinct hardware/model configuration, since it is the costly part.  A problem caused by
a sweep value is reported at that value in the sweep file (file, key path, line); a
problem of the base scenario itself is reported once, where it is.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from components.errors import Problem, ScenarioError, UserError
from emulator.scenario import load_scenario
from emulator.scenario.schema import SCHEMA as SCENARIO_SCHEMA
from emulator.schema import check

from .points import Point
from .model import Sweep

# sections that the scenario load does not look at beyond the schema
_NOT_LOADED = ("seed", "training", "outputs", "name", "doc")


def check_points(sw: Sweep, points: list[Point]) -> None:
    """Raise :class:`ScenarioError` with every problem found at any point."""
    origins = {**{k: "fixed" for k in sw.fixed}, **{p.key: "parameters" for p in sw.params},
               **{k: "tied" for k in sw.tied}}  # override key -> section of the sweep file
    found: dict[tuple, Problem] = {}
    base_only: set[tuple] = set()  # problems of the base with the fixed overrides alone
    try:
        _schema(sw, sw.fixed)
    except UserError as err:
        base_only = {_key(_remap(p, None, origins, sw)) for p in err.problems}

    loaded: set[str] = set()
    for pt in points:
        try:
            cfg = _schema(sw, pt.overrides)
            key = json.dumps({k: v for k, v in cfg.items() if k not in _NOT_LOADED},
                             sort_keys=True, default=str)
            if key in loaded:
                continue
            loaded.add(key)
            load_scenario(sw.base, copy.deepcopy(pt.overrides))
        except UserError as err:
            for p in err.problems:
                q = _remap(p, pt, origins, sw)
                if q is p and pt.params and _key(q) not in base_only:
                    q = _in_point(q, pt)  # a base-file problem that only some points have
                found.setdefault(_key(q), q)
    if found:
        raise ScenarioError(list(found.values()))


def _schema(sw: Sweep, overrides: dict) -> dict:
    data = copy.deepcopy(sw.base_data)
    for dotted, value in overrides.items():
        node = data
        keys = dotted.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise ScenarioError(Problem(f"cannot set {dotted!r}: {k!r} is not a section",
                                            str(sw.base), dotted))
        node[keys[-1]] = copy.deepcopy(value)
    return check(SCENARIO_SCHEMA, data, file=str(sw.base), lines=sw.base_lines,
                 error=ScenarioError)


def _origin(path: str | None, origins: dict, sw: Sweep) -> str | None:
    """The override key a problem at scenario ``path`` comes from, if any."""
    if not path:
        return None
    for key in sorted(origins, key=len, reverse=True):
        if path == key or path.startswith(key + "."):
            return key
        if key.startswith(path + ".") and not _in_base(sw.base_data, path):
            return key  # the problem is at a section the override created
    return None


def _in_base(data: Any, dotted: str) -> bool:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _remap(p: Problem, pt: Point | None, origins: dict, sw: Sweep) -> Problem:
    if p.file not in (None, str(sw.base)):
        return p  # e.g. a core netlist's own problem: its file and line are right
    key = _origin(p.path, origins, sw)
    if key is None:
        return p
    section = origins[key]
    where = sw.where(section, key)
    if section == "parameters" and pt is not None:  # point at the list item, if on its line
        values = list(next(q for q in sw.params if q.key == key).values)
        if pt.params[key] in values:
            where["line"] = sw.where(section, key, values.index(pt.params[key]))["line"]
    message = p.message if p.path == key else f"{p.path}: {p.message}"
    return Problem(message, where["file"], where["path"], where["line"], p.hint)


def _key(p: Problem) -> tuple:
    return (p.file, p.line, p.path, p.message)


def _in_point(p: Problem, pt: Point) -> Problem:
    values = ", ".join(f"{k}={v!r}" for k, v in pt.params.items())
    return Problem(f"{p.message} (at sweep point {pt.index}: {values})", p.file, p.path,
                   p.line, p.hint)
