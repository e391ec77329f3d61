"""TPFP: two forward passes, local updates (Ahmadnejad & Koohi 2024; the PEPITA rule).

Per mini-batch (see /work/shared/reference/tpfp.md)::

    pass 1:   X_l = f(W_l X_{l-1}) ⊙ M_l,   X_L = softmax(W_L X_{L-1})
    error:    Γ = X_L − t
    pass 2:   X_err,0 = x + F Γ,   X_err,l = f(W_l X_err,l-1) ⊙ M_l   (same masks)
    updates:  ΔW_l = mean[(X_l − X_err,l) X_err,l-1ᵀ]   (hidden),
              ΔW_L = mean[Γ X_err,L-1ᵀ]                 (Γ of pass 2 with output_error="pass2")

This module uses only forward activations and forward matrix products: it imports no
derivative and never transposes a weight (a test checks both).

With ideal (digital) weights, pass 2's first layer reuses pass 1:  W_1 (x + FΓ) =
W_1 x + (W_1 F) Γ, which is the same product at a fraction of the cost (W_1 F has only
n_out columns).  On emulated hardware both passes go through the device in full.
"""

from __future__ import annotations

import numpy as np

from .base import Method


class TPFP(Method):
    name = "tpfp"
    uses_feedback = True
    reuse_first_layer = True  # set False to compute pass 2's first layer literally

    def step(self, x, t, lr: float):
        b = x.shape[1]
        L, n = self.L, self.sizes
        masks = self.draw_masks(b)
        reuse = self.reuse_first_layer and self.device is None and L > 1

        # pass 1 (clean)
        z1 = self.buf("z1", (n[1], b)) if reuse else None
        xs = [x]
        for l in range(L - 1):
            xs.append(self.hidden(l, xs[l], self.buf(("p1", l), (n[l + 1], b)),
                                  pre=z1 if l == 0 else None))
        y = self.output(xs[L - 1], self.buf(("p1", L - 1), (n[L], b)))
        gamma = np.subtract(y, t, out=self.buf("gamma", (n[L], b)))

        # modulated input and pass 2
        xe0 = np.matmul(self.F, gamma, out=self.buf("xe0", (n[0], b)))
        xe0 += x
        xe = [xe0]
        for l in range(L - 1):
            out = self.buf(("p2", l), (n[l + 1], b))
            if l == 0 and reuse:
                wf = np.matmul(self.W[0], self.F, out=self.buf("wf", (n[1], n[L])))
                np.matmul(wf, gamma, out=out)
                out += z1
                self.f(out, out)
                if masks is not None:
                    out *= masks[0]
            else:
                self.hidden(l, xe[l], out)
            xe.append(out)
        if self.opts.output_error == "pass2":
            ye = self.output(xe[L - 1], self.buf(("p2", L - 1), (n[L], b)))
            err = np.subtract(ye, t, out=ye)
        else:
            err = gamma

        # local updates
        alpha = lr / b
        for l in range(L - 1):
            diff = np.subtract(xs[l + 1], xe[l + 1], out=xs[l + 1])
            self.update(l, diff, xe[l], alpha)
        self.update(L - 1, err, xe[L - 1], alpha)
        self.last = {"x": xs, "x_err": xe, "gamma": gamma, "masks": masks}
        return gamma
