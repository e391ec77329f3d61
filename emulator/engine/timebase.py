"""The engine's integer time base: 1 tick = 1 fs.

SimPy runs on integer ticks so that equal delays tie exactly (two paths of 71 429 fs
meet at the same tick, never 1e-27 s apart) and events at one time run in the order
they were scheduled.  Every delay is rounded to the nearest femtosecond once, when a
plan is built; a 1 fs grain is 10⁻⁴ of the fastest rise time in the library (~9 ps).
A pass of 1 s is 10¹⁵ ticks, far inside Python's integers.
"""

from __future__ import annotations

import math

TICK_S = 1e-15  # seconds per tick


def to_ticks(seconds: float, what: str = "delay") -> int:
    """``seconds`` rounded to whole ticks; a negative or non-finite delay is a bug."""
    s = float(seconds)
    if not math.isfinite(s) or s < 0.0:
        raise ValueError(f"{what} must be finite and >= 0, got {seconds!r} s")
    return int(round(s / TICK_S))


def to_seconds(ticks: int | float) -> float:
    return float(ticks) * TICK_S
