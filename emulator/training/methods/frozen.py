"""Frozen control: hidden layers stay at their random init; only the output layer learns,
from the clean pass: ΔW_L = mean[Γ X_{L-1}ᵀ], Γ = softmax(W_L X_{L-1}) − t."""

from __future__ import annotations

import numpy as np

from .base import Method


class Frozen(Method):
    name = "frozen"

    def step(self, x, t, lr: float):
        self.draw_masks(x.shape[1])
        xs = self.forward(x, "p1")
        gamma = np.subtract(xs[-1], t, out=xs[-1])
        self.update(self.L - 1, gamma, xs[-2], lr / x.shape[1])
        return gamma
