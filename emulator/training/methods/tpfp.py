"""TPFP: two forward passes, local updates.

The rule of Ahmadnejad & Koohi, "Training of optical neural networks with two forward
passes" (2024, arXiv:2408.08337), which is PEPITA (Dellaferrera & Kreiman, "Error-driven
input modulation: solving the credit assignment problem without a backward pass",
ICML 2022).  Per mini-batch::

    pass 1:   X_l = f(W_l X_{l-1}) ⊙ M_l,   X_L = softmax(W_L X_{L-1})
    error:    Γ = X_L − t
    pass 2:   X_err,0 = x + F Γ,   X_err,l = f(W_l X_err,l-1) ⊙ M_l   (same masks)
    updates:  ΔW_l = mean[(X_l − X_err,l) X_err,l-1ᵀ]   (hidden),
              ΔW_L = mean[Γ X_err,L-1ᵀ]                 (Γ of pass 2 with output_error="pass2")

This module uses only forward activations and forward matrix products: it imports no
derivative and never transposes a weight (a test checks both).

With ideal (digital) weights, pass 2's first layer reuses pass 1:  W_1 (x + FΓ) =
W_1 x + (W_1 F) Γ, which is the same product at a fraction of the cost (W_1 F has only
n_out columns).  On emulated hardware both passes go through the device in full, except
on a core that encodes inputs in optical power (a microring weight bank: power cannot be
negative, so a signed input takes two passes, one per rail): there pass 2's first layer
is pass 1's read-out W_1 x plus the chip's read-out of the modulation FΓ alone,
streamed on its two rails at its own full scale.  The layer is linear, so this is the
same product; measured so, the two passes differ by W_1 FΓ as read, not by the
difference of two read-outs taken on different rails (``ChipDevice.signed_inputs``).

Any other net (conv, strip layers) runs :meth:`TPFP.step_net`: the same rule on the
layers' unfolded inputs, ``ΔW_l = Σ_{images, positions} (X_l − X_err,l) ⊗
U_l(X_err,l-1) / (B·n_l)``, taken before pooling, where a conv layer's ``n_l`` is the
position normalisation (``conv_norm``: √P by default, P for the mean over the P
positions, 1 for the sum) and strip and dense layers have n_l = 1.
"""

from __future__ import annotations

import numpy as np

from .base import Method


class TPFP(Method):
    name = "tpfp"
    reuse_first_layer = True  # set False to compute pass 2's first layer literally

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._f_written: dict[int, bool] = {}

    def step(self, x, t, lr: float):
        if not self.fast:
            return self.step_net(x, t, lr)
        b = x.shape[1]
        L, n = self.L, self.sizes
        masks = self.draw_masks(b)
        reuse = self.reuse_first_layer and self.device is None and L > 1
        # a power-encoded core: the modulation FΓ streamed alone (see the module doc)
        split = (self.device is not None and L > 1 and not self.device.signed_inputs(0))
        z1 = self.buf("z1", (n[1], b)) if split else None

        # pass 1 (clean).  With reuse, layer 1 multiplies [x | F] in one product: its first
        # b columns are W_1 x, the last n_out are W_1 F (for pass 2 below).
        xs = [x]
        if reuse:
            xf = self.buf("x|F", (n[0], b + n[L]))
            if not self._f_written.get(b):
                xf[:, b:] = self.F
                self._f_written[b] = True
            xf[:, :b] = x
            zf = np.matmul(self.W[0], xf, out=self.buf("z|WF", (n[1], b + n[L])))
            z1, wf = zf[:, :b], zf[:, b:]
            x1 = self.f(z1, self.buf(("p1", 0), (n[1], b)))
            if masks is not None:
                x1 *= masks[0]
            xs.append(x1)
        if split:
            xs.append(self.hidden(0, x, self.buf(("p1", 0), (n[1], b)), pre=z1))
        for l in range(len(xs) - 1, L - 1):
            xs.append(self.hidden(l, xs[l], self.buf(("p1", l), (n[l + 1], b))))
        y = self.output(xs[L - 1], self.buf(("p1", L - 1), (n[L], b)))
        gamma = np.subtract(y, t, out=self.buf("gamma", (n[L], b)))

        # modulated input and pass 2
        fg = np.matmul(self.F, gamma, out=self.buf("fg", (n[0], b)))
        xe0 = np.add(fg, x, out=self.buf("xe0", (n[0], b)))
        xe = [xe0]
        for l in range(L - 1):
            out = self.buf(("p2", l), (n[l + 1], b))
            if l == 0 and (reuse or split):  # W_1 (x + FΓ) = W_1 x + W_1 (FΓ)
                if reuse:
                    np.matmul(wf, gamma, out=out)
                else:
                    self.linear(0, fg, out)
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

        if self.record:  # copies for inspection (tests), before the buffers are reused
            self.last = {"x": [a.copy() for a in xs], "x_err": [a.copy() for a in xe],
                         "gamma": gamma.copy(), "err": err.copy(),
                         "masks": None if masks is None else [m.copy() for m in masks]}

        # local updates
        alpha = lr / b
        for l in range(L - 1):
            diff = np.subtract(xs[l + 1], xe[l + 1], out=xs[l + 1])
            self.update(l, diff, xe[l], alpha)
        self.update(L - 1, err, xe[L - 1], alpha)
        return gamma

    def step_net(self, x_cols, t, lr: float):
        """The rule on a general net (see the module doc)."""
        b = x_cols.shape[1]
        self.draw_masks(b)
        clean = self.run(x_cols)
        gamma = np.subtract(clean.y, t)
        xe_cols = np.matmul(self.F, gamma)
        xe_cols += x_cols
        modulated = self.run(xe_cols)
        err = gamma if self.opts.output_error == "pass1" else np.subtract(modulated.y, t)
        if self.record:
            self.last = {"clean": clean, "modulated": modulated, "gamma": gamma.copy(),
                         "x_err": xe_cols.copy()}
        for l, layer in enumerate(self.net.layers[:-1]):
            diff = np.subtract(clean.h[l], modulated.h[l])
            self.update_layer(l, diff, modulated.u[l], lr / (b * self.position_norm(layer)))
        self.update_layer(self.L - 1, err, modulated.u[-1], lr / b)
        return gamma
