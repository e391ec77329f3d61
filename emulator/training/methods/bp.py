"""Backpropagation with softmax + cross-entropy, on the same network (the ceiling).

    δ_L = X_L − t;  δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f'(Z_l) ⊙ M_l;  ΔW_l = mean[δ_l X_{l-1}ᵀ]
"""

from __future__ import annotations

import numpy as np

from ..derivatives import DERIVATIVES
from .base import Method


def backpropagate(method: Method, xs, zs, delta, lr: float) -> None:
    """Update every layer from the output error ``delta`` of a pass with activations
    ``xs`` = [x, X_1, ..., X_L] and pre-activations ``zs``; δ of a layer is computed with
    the weights above it before those are updated."""
    b = delta.shape[1]
    alpha = lr / b
    deriv = DERIVATIVES[method.opts.activation]
    for l in range(method.L - 1, -1, -1):
        if l > 0:
            below = method.buf(("delta", l - 1), (method.sizes[l], b))
            np.matmul(method.W[l].T, delta, out=below)
            fprime = deriv(zs[l], method.buf(("fprime", l - 1), below.shape))
            below *= fprime
            if method.masks is not None:
                below *= method.masks[l - 1]
        method.update(l, delta, xs[l], alpha)
        if l > 0:
            delta = below


class BP(Method):
    name = "bp"

    def step(self, x, t, lr: float):
        self.draw_masks(x.shape[1])
        xs, zs = self.forward(x, "p1", keep_pre=True)
        delta = np.subtract(xs[-1], t, out=xs[-1])
        backpropagate(self, xs, zs, delta, lr)
        return delta
