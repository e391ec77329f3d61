"""What every training method shares: the net, weights, velocities, masks, forward passes.

A method owns the trainable state and turns one mini-batch ``(x, t)`` (columns: x is
features × B, t is the one-hot n_out × B) into an update of the weights in place.
``step`` returns the output error Γ of the clean pass, which the loop checks for
NaN/overflow.  One interface for every :class:`~emulator.training.net.Net`: a net of
dense layers (``self.fast``) runs on preallocated buffers and, with ``device``, through
emulated optical hardware; any other net (conv, strip layers) runs the general
:func:`~emulator.training.net.forward`.  The forward passes here use only the weights,
the activation and the dropout masks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..activations import ACTIVATIONS
from ..kernels import momentum_update
from ..net import DTYPE, Net, as_map, dense_net, forward, softmax_columns


@dataclass(frozen=True)
class StepOptions:
    activation: str = "relu"
    momentum: float = 0.9
    dropout: float = 0.0
    fscale: float = 0.05
    output_error: str = "pass1"  # "pass1" | "pass2"
    conv_norm: str = "sqrt"  # conv layers' TPFP update: sum over positions / √P, P or 1


class Method:
    """Base of the training methods (see :mod:`emulator.training.methods`).

    ``Method(weights, opts, rng, device=None, feedback=None, net=None)``: ``rng`` draws
    the dropout masks, ``noise`` the read-out noise of an emulated ``device``; ``net``
    defaults to dense layers of the weights' shapes.
    """

    name = "base"
    record = False  # True: keep copies of the last step's activations in ``self.last``

    def __init__(self, weights, opts: StepOptions, rng: np.random.Generator | None = None,
                 device=None, feedback=None, net: Net | None = None, noise=None):
        self.W = weights
        self.V = [np.zeros_like(w) for w in weights]
        self.opts = opts
        self.rng = rng
        self.noise = rng if noise is None else noise
        self.device = device
        self.F = feedback
        self.net = dense_net([weights[0].shape[1]] + [w.shape[0] for w in weights]) \
            if net is None else net
        self.fast = self.net.dense
        self.f = ACTIVATIONS[opts.activation]
        self.L = len(weights)
        self.sizes = list(self.net.sizes) if self.fast else None
        self.masks: list | None = None
        self._bufs: dict[tuple, np.ndarray] = {}

    # ------------------------------------------------------------------ buffers
    def buf(self, key, shape) -> np.ndarray:
        """A preallocated float32 buffer, one per (key, shape)."""
        k = (key, shape)
        b = self._bufs.get(k)
        if b is None:
            b = self._bufs[k] = np.empty(shape, dtype=DTYPE)
        return b

    # ------------------------------------------------------------------ dense pieces
    def linear(self, l: int, x, out):
        """Z = W_l x, on the ideal matrix or through the emulated hardware."""
        if self.device is None or self.device.layers[l] is None:
            return np.matmul(self.W[l], x, out=out)
        return self.device.layers[l].forward(x, out=out, rng=self.noise)

    def draw_masks(self, b: int):
        """Inverted-dropout masks for the hidden layers (kept for both passes)."""
        p = self.opts.dropout
        if p <= 0.0:
            self.masks = None
            return None
        masks = []
        for l in range(self.L - 1):
            m = self.buf(("mask", l), self.net.layers[l].hidden_shape(b))
            self.rng.random(out=m, dtype=DTYPE)
            keep = m >= p
            np.multiply(keep, DTYPE(1.0 / (1.0 - p)), out=m)
            masks.append(m)
        self.masks = masks
        return masks

    def hidden(self, l: int, x, out, pre=None):
        """X_l = f(W_l x) ⊙ M_l; the pre-activation goes to ``pre`` if given."""
        z = self.linear(l, x, out if pre is None else pre)
        if self.device is not None and self.device.optical_activation(l):
            out[...] = z  # the detectors squared the field: the activation is done
        else:
            self.f(z, out)
        if self.masks is not None:
            out *= self.masks[l]
        return out

    def output(self, x, out):
        """softmax(W_L x)."""
        self.linear(self.L - 1, x, out)
        return softmax_columns(out, out)

    def forward(self, x, tag: str, keep_pre: bool = False):
        """Dense nets: all layers; returns [x, X_1, ..., X_L] (and pre-activations)."""
        b = x.shape[1]
        xs, zs = [x], [None]
        for l in range(self.L - 1):
            out = self.buf((tag, l), (self.sizes[l + 1], b))
            pre = self.buf((tag + "-pre", l), (self.sizes[l + 1], b)) if keep_pre else None
            xs.append(self.hidden(l, xs[-1], out, pre))
            zs.append(pre)
        xs.append(self.output(xs[-1], self.buf((tag, self.L - 1), (self.sizes[-1], b))))
        return (xs, zs) if keep_pre else xs

    def update(self, l: int, D, X, alpha: float) -> None:
        """Momentum step of layer l with ΔW = D Xᵀ (α = η/B already includes the mean)."""
        momentum_update(self.W[l], self.V[l], D, X, alpha, self.opts.momentum,
                        self.buf(("grad", l), self.W[l].shape), self.buf(("scaled", l), D.shape))

    # ------------------------------------------------------------------ any net
    def run(self, x_cols, keep_pre: bool = False):
        """One general forward pass (:class:`~emulator.training.net.Pass`) of a column
        batch, with the step's dropout masks."""
        chip = None if self.device is None else (
            lambda l, u: self.device.layers[l].forward(u, rng=self.noise)
            if self.device.layers[l] is not None else self.net.layers[l].linear(self.W[l], u))
        return forward(self.net, self.W, self.opts.activation, as_map(self.net, x_cols),
                       keep_pre=keep_pre, masks=self.masks, linear=chip)

    def update_layer(self, l: int, D, U, alpha: float) -> None:
        """The layer's own momentum update with ΔW = D·Uᵀ summed over its columns."""
        self.net.layers[l].update(self.W[l], self.V[l], D, U, alpha, self.opts.momentum)

    def position_norm(self, layer) -> float:
        """What a conv layer's summed TPFP update is divided by, besides the batch size."""
        p = layer.positions
        return {"sqrt": math.sqrt(p), "mean": float(p), "sum": 1.0}[self.opts.conv_norm]

    def step(self, x, t, lr: float):  # pragma: no cover - abstract
        raise NotImplementedError
