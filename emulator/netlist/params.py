"""Component parameters as schema fields: a netlist's ``params`` go through the same
checker as scenario and sweep files (units, bounds, NaN, choices, did-you-mean)."""

from __future__ import annotations

from typing import Any

import math
import numbers

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
    key path of ``given`` in ``file``."""
    out, problems = validate(param_schema(component), given, file=file, lines=lines, at=at,
                             partial=True, unknown="unknown parameter {key!r} for component "
                             f"'{component.name}'")
    return {k: v for k, v in out.items() if v is not None}, problems


def resolve_params(component: Component, given: Any, *, file: str | None = None,
                   lines: Lines | None = None, at: tuple = ()) -> tuple[dict, dict, list[Problem]]:
    """(resolved params with defaults per variant, given in SI, problems).  A bad value
    falls back to its default so that the remaining checks can still run."""
    converted, problems = check_params(component, given, file=file, lines=lines, at=at)
    return component.resolve(converted), converted, problems


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
