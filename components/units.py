"""Quantities with units: parse at the boundary, SI inside, format for people.

A parameter declares its SI unit (``"W"``, ``"s"``, ``"m"``, ``"dB"``, ``"rad"`` ...).
A file may give a bare number (taken as SI) or a string with a unit (``"30 mW"``,
``"1.55 um"``, ``"0.25 dB"``, ``"3.6 dB/cm"``, ``"-26 dBm"``, ``"10 GS/s"``).
:func:`to_si` converts it or raises :class:`~components.errors.UnitError`.
"""

from __future__ import annotations

import math
import re
from typing import Callable

from .errors import Problem, UnitError, did_you_mean

_PREFIXES = {
    "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "m": 1e-3,
    "c": 1e-2, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
}

# canonical SI unit -> base symbols that may carry an SI prefix
_PREFIXABLE = {
    "W": ["W"], "J": ["J"], "s": ["s"], "Hz": ["Hz", "S/s", "Sa/s", "b/s", "bit/s"],
    "m": ["m"], "A": ["A"], "V": ["V"], "Ohm": ["Ohm", "ohm", "Ω"], "F": ["F"],
    "K": ["K"], "A/W": ["A/W"], "rad": ["rad"], "A/rtHz": ["A/rtHz", "A/sqrt(Hz)", "A/√Hz"],
    "B": ["B"], "B/s": ["B/s"],
}

# units with a fixed, non-prefixable conversion: symbol -> (canonical, to-SI function)
_SPECIAL: dict[str, tuple[str, Callable[[float], float]]] = {
    "dB": ("dB", lambda x: x),
    "dB/m": ("dB/m", lambda x: x),
    "dB/cm": ("dB/m", lambda x: x * 100.0),
    "dB/mm": ("dB/m", lambda x: x * 1000.0),
    "dBm": ("W", lambda x: 1e-3 * 10.0 ** (x / 10.0)),
    "deg": ("rad", math.radians),
    "1": ("1", lambda x: x),
    "%": ("1", lambda x: x / 100.0),
    "bit": ("bit", lambda x: x),
    "bits": ("bit", lambda x: x),
    "b": ("bit", lambda x: x),
    "degC": ("K", lambda x: x + 273.15),
    "pi": ("rad", lambda x: x * math.pi),
    "m/W": ("m/W", lambda x: x),
    "nm/mW": ("m/W", lambda x: x * 1e-6),
    "pm/mW": ("m/W", lambda x: x * 1e-9),
    "π": ("rad", lambda x: x * math.pi),
}


def _build_table() -> dict[str, tuple[str, Callable[[float], float]]]:
    table = dict(_SPECIAL)
    for canon, symbols in _PREFIXABLE.items():
        for sym in symbols:
            for pre, factor in _PREFIXES.items():
                key = pre + sym
                if key in table and pre:  # never shadow an exact symbol (e.g. "ms", "mm")
                    continue
                table.setdefault(key, (canon, (lambda f: (lambda x: x * f))(factor)))
    return table


UNITS = _build_table()
DIMENSIONLESS = "1"
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan"
_QTY = re.compile(rf"^\s*({_NUM})\s*\*?\s*(.*?)\s*$", re.IGNORECASE)


def to_si(value, unit: str, *, file: str | None = None, path: str | None = None,
          line: int | None = None) -> float:
    """Convert ``value`` (number or "number unit" string) to SI for a parameter in ``unit``.

    A bare number is already SI.  NaN and infinity are errors.
    """

    def fail(msg: str, hint: str | None = None):
        raise UnitError(Problem(msg, file=file, path=path, line=line, hint=hint))

    if isinstance(value, bool):
        fail(f"expected a quantity in {unit}, got a boolean {value!r}")
    if isinstance(value, (int, float)):
        number, sym = float(value), None
    elif isinstance(value, str):
        m = _QTY.match(value)
        if not m:
            fail(f"cannot read {value!r} as a quantity in {unit}",
                 f"write a number and a unit, e.g. '1.5 {_example(unit)}'")
        number, sym = float(m.group(1)), m.group(2) or None
    else:
        fail(f"expected a quantity in {unit}, got {type(value).__name__} {value!r}")
    if not math.isfinite(number):
        fail(f"value {value!r} is not finite")
    if sym is None:
        return number
    if sym == "pi" or sym == "π":  # "0.5 pi" is a phase
        if unit != "rad":
            fail(f"'{sym}' is a phase but this parameter is in {unit}")
    entry = UNITS.get(sym)
    if entry is None:
        fail(f"unknown unit {sym!r}", did_you_mean(sym, [s for s in UNITS if _canon(s) == unit])
             or f"expected a unit of {unit}")
    canon, conv = entry
    if canon != unit:
        fail(f"unit {sym!r} does not fit a quantity in {unit}",
             f"e.g. '{_example(unit)}'")
    out = conv(number)
    if not math.isfinite(out):
        fail(f"value {value!r} overflows")
    return out


def _canon(sym: str) -> str:
    return UNITS[sym][0]


def _example(unit: str) -> str:
    return {"W": "mW", "s": "us", "m": "um", "Hz": "GHz", "J": "pJ", "dB/m": "dB/cm"}.get(unit, unit)


_ENG = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"),
        (1e-9, "n"), (1e-12, "p"), (1e-15, "f"), (1e-18, "a"), (1e-21, "z")]


def fmt(value: float, unit: str, digits: int = 4) -> str:
    """Format an SI value with an engineering prefix: ``fmt(1.2e-6, "s") -> '1.2 µs'``."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return f"{value} {unit}"
    if value == 0 or unit in ("dB", "1", "%", "bit", "rad", "dB/m"):
        return f"{value:.{digits}g} {unit}".rstrip()
    mag = abs(value)
    for factor, pre in _ENG:
        if mag >= factor * 0.9995:
            return f"{value / factor:.{digits}g} {pre}{unit}"
    return f"{value:.{digits}g} {unit}"


def db_to_amplitude(loss_db: float) -> float:
    """Field (amplitude) transmission of an insertion loss in dB."""
    return 10.0 ** (-loss_db / 20.0)


def db_to_power(loss_db: float) -> float:
    """Power transmission of an insertion loss in dB."""
    return 10.0 ** (-loss_db / 10.0)
