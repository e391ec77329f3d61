"""The shared update kernel: SGD with momentum from a batch of outer products.

    V ← γ·V + α · D · Xᵀ        (α = η / B folds the batch mean and the learning rate)
    W ← W − V

``D`` (n_out × B) and ``X`` (n_in × B) are activations or errors (``X`` is read through
its transposed view); the weight ``W`` is only decremented, never transposed.

Cost: one GEMM into a preallocated buffer, then three element-wise passes done block by
block (``BLOCK_BYTES`` of rows at a time) so each block of V stays in cache between them.
Everything runs on numpy's BLAS: mixing in a second BLAS library (e.g. scipy's, whose
sgemm could fuse the β = γ scaling) makes the two libraries' spinning worker threads
fight over the cores — measured 100× slower on a 2-core machine.
"""

from __future__ import annotations

import numpy as np

BLOCK_BYTES = 1 << 19  # ≈ 512 kB of each array per block: three arrays fit in L2


def momentum_update(W, V, D, X, alpha: float, gamma: float, grad, scaled_d) -> None:
    """In place: V ← γV + α·D·Xᵀ; W ← W − V.

    ``grad`` (shape of W) and ``scaled_d`` (shape of D) are scratch buffers.
    """
    np.multiply(D, W.dtype.type(alpha), out=scaled_d)
    np.matmul(scaled_d, X.transpose(), out=grad)
    g = W.dtype.type(gamma)
    rows = max(1, BLOCK_BYTES // max(1, W.shape[1] * W.itemsize))
    for s in range(0, W.shape[0], rows):
        v = V[s:s + rows]
        np.multiply(v, g, out=v)
        np.add(v, grad[s:s + rows], out=v)
        w = W[s:s + rows]
        np.subtract(w, v, out=w)
