"""TPFP (the PEPITA rule) on an optical CNN: two forward passes, local updates.

Per mini-batch of B images::

    pass 1      X_l = f(W_l · U_l(X_{l-1}))          U_l cuts the map into block inputs
    error       Γ = softmax(output) − t
    modulation  X_err,0 = x + F Γ                     F: 10-dim error → every pixel
    pass 2      the same layers on X_err,0            (the image re-cut into patches)
    updates     ΔW_l = Σ_{images, positions} (X_l − X_err,l) ⊗ U_l(X_err,l-1) / (B·n_l)
                ΔW_L = Σ_images Γ ⊗ U_L(X_err,L-1) / B

``X_l − X_err,l`` is taken at every output position before pooling.  For a conv layer
``n_l`` is the position normalisation (``conv_norm``: √P by default, P for the plain
mean over the P positions, 1 for the sum); strip and dense layers have n_l = 1 (each
column block gets its own outer product, averaged over the batch).

Like the dense rule, this module uses forward products only: no derivative of the
activation and no transposed weight anywhere (tests check both).
"""

from __future__ import annotations

import numpy as np

from .method import ConvMethod
from .network import as_map, forward


class ConvTPFP(ConvMethod):
    name = "tpfp"

    def step(self, x_cols, t, lr: float):
        net, opts = self.net, self.opts
        b = x_cols.shape[1]
        clean = forward(net, self.W, opts.activation, as_map(net, x_cols))
        gamma = np.subtract(clean.y, t)
        xe_cols = np.matmul(self.F, gamma)
        xe_cols += x_cols
        modulated = forward(net, self.W, opts.activation, as_map(net, xe_cols))
        err = gamma if opts.output_error == "pass1" else np.subtract(modulated.y, t)
        if self.record:
            self.last = {"clean": clean, "modulated": modulated, "gamma": gamma.copy(),
                         "x_err": xe_cols.copy()}
        layers = net.layers
        for l, layer in enumerate(layers[:-1]):
            diff = np.subtract(clean.h[l], modulated.h[l])
            alpha = lr / (b * self.position_norm(layer))
            layer.update(self.W[l], self.V[l], diff, modulated.u[l], alpha, opts.momentum)
        layers[-1].update(self.W[-1], self.V[-1], err, modulated.u[-1], lr / b, opts.momentum)
        return gamma
