"""Component parameters as schema fields: a netlist's ``params`` go through the same
checker as scenario and sweep files (units, bounds, NaN, choices, did-you-mean)."""

from __future__ import annotations

from typing import Any

import math
import numbers

import numpy as np

from components.base import Component, Param
from components.errors import Problem
from components.units import fmt

from emulator.schema import Field, validate

from .source import Lines, where

_CACHE: dict[int, tuple[Component, dict[str, Field]]] = {}


def param_field(p: Param) -> Field:
    """The schema field of one declared component parameter."""
    doc = p.doc + (f" [{p.source}]" if p.source else "")
    if p.is_choice:
        return Field("choice", p.default, doc, choices=tuple(p.choices))
    return Field("int" if p.integer else "float", p.default, doc, unit=p.unit, lo=p.lo,
                 hi=p.hi)


def param_schema(component: Component) -> dict[str, Field]:
    """``{name: Field}`` of a component's parameters (built once per component)."""
    hit = _CACHE.get(id(component))
    if hit is None or hit[0] is not component:
        hit = _CACHE[id(component)] = (component, {p.name: param_field(p)
                                                   for p in component.params})
    return hit[1]


def check_params(component: Component, given: Any, *, file: str | None = None,
                 lines: Lines | None = None, at: tuple = ()) -> tuple[dict, list[Problem]]:
    """``given`` parameters in SI (bad ones left out) and the problems found; ``at`` is the
    key path of ``given`` in ``file``.  A retired parameter (``Component.retired``) is a
    problem naming where its setting lives now."""
    gone = []
    if isinstance(given, dict) and component.retired:
        gone = [k for k in given if k in component.retired]
        given = {k: v for k, v in given.items() if k not in component.retired}
    out, problems = validate(param_schema(component), given, file=file, lines=lines, at=at,
                             partial=True, unknown="unknown parameter {key!r} for component "
                             f"'{component.name}'")
    problems = [Problem(f"'{component.name}' no longer takes {k!r}",
                        hint=component.retired[k], **where(file, lines, *at, k))
                for k in gone] + problems
    return {k: v for k, v in out.items() if v is not None}, problems


def resolve_params(component: Component, given: Any, *, file: str | None = None,
                   lines: Lines | None = None, at: tuple = ()) -> tuple[dict, dict, list[Problem]]:
    """(resolved params with defaults per variant, given in SI, problems).  A bad value
    falls back to its default so that the remaining checks can still run."""
    converted, problems = check_params(component, given, file=file, lines=lines, at=at)
    return component.resolve(converted), converted, problems


def _column(f: Field, values: list):
    """The values of one parameter over many instances, converted as :func:`check_params`
    converts each, or None if any needs the per-instance checker (a unit, a bad value)."""
    if f.check is not None or f.coerce is not None or f.alt is not None:
        return None
    if f.kind == "choice":
        if {type(v) for v in values} == {str} and set(values) <= set(f.choices):
            return values
        return None
    if f.kind not in ("float", "int") or not {type(v) for v in values} <= {float, int}:
        return None  # bare numbers only: text goes through the unit parser
    x = np.array(values, dtype=float)
    if not np.isfinite(x).all() or (f.lo is not None and (x < f.lo).any()) \
            or (f.hi is not None and (x > f.hi).any()):
        return None
    if f.kind == "int":
        return None if (x != np.floor(x)).any() else [int(float(v)) for v in values]
    return [float(v) for v in values]


def resolve_many(component: Component, given: list[dict]) -> list[tuple[dict, dict]] | None:
    """:func:`resolve_params` of many instances of one component that all set the same
    keys, checked a column at a time; None unless every value is a bare number within
    its bounds or a valid choice (then the per-instance path finds and words the
    problems).  A generated mesh sets tens of thousands of bare numbers."""
    schema = param_schema(component)
    keys = set(given[0]) if given else set()
    if not keys <= set(schema) or any(len(g) != len(keys) for g in given):
        return None
    columns = {}
    try:
        for key, f in schema.items():  # the schema's key order, as check_params gives
            if key in keys:
                columns[key] = _column(f, [g[key] for g in given])
                if columns[key] is None:
                    return None
    except KeyError:  # as many keys, but other ones
        return None
    defaults: dict[tuple, dict] = {}  # per choice of variant
    out = []
    for i in range(len(given)):
        converted = {k: col[i] for k, col in columns.items()}
        variant = tuple(converted.get(c) for c in component.variants)
        base = defaults.get(variant)
        if base is None:
            base = defaults[variant] = component.defaults(converted)
        out.append(({**base, **converted}, converted))
    return out
def unit_notes(component: Component, given: Any, *, file: str | None = None,
               lines: Lines | None = None, at: tuple = ()) -> list[Problem]:
    """Warnings for bare numbers in length fields (unit m): they stay SI, but one below
    1 mm is easy to misread and one of 1 cm or more on a chip looks like micrometres
    (SAX and gdsfactory write µm); either way the fix is to write the unit."""
    if not isinstance(given, dict):
        return []
    schema = param_schema(component)
    notes = []
    for key, value in given.items():
        f = schema.get(key)
        if (f is None or f.unit != "m" or isinstance(value, bool)
                or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0):
            continue
        if value < 1e-3:
            msg = f"bare length {value!r} is read as {fmt(float(value), 'm')} (SI metres)"
            fix = f"write '{fmt(float(value), 'm').replace('µ', 'u')}' to say so"
        elif value >= 1e-2:
            msg = f"bare length {value!r} is read as {value:g} m (SI metres): it looks like micrometres"
            fix = f"write '{value:g} um'"
        else:
            continue
        notes.append(Problem(msg, hint=fix, **where(file, lines, *at, key)))
    return notes
