"""The one declarative validator: scenario and sweep files, netlist component parameters,
the in-situ trainer's hardware settings and converter counts.

A schema is a dict ``{key: Field}``.  :func:`check` walks the data, converts quantities
to SI, fills defaults, and collects every problem with its key path, line and a "did you
mean" for unknown keys and choices.  Nothing is silently dropped.  ``partial=True``
checks only the keys given (overrides, component parameters) and fills nothing.
:func:`json_schema` turns the same declarations into a JSON Schema for editors and CI;
:func:`describe` into a text reference.
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

from components.errors import Problem, UserError, did_you_mean
from components.units import to_si

from emulator.netlist.source import Lines, where

REQUIRED = object()
NUMBERS = ("int", "float", "quantity")


@dataclass(frozen=True)
class Field:
    kind: str  # int | float | quantity | str | bool | choice | list | section | map | any
    default: Any = REQUIRED
    doc: str = ""
    unit: str | None = None  # SI unit of a number; "3 mW"-style text is converted to it
    lo: float | None = None
    hi: float | None = None
    choices: tuple = ()
    item: "Field | None" = None  # list items / map values
    fields: dict[str, "Field"] | None = None  # section
    nullable: bool = False
    check: Callable[[Any], str | None] | None = None  # extra check: returns a message or None
    coerce: Callable[[Any], Any] | None = None  # shorthand -> full form, before checking
    post: Callable[[Any], Any] | None = None  # fill derived values, after checking
    min_items: int = 0
    alt: "Field | None" = None  # a second accepted form, chosen by the value's type
    partial: bool = False  # section of overrides: keys optional, no defaults filled


def section(fields: dict[str, Field], doc: str = "", default: Any = None) -> Field:
    return Field("section", {} if default is None else default, doc, fields=fields)


_PY_TYPES = {"section": dict, "map": dict, "list": list, "str": str, "choice": (str, int),
             "bool": bool, "int": (int, float, str), "float": (int, float, str),
             "quantity": (int, float, str)}


def _fits(f: Field, v: Any) -> bool:
    """Whether ``v`` has the Python type of ``f``'s form (to pick between f and f.alt)."""
    return f.kind == "any" or (isinstance(v, _PY_TYPES[f.kind])
                               and not (isinstance(v, bool) and f.kind != "bool"))


class _Walker:
    def __init__(self, file: str | None, lines: Lines | None, partial: bool, unknown: str):
        self.file, self.lines, self.partial, self.unknown = file, lines or {}, partial, unknown
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str, hint: str | None = None):
        self.problems.append(Problem(message, hint=hint, **where(self.file, self.lines, *path)))

    def bad(self, path: tuple, message: str, hint: str | None = None):
        self.add(path, message, hint)
        return None

    def value(self, f: Field, v: Any, path: tuple) -> Any:
        if v is None and f.nullable:
            return None
        if f.alt is not None and _fits(f.alt, v) and not _fits(f, v):
            v = self.value(f.alt, v, path)
            if v is None or f.coerce is None:
                return v
        if f.coerce is not None:
            v = f.coerce(v)
        k = f.kind
        if k == "section":
            out = self.section(f.fields or {}, v, path, self.partial or f.partial)
            return f.post(out) if f.post is not None else out
        if k == "any":
            return v
        if k == "bool":
            return v if isinstance(v, bool) else self.bad(path, f"expected true or false, got {v!r}")
        if k == "str":
            if isinstance(v, str) and v:
                return self.extra(f, v, path)
            return self.bad(path, f"expected a text value, got {v!r}")
        if k == "choice":
            if not isinstance(v, (bool, list, dict)) and v in f.choices:
                return v
            return self.bad(path, f"{v!r} is not one of {', '.join(map(str, f.choices))}",
                            did_you_mean(str(v), f.choices))
        if k in NUMBERS:
            return self.number(f, v, path)
        if k == "list":
            if not isinstance(v, list):
                return self.bad(path, f"expected a list, got {type(v).__name__}")
            if len(v) < f.min_items:
                return self.bad(path, f"expected at least {f.min_items} item(s)")
            out = [self.value(f.item, x, path + (i,)) for i, x in enumerate(v)] \
                if f.item else list(v)
            return self.extra(f, out, path)
        if k == "map":
            if not isinstance(v, dict):
                return self.bad(path, f"expected a mapping, got {type(v).__name__}")
            out = {kk: (self.value(f.item, vv, path + (kk,)) if f.item else vv)
                   for kk, vv in v.items()}
            return self.extra(f, out, path)
        raise ValueError(f"schema kind {k!r}")

    def number(self, f: Field, v: Any, path: tuple):
        unit = f.unit or "1"
        if isinstance(v, numbers.Real) and not isinstance(v, bool):  # a bare number is SI
            x = float(v)
            if not math.isfinite(x):
                return self.bad(path, f"value {v!r} is not finite")
        elif isinstance(v, str):
            try:
                x = to_si(v, unit)
            except UserError as err:
                if unit == "1":
                    return self.bad(path, f"expected a number, got {v!r}")
                return self.bad(path, err.problems[0].message, err.problems[0].hint)
        else:
            return self.bad(path, f"expected a number, got {type(v).__name__} {v!r}")
        if f.kind == "int":
            if x != int(x):
                return self.bad(path, f"expected a whole number, got {v!r}")
            x = int(x)
        if (f.lo is not None and x < f.lo) or (f.hi is not None and x > f.hi):
            lo = "-inf" if f.lo is None else f"{f.lo:g}"
            hi = "inf" if f.hi is None else f"{f.hi:g}"
            return self.bad(path, f"{v!r} is out of bounds [{lo}, {hi}]"
                            + (f" {unit}" if unit != "1" else ""))
        return self.extra(f, x, path)

    def extra(self, f: Field, v: Any, path: tuple):
        msg = f.check(v) if f.check is not None else None
        return self.bad(path, msg) if msg else v

    def section(self, fields: dict[str, Field], data: Any, path: tuple,
                partial: bool = False) -> dict:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.add(path, f"expected a mapping, got {type(data).__name__}")
            data = {}
        out: dict[str, Any] = {}
        for key in data:
            if key not in fields:
                self.add(path + (key,), self.unknown.format(key=key),
                         did_you_mean(str(key), fields) or f"keys here: {', '.join(fields)}")
        for key, f in fields.items():
            if key in data:
                out[key] = self.value(f, data[key], path + (key,))
            elif partial:
                continue
            elif f.default is REQUIRED:
                self.add(path, f"missing required key '{key}'" + (f" ({f.doc})" if f.doc else ""))
            else:
                # defaults go through the same checks and shorthand expansion as file values
                out[key] = None if f.default is None else self.value(
                    f, copy.deepcopy(f.default), path + (key,))
        return out


def validate(schema: dict[str, Field], data: Any, *, file: str | None = None,
             lines: Lines | None = None, at: tuple = (), partial: bool = False,
             unknown: str = "unknown key {key!r}") -> tuple[dict, list[Problem]]:
    """``(converted data, problems)``.  ``at``: the key path of ``data`` in its file;
    ``partial``: check only the keys given, fill no defaults; ``unknown``: the message
    for a key the schema does not have."""
    w = _Walker(file, lines, partial, unknown)
    out = w.section(schema, data, tuple(at), partial)
    return out, w.problems


def check(schema: dict[str, Field], data: Any, *, file: str | None = None,
          lines: Lines | None = None, error=UserError, **options) -> dict:
    """Validate and convert ``data``; raise ``error`` listing every problem found
    (``options`` as for :func:`validate`)."""
    out, problems = validate(schema, data, file=file, lines=lines, **options)
    if problems:
        raise error(problems)
    return out


# ------------------------------------------------------------------ references

def describe(schema: dict[str, Field], indent: int = 0) -> list[str]:
    """Human-readable reference of a schema (for the README and `--help`)."""
    out = []
    for key, f in schema.items():
        pad = "  " * indent
        if f.kind == "section":
            out.append(f"{pad}{key}:  # {f.doc}".rstrip(" #"))
            out.extend(describe(f.fields or {}, indent + 1))
            continue
        bits = [f.kind + (f" [{f.unit}]" if f.unit and f.unit != "1" else "")]
        if f.choices:
            bits.append("|".join(map(str, f.choices)))
        if f.lo is not None or f.hi is not None:
            bits.append(f"{'-inf' if f.lo is None else f'{f.lo:g}'}.."
                        f"{'inf' if f.hi is None else f'{f.hi:g}'}")
        bits.append("required" if f.default is REQUIRED else f"default {f.default!r}")
        out.append(f"{pad}{key}: {', '.join(bits)}" + (f"  # {f.doc}" if f.doc else ""))
    return out


def json_schema(schema: dict[str, Field], title: str | None = None) -> dict:
    """A JSON Schema (draft 2020-12) of the files ``schema`` accepts.  Bounds hold for
    plain numbers; a number written with a unit ("3 mW") is text and only its form is
    checked here (the emulator converts and bounds it)."""
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if title:
        out["title"] = title
    out.update(_object(schema))
    return out


def _object(fields: dict[str, Field], partial: bool = False) -> dict:
    out = {"type": "object", "properties": {k: _json(f) for k, f in fields.items()},
           "additionalProperties": False}
    required = [k for k, f in fields.items() if f.default is REQUIRED]
    if required and not partial:
        out["required"] = required
    return out


def _json(f: Field) -> dict:
    k = f.kind
    if k == "section":
        s = _object(f.fields or {}, f.partial)
    elif k == "map":
        s = {"type": "object"}
        if f.item is not None:
            s["additionalProperties"] = _json(f.item)
    elif k == "list":
        s = {"type": "array"}
        if f.item is not None:
            s["items"] = _json(f.item)
        if f.min_items:
            s["minItems"] = f.min_items
    elif k in NUMBERS:
        s = {"type": "integer" if k == "int" else "number"}
        if f.lo is not None:
            s["minimum"] = f.lo
        if f.hi is not None:
            s["maximum"] = f.hi
        if f.unit and f.unit != "1":
            s = {"anyOf": [s, {"type": "string", "pattern": r"^\s*[-+0-9.]"}],
                 "x-unit": f.unit}
    elif k == "choice":
        s = {"enum": list(f.choices)}
    elif k == "str":
        s = {"type": "string", "minLength": 1}
    elif k == "bool":
        s = {"type": "boolean"}
    else:
        s = {}
    if f.alt is not None:
        s = {"anyOf": [_json(f.alt), s]}
    if f.nullable:
        s = {"anyOf": [s, {"type": "null"}]}
    if f.doc:
        s["description"] = f.doc
    if f.default is not REQUIRED and f.default is not None and k != "section":
        s["default"] = f.default
    return s


__all__ = ["Field", "REQUIRED", "section", "validate", "check", "describe", "json_schema"]
