"""Backpropagation with softmax + cross-entropy, on the same network (the ceiling).

    δ_L = X_L − t;  δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f'(Z_l) ⊙ M_l;  ΔW_l = mean[δ_l X_{l-1}ᵀ]

On a general net (conv, strip layers) δ goes back through each layer's ``back`` (its
transposed weights), the adjoints of its fold (pooling) and unfold (col2im), and the
activation's derivative: the exact gradient of the batch-mean loss.
"""

from __future__ import annotations

import numpy as np

from ..derivatives import DERIVATIVES
from .base import Method


def backpropagate(method: Method, xs, zs, delta, lr: float) -> None:
    """Dense nets: update every layer from the output error ``delta`` of a pass with
    activations ``xs`` = [x, X_1, ..., X_L] and pre-activations ``zs``; δ of a layer is
    computed with the weights above it before those are updated."""
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


def gradients(method: Method, x_cols, t):
    """General nets: (pass, per-layer δ) of the loss summed over the batch; layer l's
    gradient is ``δ_l ⊗ U_l`` summed over positions and images."""
    net, W = method.net, method.W
    deriv = DERIVATIVES[method.opts.activation]
    p = method.run(x_cols, keep_pre=True)
    b = x_cols.shape[1]
    deltas = [None] * method.L
    delta = np.subtract(p.y, t)
    for l in range(method.L - 1, -1, -1):
        deltas[l] = delta
        if l == 0:
            break
        g_map = net.layers[l].unfold_adjoint(net.layers[l].back(W[l], delta), b)
        delta = net.layers[l - 1].fold_adjoint(g_map, p.h[l - 1])
        if net.layers[l - 1].activated:
            delta = delta * deriv(p.z[l - 1], np.empty_like(p.z[l - 1]))
        if method.masks is not None:
            delta = delta * method.masks[l - 1]
    return p, deltas


def descend(method: Method, x_cols, t, lr: float):
    """Backpropagation of one batch on a general net; returns the output error."""
    p, deltas = gradients(method, x_cols, t)
    alpha = lr / x_cols.shape[1]
    for l in range(method.L):
        method.update_layer(l, deltas[l], p.u[l], alpha)
    return deltas[-1]


class BP(Method):
    name = "bp"

    def step(self, x, t, lr: float):
        self.draw_masks(x.shape[1])
        if not self.fast:
            return descend(self, x, t, lr)
        xs, zs = self.forward(x, "p1", keep_pre=True)
        delta = np.subtract(xs[-1], t, out=xs[-1])
        backpropagate(self, xs, zs, delta, lr)
        return delta
