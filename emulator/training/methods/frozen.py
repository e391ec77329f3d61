"""Frozen control: every layer but the output layer stays at its random init (hidden dense
layers, conv or strip blocks); only the output layer learns,
from the clean pass: ΔW_L = mean[Γ X_{L-1}ᵀ], Γ = softmax(W_L X_{L-1}) − t."""

from __future__ import annotations

import numpy as np

from .base import Method


class Frozen(Method):
    name = "frozen"

    def step(self, x, t, lr: float):
        self.draw_masks(x.shape[1])
        if not self.fast:
            clean = self.run(x)
            gamma = np.subtract(clean.y, t)
            self.update_layer(self.L - 1, gamma, clean.u[-1], lr / x.shape[1])
            return gamma
        xs = self.forward(x, "p1")
        gamma = np.subtract(xs[-1], t, out=xs[-1])
        self.update(self.L - 1, gamma, xs[-2], lr / x.shape[1])
        return gamma
