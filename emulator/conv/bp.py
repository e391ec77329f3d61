"""Backpropagation on the same CNN (the ceiling): softmax + cross-entropy, the exact
gradient of the batch-mean loss, through pooling (its adjoint), the activation's
derivative, the transposed weights and col2im; SGD with momentum as for the others."""

from __future__ import annotations

import numpy as np

from emulator.training.derivatives import DERIVATIVES

from .method import ConvMethod
from .network import as_map, forward


def gradients(net, weights, activation: str, x_cols, t):
    """(pass, per-layer δ) of the loss sum over the batch: layer l's gradient is
    ``δ_l ⊗ U_l`` summed over positions and images (the mean loss: divide by B)."""
    deriv = DERIVATIVES[activation]
    p = forward(net, weights, activation, as_map(net, x_cols), keep_pre=True)
    b = x_cols.shape[1]
    L = len(net.layers)
    deltas = [None] * L
    delta = np.subtract(p.y, t)
    for l in range(L - 1, -1, -1):
        deltas[l] = delta
        if l == 0:
            break
        g_map = net.layers[l].unfold_adjoint(net.layers[l].back(weights[l], delta), b)
        g_h = net.layers[l - 1].fold_adjoint(g_map, p.h[l - 1])
        if net.layers[l - 1].activated:
            delta = g_h * deriv(p.z[l - 1], np.empty_like(p.z[l - 1]))
        else:
            delta = g_h
    return p, deltas


class ConvBP(ConvMethod):
    name = "bp"

    def step(self, x_cols, t, lr: float):
        p, deltas = gradients(self.net, self.W, self.opts.activation, x_cols, t)
        alpha = lr / x_cols.shape[1]
        for l, layer in enumerate(self.net.layers):
            layer.update(self.W[l], self.V[l], deltas[l], p.u[l], alpha, self.opts.momentum)
        return deltas[-1]
