"""Samples kept as stored (uint8 pixels, possibly memory-mapped from the file) and turned
into float32 features one batch at a time.

Full MNIST as float32 is 188 MB, and converting it whole (bytes → integers → float64 →
float32) held three copies at once.  :class:`Rows` keeps the file's integers and hands
out float32 rows on demand; a uint8 pixel goes through a 256-entry table holding
``float32(p / 255)``, so every batch equals the rows of the old whole-array conversion
bit for bit (tested).  It reads like a read-only float32 array where training and
scoring read it: ``len``, ``shape``, ``X[i:j]``, ``X[idx]``, ``X.take(idx, axis=0,
out=buf)`` and ``np.asarray(X)``.  Anything else an array does (``X.min()``, ``X * 255``,
``X.T``) works on a full float32 copy made for that call: correct, but the copy the class
exists to avoid, so the training loop and scoring never do it.
"""

from __future__ import annotations

import numpy as np

DTYPE = np.float32


class Rows:
    """N samples × d features: ``raw`` (N × d, any real dtype) scaled by ``1/scale``."""

    __slots__ = ("raw", "scale", "_table")

    def __init__(self, raw: np.ndarray, scale: float = 1.0):
        raw = raw.reshape(raw.shape[0], -1) if raw.ndim != 2 else raw
        self.raw = raw
        self.scale = float(scale)
        self._table = ((np.arange(256, dtype=np.float64) / self.scale).astype(DTYPE)
                       if raw.dtype == np.uint8 else None)

    # ------------------------------------------------------------------ array-like
    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.raw.shape)

    @property
    def dtype(self):
        return np.dtype(DTYPE)

    ndim = 2

    def __len__(self) -> int:
        return int(self.raw.shape[0])

    def __repr__(self) -> str:
        return f"Rows({self.shape}, stored {self.raw.dtype}, /{self.scale:g})"

    def convert(self, stored: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """float32 features of rows as stored."""
        if self._table is not None:
            return np.take(self._table, stored, out=out)
        values = (stored / self.scale).astype(DTYPE, copy=False)
        if out is None:
            return values
        out[...] = values
        return out

    def __getitem__(self, key) -> np.ndarray:
        return self.convert(np.asarray(self.raw[key]))

    def take(self, indices, axis: int = 0, out: np.ndarray | None = None) -> np.ndarray:
        """Rows ``indices`` as float32 (``ndarray.take`` along axis 0)."""
        if axis != 0:
            raise ValueError("Rows.take reads whole rows (axis=0)")
        return self.convert(self.raw.take(indices, axis=0), out)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        full = self.convert(np.asarray(self.raw))
        return full if dtype is None else full.astype(dtype, copy=False)

    def __getattr__(self, name):  # any other array attribute: on a full float32 copy
        if name.startswith("__") or name in Rows.__slots__:  # unset slot: no recursion
            raise AttributeError(name)
        return getattr(np.asarray(self), name)


def _on_copy(op):
    def method(self, *args):
        return getattr(np.asarray(self), op)(*args)
    method.__name__ = op
    return method


for _op in ("add", "sub", "mul", "truediv", "floordiv", "pow", "lt", "le", "gt", "ge",
            "eq", "ne", "matmul", "radd", "rsub", "rmul", "rtruediv", "rmatmul", "neg"):
    setattr(Rows, f"__{_op}__", _on_copy(f"__{_op}__"))
del _op


def features(stored: np.ndarray) -> Rows:
    """The one scaling rule of image files: uint8 pixels / 255; other numbers divided by
    their largest magnitude if it exceeds 1."""
    if stored.dtype == np.uint8:
        return Rows(stored, 255.0)
    return Rows(stored, max(float(np.abs(stored).max()) if stored.size else 0.0, 1.0))
