"""The shared update kernel: SGD with momentum from a batch of outer products.

    V ← γ·V + α · D · Xᵀ        (α = η / B folds the batch mean and the learning rate)
    W ← W − V

``D`` (n_out × B) and ``X`` (n_in × B) are activations or errors; the weight ``W`` itself
is only ever read as a whole and decremented, never transposed.  For large layers the
first line is one BLAS sgemm call with β = γ writing straight into ``V`` (through its
Fortran-ordered view, a layout trick on the velocity buffer), which saves two passes over
a weight-sized array; small layers use plain numpy, which has less call overhead.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.blas import sgemm

SGEMM_MIN_SIZE = 16384  # weights with at least this many entries use the fused sgemm path


def _as_fortran_operand(a):
    """(array, trans) such that op(array) == a and array is Fortran-contiguous."""
    if a.flags.f_contiguous:
        return a, 0
    if a.flags.c_contiguous:
        return a.transpose(), 1
    return np.asfortranarray(a), 0


def momentum_update(W, V, D, X, alpha: float, gamma: float) -> None:
    """In place: V ← γV + α·D·Xᵀ; W ← W − V (all float32)."""
    if W.size >= SGEMM_MIN_SIZE and V.flags.c_contiguous:
        # Vᵀ ← α·X·Dᵀ + γ·Vᵀ, with Vᵀ the Fortran view of the C-ordered V
        vt = V.transpose()
        a, ta = _as_fortran_operand(X)
        b, tb = _as_fortran_operand(D)
        out = sgemm(alpha, a, b, beta=gamma, c=vt, trans_a=ta, trans_b=1 - tb,
                    overwrite_c=1)
        if not np.shares_memory(out, V):  # pragma: no cover - BLAS wrapper copied
            np.copyto(vt, out)
    else:
        grad = np.matmul(D, X.transpose())
        grad *= alpha
        V *= gamma
        V += grad
    np.subtract(W, V, out=W)
