"""The light a compile carries between stages, kept in two arrays.

Every optical wire that ends at a passive input not yet multiplied holds one row of
field amplitudes and one row of arrival times over the region inputs.  The rows live in
two growing arrays; a dict maps each waiting (instance, input port) to its row, and a
row is reused once its instance has read it.  A stage then reads all its inputs with one
gather and writes all its outputs with one scatter, instead of a Python assignment per
port (65k of them in a 256-port mesh).
"""

from __future__ import annotations

import numpy as np


class Live:
    """Rows of ``width`` complex fields and float times, one per waiting input port."""

    def __init__(self, width: int, capacity: int = 64):
        self.fields = np.empty((capacity, width), dtype=complex)
        self.times = np.empty((capacity, width))
        self.free = list(range(capacity - 1, -1, -1))
        self.row: dict[tuple[str, str], int] = {}

    def take(self, keys: list) -> tuple[np.ndarray, np.ndarray]:
        """The fields and times waiting at ``keys`` (copies, in that order); their rows
        are free afterwards."""
        rows = [self.row.pop(k) for k in keys]
        self.free.extend(rows)
        return self.fields[rows], self.times[rows]

    def put(self, keys: list, fields: np.ndarray, times: np.ndarray) -> None:
        """Light arriving at the input ports ``keys`` (one row of each array per key)."""
        n = len(keys)
        if len(self.free) < n:
            self._grow(n - len(self.free))
        rows = self.free[len(self.free) - n:]
        del self.free[len(self.free) - n:]
        self.row.update(zip(keys, rows))
        self.fields[rows] = fields
        self.times[rows] = times

    def _grow(self, need: int) -> None:
        old = len(self.fields)
        new = max(2 * old, old + need)
        fields = np.empty((new, self.fields.shape[1]), dtype=complex)
        times = np.empty((new, self.fields.shape[1]))
        fields[:old], times[:old] = self.fields, self.times
        self.fields, self.times = fields, times
        self.free[:0] = range(new - 1, old - 1, -1)
