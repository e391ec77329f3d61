"""The one tiler: a weight block cut into tiles of at most ``rows × cols`` (core outputs ×
core inputs).

Tile ``(r, c)`` holds rows ``r·rows …`` and columns ``c·cols …`` of the block; the last
row and column of tiles may be smaller (the core zero-pads them).  Tiles come row of
tiles by row of tiles, columns inside, the order the scenario's step schedule and the
CNN workload both use.  A block cut into several column tiles leaves partial sums to
add digitally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np


def grid(shape: tuple[int, int], rows: int, cols: int) -> tuple[int, int]:
    """(row tiles, column tiles) of a ``shape = (outputs, inputs)`` block."""
    n_out, n_in = shape
    return math.ceil(n_out / rows), math.ceil(n_in / cols)


@dataclass(frozen=True)
class Cut:
    """One tile of a block: its place in the tile grid and its sub-matrix."""

    row: int
    col: int
    matrix: np.ndarray  # (≤ rows, ≤ cols), float64


def cut(block, rows: int, cols: int) -> Iterator[Cut]:
    """The tiles of ``block`` (outputs × inputs), row of tiles by row of tiles."""
    W = np.asarray(block, dtype=float)
    n_r, n_c = grid(W.shape, rows, cols)
    for r in range(n_r):
        for c in range(n_c):
            yield Cut(r, c, W[r * rows:(r + 1) * rows, c * cols:(c + 1) * cols])
