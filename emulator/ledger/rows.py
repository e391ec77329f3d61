"""Ledger entries by the array: the same rows (instance, kind, action or mechanism, model)
charged again and again — every tile of a core, every job of a pass — are kept as one
:class:`Rows` table and two accumulated arrays (count, energy), not one object per charge.

A row is *present* (it answers queries, like an :class:`~emulator.ledger.Entry`) once it
was charged a nonzero count of actions, or a nonzero power for a nonzero time: the rules
of :meth:`Ledger.action` and :meth:`Ledger.static`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class Rows:
    """Who is charged, row by row: instance, kind, action (or static mechanism), whether
    the row is static (count = seconds, rate = W), and the model of the number."""

    instances: tuple[str, ...]
    kinds: tuple[str, ...]
    actions: tuple[str, ...]
    static: np.ndarray  # bool (rows,)
    models: tuple  # Model per row

    def __len__(self) -> int:
        return len(self.instances)

    @classmethod
    def of(cls, entries) -> tuple["Rows", np.ndarray, np.ndarray]:
        """Rows of ``entries`` with their counts and rates."""
        entries = list(entries)
        rows = cls(tuple(e.instance for e in entries), tuple(e.kind for e in entries),
                   tuple(e.action for e in entries),
                   np.array([e.static for e in entries], dtype=bool),
                   tuple(e.model for e in entries))
        return (rows, np.array([e.count for e in entries], dtype=float),
                np.array([e.rate for e in entries], dtype=float))

    def relabel(self, fn) -> "Rows":
        """The same rows with every model passed through ``fn``."""
        return Rows(self.instances, self.kinds, self.actions, self.static,
                    tuple(fn(m) for m in self.models))


@dataclass(eq=False)
class Block:
    """What a ledger accumulated on one :class:`Rows` table."""

    rows: Rows
    count: np.ndarray = field(init=False)
    energy: np.ndarray = field(init=False)
    present: np.ndarray = field(init=False)

    def __post_init__(self):
        n = len(self.rows)
        self.count, self.energy = np.zeros(n), np.zeros(n)
        self.present = np.zeros(n, dtype=bool)

    def add(self, count, energy, charged) -> None:
        """``count`` actions or seconds and ``energy`` [J] per row (arrays or scalars);
        ``charged``: which rows a single charge would have entered."""
        self.count += count
        self.energy += energy
        self.present |= charged
