"""One exception tree for the whole emulator.

Every error a user can cause (bad file, key, unit, value, NaN, missing data) is a
:class:`UserError`.  It carries a list of :class:`Problem` s, each naming where it
happened (file, key path, line) and, where it helps, a "did you mean" hint.  The CLI
turns a ``UserError`` into exit code 2 and one line per problem, never a traceback.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, and where."""

    message: str
    file: str | None = None
    path: str | None = None  # dotted key path, e.g. "instances.mzi3.params.theta"
    line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f": {self.path}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class EmulatorError(Exception):
    """Base of every exception the emulator raises on purpose."""


class UserError(EmulatorError):
    """Bad input from the user.  Holds every problem found, not just the first."""

    def __init__(self, problems: Problem | str | Sequence[Problem]):
        if isinstance(problems, (str, Problem)):
            problems = [problems if isinstance(problems, Problem) else Problem(problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class NetlistError(UserError):
    """A netlist that cannot be loaded, validated or compiled."""


class UnitError(UserError):
    """A quantity with a missing, unknown or mismatched unit."""


class ScenarioError(UserError):
    """A scenario or sweep file that cannot be used."""


class DataError(UserError):
    """A data set that is missing or malformed."""


class DivergenceError(UserError):
    """Training produced NaN or overflow."""


class EmulatorWarning(UserWarning):
    """Input that loads but is probably not what was meant (a bare length that looks like
    micrometres, a key another tool's file carries that the emulator ignores).  Loaders
    also return these as :class:`Problem` s (``Netlist.notes``); the CLI prints them on
    stderr as ``warning: ...``."""


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """A "did you mean 'x'?" hint for a misspelled name, or None."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
