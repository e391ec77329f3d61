"""bp_modulated: the variant of the TPFP authors' public notebooks, kept as a baseline.

Pass 1 gives Γ = X_L − t; the input is modulated, x + FΓ; then ordinary backpropagation
(softmax + cross-entropy) runs on the modulated pass: its own output error X_err,L − t,
derivatives and transposed weights.  Not the TPFP rule.  Dense and general nets alike.
"""

from __future__ import annotations

import numpy as np

from .base import Method
from .bp import backpropagate, descend


class BPModulated(Method):
    name = "bp_modulated"

    def step(self, x, t, lr: float):
        self.draw_masks(x.shape[1])
        if not self.fast:
            gamma = np.subtract(self.run(x).y, t)
            xe = np.matmul(self.F, gamma)
            xe += x
            descend(self, xe, t, lr)
            return gamma
        y = self.forward(x, "p1")[-1]
        gamma = np.subtract(y, t, out=y)
        xe0 = np.matmul(self.F, gamma, out=self.buf("xe0", x.shape))
        xe0 += x
        xs, zs = self.forward(xe0, "p2", keep_pre=True)
        delta = np.subtract(xs[-1], t, out=xs[-1])
        backpropagate(self, xs, zs, delta, lr)
        return gamma
