"""Atomic output: every file is written to a temporary name and renamed into place,
so an interrupted run never leaves a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], mode: str = "w") -> Path:
    """Call ``write(fh)`` on a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def write_text(path, text: str) -> Path:
    return atomic_write(path, lambda fh: fh.write(text))


def _default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def to_json(data: Any, indent: int | None = 2) -> str:
    """JSON text; ``indent=None``: compact, by the C encoder (several times faster, for
    large machine-read files such as traces)."""
    sep = None if indent is not None else (",", ":")
    return json.dumps(data, indent=indent, separators=sep, default=_default,
                      allow_nan=False) + "\n"


def write_json(path, data: Any, indent: int | None = 2) -> Path:
    text = to_json(data, indent)  # serialize first: a failure leaves nothing behind
    return write_text(path, text)


def save_figure(fig, path) -> Path:
    """Save a matplotlib figure as PNG atomically."""
    return atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=120,
                                                     bbox_inches="tight"), mode="wb")
