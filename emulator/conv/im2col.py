"""Cutting images into the vectors a small optical block sees, and the adjoints backprop needs.

Layout: feature maps are ``(C, H, W, B)``, batch last, so the column batch of the dense
code (``784 × B``, pixels row-major) *is* a ``(1, 28, 28, B)`` map after a reshape.

* :func:`im2col` turns a map into patch columns ``(C·k·k, Ho·Wo·B)``: one column per
  output position and image, rows ordered (channel, patch row, patch column).  Columns
  are ordered (output row, output column, image), so ``W @ cols`` reshapes straight back
  to a ``(C_out, Ho, Wo, B)`` map.  Built from one ``sliding_window_view`` and one copy:
  no Python loop over positions.
* :func:`col2im` is its adjoint (scatter-add of patch gradients), for backprop only; it
  loops over the k·k offsets inside a patch, never over positions.
* :func:`pool` / :func:`unpool` are average or max pooling over p×p windows (a border
  that does not fill a window is dropped, as in floor mode) and the adjoint.
* :func:`cut_columns` turns a ``(1, H, W, B)`` image into its W columns ``(W, H, B)``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view



def out_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Output positions along one axis of a k-wide window sliding over n (+ padding)."""
    return (n + 2 * padding - k) // stride + 1


def im2col(x: np.ndarray, k: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Patch columns ``(C·k·k, Ho·Wo·B)`` of a ``(C, H, W, B)`` map (a new array)."""
    if padding:
        x = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    c, _, _, b = x.shape
    win = sliding_window_view(x, (k, k), axis=(1, 2))[:, ::stride, ::stride]
    ho, wo = win.shape[1], win.shape[2]
    # (C, Ho, Wo, B, k, k) -> (C, k, k, Ho, Wo, B): a view; the reshape makes the one copy
    return win.transpose(0, 4, 5, 1, 2, 3).reshape(c * k * k, ho * wo * b)


def col2im(cols: np.ndarray, shape, k: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Adjoint of :func:`im2col`: the ``(C, H, W, B)`` map whose entries sum the patch
    entries that were cut from them."""
    c, h, w, b = shape
    ho, wo = out_size(h, k, stride, padding), out_size(w, k, stride, padding)
    g = np.zeros((c, h + 2 * padding, w + 2 * padding, b), dtype=cols.dtype)
    c6 = cols.reshape(c, k, k, ho, wo, b)
    for i in range(k):
        for j in range(k):
            g[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride] \
                += c6[:, i, j]
    if padding:
        g = g[:, padding:padding + h, padding:padding + w]
    return np.ascontiguousarray(g)


def pool(h: np.ndarray, p: int, mode: str = "avg") -> np.ndarray:
    """p×p pooling of a ``(C, H, W, B)`` map to ``(C, H//p, W//p, B)``."""
    if p == 1:
        return h
    c, hh, ww, b = h.shape
    hp, wp = hh // p, ww // p
    win = h[:, :hp * p, :wp * p].reshape(c, hp, p, wp, p, b)
    if mode == "max":
        return win.max(axis=(2, 4))
    return win.mean(axis=(2, 4), dtype=h.dtype)


def unpool(g: np.ndarray, h: np.ndarray, p: int, mode: str = "avg") -> np.ndarray:
    """Adjoint of :func:`pool` at the map ``h`` that was pooled: the gradient ``g`` of the
    pooled map spread back over each window (average: equally; max: to the first
    maximum of the window)."""
    if p == 1:
        return g
    c, hh, ww, b = h.shape
    hp, wp = g.shape[1], g.shape[2]
    out = np.zeros_like(h)
    if mode == "max":
        win = h[:, :hp * p, :wp * p].reshape(c, hp, p, wp, p, b)
        win = win.transpose(0, 1, 3, 5, 2, 4).reshape(c, hp, wp, b, p * p)
        first = win.argmax(axis=-1)
        spread = np.zeros(win.shape, dtype=g.dtype)
        np.put_along_axis(spread, first[..., None], g[..., None], axis=-1)
        spread = spread.reshape(c, hp, wp, b, p, p).transpose(0, 1, 4, 2, 5, 3)
        out[:, :hp * p, :wp * p] = spread.reshape(c, hp * p, wp * p, b)
    else:
        share = g / np.asarray(p * p, dtype=g.dtype)
        out[:, :hp * p, :wp * p] = np.broadcast_to(
            share[:, :, None, :, None], (c, hp, p, wp, p, b)).reshape(c, hp * p, wp * p, b)
    return out


def cut_columns(x: np.ndarray) -> np.ndarray:
    """The W columns of a one-channel ``(1, H, W, B)`` image as ``(W, H, B)`` (a copy)."""
    return np.ascontiguousarray(x[0].transpose(1, 0, 2))
