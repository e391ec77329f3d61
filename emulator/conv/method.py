"""What the CNN training methods share: the network, weights, velocities and options.

``step(x_cols, t, lr)`` takes a column batch of images (C·H·W × B, pixels row-major) and
the one-hot targets (n_classes × B), updates the weights in place, and returns the
output error Γ of the clean pass (the loop checks it for NaN/overflow).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import Net

CONV_NORMS = ("sqrt", "mean", "sum")


@dataclass(frozen=True)
class ConvOptions:
    activation: str = "square"
    momentum: float = 0.9
    fscale: float = 0.05
    output_error: str = "pass1"  # "pass1" | "pass2"
    conv_norm: str = "sqrt"  # TPFP conv update: sum over positions divided by √P, P or 1


class ConvMethod:
    name = "base"
    record = False  # True: keep the last step's passes in ``self.last`` (tests)

    def __init__(self, net: Net, weights, opts: ConvOptions, feedback=None):
        self.net = net
        self.W = weights
        self.V = [np.zeros_like(w) for w in weights]
        self.opts = opts
        self.F = feedback

    def position_norm(self, layer) -> float:
        """What a conv layer's summed update is divided by, besides the batch size."""
        p = layer.positions
        return {"sqrt": math.sqrt(p), "mean": float(p), "sum": 1.0}[self.opts.conv_norm]

    def step(self, x_cols, t, lr: float):  # pragma: no cover - abstract
        raise NotImplementedError
