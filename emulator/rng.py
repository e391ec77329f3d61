"""One seed, one tree of named random streams.

Every random draw of a run comes from a child of ``numpy.random.SeedSequence(seed)``
chosen by name (and, for per-instance streams, an index below it), so two purposes can
never share a stream by accident and adding a purpose never shifts another's draws::

    from emulator.rng import stream
    rng = stream(seed, "init")                 # the initial weights
    cell = stream(seed, "cell_noise", 17)      # detector noise of engine cell 17

The tree (``spawn_key`` = position in :data:`STREAMS`, then the indices given) is fixed:
append new names at the end, never reorder.  The root sequence itself draws nothing.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

STREAMS = (
    "data",         # data set split and synthetic data
    "init",         # initial weights
    "feedback",     # TPFP's fixed matrix F
    "order",        # batch order
    "masks",        # dropout masks (shared by both passes of a step)
    "chip",         # one chip instance: static fabrication errors
    "cell_noise",   # read-out noise, one child per engine cell / device layer
    "phase_noise",  # per-pass phase noise of the shifters
    "eval_noise",   # noise while evaluating a trained model on hardware
    "sweep",        # random sweep points
)


def seed_sequence(seed: int | np.random.SeedSequence, name: str,
                  *index: int) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` (and ``index`` below it) of ``seed``."""
    if name not in STREAMS:
        raise ValueError(f"unknown random stream {name!r}; streams: {', '.join(STREAMS)}")
    if not all(isinstance(i, Integral) and i >= 0 for i in index):
        raise ValueError(f"stream indices must be integers >= 0, got {index!r}")
    if isinstance(seed, np.random.SeedSequence):
        entropy, base = seed.entropy, tuple(seed.spawn_key)
    else:
        entropy, base = int(seed), ()
    key = base + (STREAMS.index(name), *map(int, index))
    return np.random.SeedSequence(entropy, spawn_key=key)


def stream(seed: int | np.random.SeedSequence, name: str, *index: int) -> np.random.Generator:
    """A fresh generator on stream ``name`` (``index`` selects a child below it)."""
    return np.random.default_rng(seed_sequence(seed, name, *index))


__all__ = ["STREAMS", "seed_sequence", "stream"]
