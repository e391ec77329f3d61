"""What a loaded sweep is: its varied parameters and everything read from the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.netlist.source import where

from .metrics import Metric


@dataclass(frozen=True)
class Param:
    """One varied scenario key: discrete ``values``, or a continuous range (random only)."""

    key: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False

    @property
    def continuous(self) -> bool:
        return not self.values

    def describe(self) -> Any:
        if self.values:
            return list(self.values)
        return {"low": self.low, "high": self.high, "log": self.log, "int": self.integer}


@dataclass
class Sweep:
    name: str
    file: str | None
    base: Path  # absolute path of the base scenario
    base_data: dict  # its raw content (part of every point's identity)
    base_lines: dict
    fixed: dict  # dotted key -> value, as the scenario gets it
    params: list[Param]
    tied: dict  # dotted key -> parameter key
    random: dict | None
    metrics: list[Metric]
    pareto: list[tuple[str, str]]
    lines: dict = field(default_factory=dict)
    points: list = field(default_factory=list)  # expanded and checked by load_sweep
    display: dict = field(default_factory=dict)  # (key, scenario value) -> value as written

    @property
    def mode(self) -> str:
        return "random" if self.random else "grid"

    def where(self, *path) -> dict:
        """file / dotted path / line of a key path of the sweep file, for a Problem."""
        return where(self.file, self.lines, *path)
