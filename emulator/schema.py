"""A small declarative schema for scenario and sweep files (one validator for both).

A schema is a dict ``{key: Field}``.  :func:`check` walks the data, converts
quantities to SI, fills defaults, and collects every problem with its key path, line
and a "did you mean" for unknown keys and choices.  Nothing is silently dropped.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Callable

from components.errors import Problem, UserError, did_you_mean
from components.units import to_si

REQUIRED = object()


@dataclass(frozen=True)
class Field:
    kind: str  # int | float | quantity | str | bool | choice | list | section | map | any
    default: Any = REQUIRED
    doc: str = ""
    unit: str | None = None  # for quantity
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


def section(fields: dict[str, Field], doc: str = "", default: Any = None) -> Field:
    return Field("section", {} if default is None else default, doc, fields=fields)


class _Walker:
    def __init__(self, file: str | None, lines: dict):
        self.file, self.lines = file, lines
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str, hint: str | None = None):
        line = None
        for n in range(len(path), -1, -1):
            line = self.lines.get(path[:n])
            if line is not None:
                break
        self.problems.append(Problem(message, self.file, ".".join(map(str, path)) or None,
                                     line, hint))

    def value(self, f: Field, v: Any, path: tuple) -> Any:
        if v is None and f.nullable:
            return None
        if f.coerce is not None:
            v = f.coerce(v)
        k = f.kind
        if k == "section":
            out = self.section(f.fields or {}, v, path)
            return f.post(out) if f.post is not None else out
        if k == "any":
            return v
        if k == "bool":
            if isinstance(v, bool):
                return v
            return self.bad(path, f"expected true or false, got {v!r}")
        if k == "str":
            if isinstance(v, str) and v:
                return self.extra(f, v, path)
            return self.bad(path, f"expected a text value, got {v!r}")
        if k == "choice":
            if not isinstance(v, (bool, list, dict)) and v in f.choices:
                return v
            return self.bad(path, f"{v!r} is not one of {', '.join(map(str, f.choices))}",
                            did_you_mean(str(v), f.choices))
        if k in ("int", "float", "quantity"):
            return self.number(f, v, path)
        if k == "list":
            items = v if isinstance(v, list) else None
            if items is None:
                return self.bad(path, f"expected a list, got {type(v).__name__}")
            if len(items) < f.min_items:
                return self.bad(path, f"expected at least {f.min_items} item(s)")
            out = [self.value(f.item, x, path + (i,)) for i, x in enumerate(items)] \
                if f.item else list(items)
            return self.extra(f, out, path)
        if k == "map":
            if not isinstance(v, dict):
                return self.bad(path, f"expected a mapping, got {type(v).__name__}")
            out = {kk: (self.value(f.item, vv, path + (kk,)) if f.item else vv)
                   for kk, vv in v.items()}
            return self.extra(f, out, path)
        raise ValueError(f"schema kind {k!r}")

    def number(self, f: Field, v: Any, path: tuple):
        if isinstance(v, bool):
            return self.bad(path, f"expected a number, got {v!r}")
        if f.kind == "quantity":
            try:
                x = to_si(v, f.unit or "1")
            except UserError as err:
                return self.bad(path, err.problems[0].message, err.problems[0].hint)
        elif isinstance(v, (int, float)):
            x = float(v)
            if not math.isfinite(x):
                return self.bad(path, f"value {v!r} is not finite")
        elif isinstance(v, str):
            try:
                x = to_si(v, "1")
            except UserError:
                return self.bad(path, f"expected a number, got {v!r}")
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
                            + (f" {f.unit}" if f.unit and f.unit != "1" else ""))
        return self.extra(f, x, path)

    def extra(self, f: Field, v: Any, path: tuple):
        if f.check is not None:
            msg = f.check(v)
            if msg:
                return self.bad(path, msg)
        return v

    def bad(self, path: tuple, message: str, hint: str | None = None):
        self.add(path, message, hint)
        return None

    def section(self, fields: dict[str, Field], data: Any, path: tuple) -> dict:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.add(path, f"expected a mapping, got {type(data).__name__}")
            data = {}
        out: dict[str, Any] = {}
        for key in data:
            if key not in fields:
                self.add(path + (key,), f"unknown key {key!r}",
                         did_you_mean(str(key), fields) or f"keys here: {', '.join(fields)}")
        for key, f in fields.items():
            if key in data:
                out[key] = self.value(f, data[key], path + (key,))
            elif f.default is REQUIRED:
                self.add(path, f"missing required key '{key}'" + (f" ({f.doc})" if f.doc else ""))
            else:
                # defaults go through the same checks and shorthand expansion as file values
                out[key] = None if f.default is None else self.value(
                    f, copy.deepcopy(f.default), path + (key,))
        return out


def check(schema: dict[str, Field], data: Any, *, file: str | None = None,
          lines: dict | None = None, error=UserError) -> dict:
    """Validate and convert ``data``; raise ``error`` listing every problem found."""
    w = _Walker(file, lines or {})
    out = w.section(schema, data, ())
    if w.problems:
        raise error(w.problems)
    return out


def describe(schema: dict[str, Field], indent: int = 0) -> list[str]:
    """Human-readable reference of a schema (for the README and `--help`)."""
    out = []
    for key, f in schema.items():
        pad = "  " * indent
        if f.kind == "section":
            out.append(f"{pad}{key}:  # {f.doc}".rstrip(" #"))
            out.extend(describe(f.fields or {}, indent + 1))
            continue
        bits = [f.kind if f.kind != "quantity" else f"quantity [{f.unit}]"]
        if f.choices:
            bits.append("|".join(map(str, f.choices)))
        if f.default is not REQUIRED:
            bits.append(f"default {f.default!r}")
        else:
            bits.append("required")
        out.append(f"{pad}{key}: {', '.join(bits)}" + (f"  # {f.doc}" if f.doc else ""))
    return out


__all__ = ["Field", "REQUIRED", "section", "check", "describe"]
