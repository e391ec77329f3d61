"""Frozen control: every layer but the output layer stays at its random init (the conv or
strip blocks and any hidden head layer); the output layer learns from the clean pass,
ΔW_L = mean[Γ ⊗ U_L(X_{L-1})]."""

from __future__ import annotations

import numpy as np

from .method import ConvMethod
from .network import as_map, forward


class ConvFrozen(ConvMethod):
    name = "frozen"

    def step(self, x_cols, t, lr: float):
        clean = forward(self.net, self.W, self.opts.activation, as_map(self.net, x_cols))
        gamma = np.subtract(clean.y, t)
        self.net.layers[-1].update(self.W[-1], self.V[-1], gamma, clean.u[-1],
                                   lr / x_cols.shape[1], self.opts.momentum)
        return gamma
