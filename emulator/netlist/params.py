"""Check and convert the parameters a file gives an instance (one place for all of it)."""

from __future__ import annotations

import math
from typing import Any, Callable

from components.base import Component, Param
from components.errors import UserError, did_you_mean
from components.units import to_si

Report = Callable[..., None]  # report(message, subpath: tuple, hint=None)


def _b(x, none: str) -> str:
    return none if x is None else f"{x:g}"


def check_value(param: Param, value: Any, report: Report, sub: tuple) -> Any:
    """Return ``value`` converted to SI for ``param``, or None after reporting a problem."""
    if param.is_choice:
        if isinstance(value, str) and value in param.choices:
            return value
        report(f"{value!r} is not one of {', '.join(param.choices)}", sub,
               did_you_mean(str(value), param.choices))
        return None
    if type(value) is float or type(value) is int:  # fast path: a bare SI number
        v = float(value)
        if not math.isfinite(v):
            report(f"value {value!r} is not finite", sub)
            return None
    else:
        try:
            v = to_si(value, param.unit)
        except UserError as err:
            p = err.problems[0]
            report(p.message, sub, p.hint)
            return None
    if param.integer:
        if v != int(v):
            report(f"{param.name} must be a whole number, got {value!r}", sub)
            return None
        v = int(v)
    if (param.lo is not None and v < param.lo) or (param.hi is not None and v > param.hi):
        unit = "" if param.unit == "1" else f" {param.unit}"
        report(f"{param.name} = {value!r} is out of bounds [{_b(param.lo, '-inf')}, {_b(param.hi, 'inf')}]{unit}", sub)
        return None
    return v


def resolve_params(component: Component, given: Any, report: Report) -> tuple[dict, dict]:
    """Validate ``given`` against ``component``; return (resolved params, given in SI).

    Every problem goes to ``report``; a bad value falls back to its default so that
    the remaining checks can still run.
    """
    if given is None:
        given = {}
    if not isinstance(given, dict):
        report(f"params must be a mapping, got {type(given).__name__}", ())
        given = {}
    schema = {p.name: p for p in component.params}
    converted: dict[str, Any] = {}
    for key, value in given.items():
        param = schema.get(key)
        if param is None:
            report(f"unknown parameter {key!r} for component '{component.name}'", (key,),
                   did_you_mean(str(key), schema) or f"parameters: {', '.join(schema)}")
            continue
        v = check_value(param, value, report, (key,))
        if v is not None:
            converted[key] = v
    return component.resolve(converted), converted
