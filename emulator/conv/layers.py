"""The conv and strip layers of the optical CNNs, as geometry plus pure functions, beside
the dense layer of :mod:`emulator.training.net` (the one Net/Layer model).

Every layer sees its input map cut ("unfolded") into the vectors its small optical block
multiplies, one column each:

=========  ==========================  ==========================  ====================
kind       weight                      unfolded input ``U``        output ``Z = W·U``
=========  ==========================  ==========================  ====================
``conv``   (C_out, C_in·k·k), shared   patches (C_in·k·k, P·B)     (C_out, P·B)
``strip``  (G, n_out, n_in), G blocks  (G, n_in, B)                (G, n_out, B)
``dense``  (n_out, n_in)               (n_in, B)                   (n_out, B)
=========  ==========================  ==========================  ====================

(P output positions per image, G independent blocks, e.g. the 28 columns of an image.)
After the activation, ``fold`` turns the output back into the next layer's input map
(conv: reshape to (C_out, Ho, Wo, B) and pool; strip: stack the blocks' outputs).

An update ``ΔW = D·Uᵀ`` sums the outer products of an output-space matrix ``D`` and the
unfolded input over all columns (positions and images); a strip layer gives every
block its own sum.  ``back`` (Wᵀδ) and the adjoints of unfold and fold serve
backpropagation only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emulator.training.kernels import momentum_update
from emulator.training.net import Dense

from .im2col import col2im, cut_columns, im2col, out_size, pool, unpool


@dataclass(frozen=True)
class Conv:
    """One small network shared by every k×k patch, then p×p pooling."""

    name: str
    in_shape: tuple[int, int, int]  # (C_in, H, W)
    channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    pool: int = 1
    pool_mode: str = "avg"
    kind = "conv"
    activated = True  # the activation follows (every layer but the output layer)

    @property
    def conv_shape(self) -> tuple[int, int]:
        _, h, w = self.in_shape
        return (out_size(h, self.kernel, self.stride, self.padding),
                out_size(w, self.kernel, self.stride, self.padding))

    @property
    def positions(self) -> int:
        ho, wo = self.conv_shape
        return ho * wo

    @property
    def out_shape(self) -> tuple[int, int, int]:
        ho, wo = self.conv_shape
        return (self.channels, ho // self.pool, wo // self.pool)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.channels, self.in_shape[0] * self.kernel ** 2)

    @property
    def fan_in(self) -> int:
        return self.weight_shape[1]

    def blocks(self) -> tuple[int, int, int, int]:
        """(distinct blocks, block rows, block cols, invocations of each per image)."""
        return 1, self.weight_shape[0], self.weight_shape[1], self.positions

    def hidden_shape(self, batch: int) -> tuple[int, ...]:
        """Shape of the layer's output for a batch (before folding)."""
        return (self.channels, self.positions * batch)

    def describe(self) -> str:
        c, h, w = self.in_shape
        ho, wo = self.conv_shape
        pooled = (f", {self.pool_mode} pool {self.pool}x{self.pool} -> "
                  f"{'x'.join(map(str, self.out_shape))}" if self.pool > 1 else "")
        return (f"{self.name}: {c}x{h}x{w} -> {self.channels} channels {ho}x{wo} "
                f"(k={self.kernel}, stride {self.stride}, padding {self.padding}){pooled}")

    def unfold(self, x):
        return im2col(x, self.kernel, self.stride, self.padding)

    def linear(self, W, u):
        return np.matmul(W, u)

    def fold(self, h):
        ho, wo = self.conv_shape
        return pool(h.reshape(self.channels, ho, wo, -1), self.pool, self.pool_mode)

    def update(self, W, V, D, U, alpha: float, gamma: float) -> None:
        """V ← γV + α·D·Uᵀ (summed over positions and images); W ← W − V."""
        momentum_update(W, V, D, U, alpha, gamma, np.empty_like(W), np.empty_like(D))

    # --- backpropagation only ---------------------------------------------------------
    def back(self, W, delta):
        return np.matmul(W.T, delta)

    def unfold_adjoint(self, g, batch: int):
        return col2im(g, (*self.in_shape, batch), self.kernel, self.stride, self.padding)

    def fold_adjoint(self, g, h):
        ho, wo = self.conv_shape
        hmap = h.reshape(self.channels, ho, wo, -1)
        return unpool(g, hmap, self.pool, self.pool_mode).reshape(h.shape)


@dataclass(frozen=True)
class Strip:
    """G independent small blocks (n_out × n_in), one per group of inputs; with
    ``columns`` the groups are the columns of a one-channel image."""

    name: str
    groups: int
    n_in: int
    n_out: int
    columns: bool = False  # unfold cuts a (1, H, W, B) image into its W columns
    flatten: bool = False  # fold stacks the outputs to (G·n_out, B) for a dense head
    activated: bool = True  # False: a linear (coherent) read-out, no activation
    kind = "strip"
    positions = 1

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.groups, self.n_out, self.n_in)

    @property
    def fan_in(self) -> int:
        return self.n_in

    @property
    def in_shape(self) -> tuple[int, ...]:
        return (1, self.n_in, self.groups) if self.columns else (self.groups, self.n_in)

    @property
    def out_shape(self) -> tuple[int, ...]:
        return (self.groups * self.n_out,) if self.flatten else (self.groups, self.n_out)

    def blocks(self) -> tuple[int, int, int, int]:
        return self.groups, self.n_out, self.n_in, 1

    def hidden_shape(self, batch: int) -> tuple[int, ...]:
        """Shape of the layer's output for a batch (before folding)."""
        return (self.groups, self.n_out, batch)

    def describe(self) -> str:
        return f"{self.name}: {self.groups} blocks {self.n_in} -> {self.n_out}"

    def unfold(self, x):
        return cut_columns(x) if self.columns else x

    def linear(self, W, u):
        return np.matmul(W, u)

    def fold(self, h):
        return h.reshape(self.groups * self.n_out, -1) if self.flatten else h

    def update(self, W, V, D, U, alpha: float, gamma: float) -> None:
        """Per block g: V_g ← γV_g + α·D_g·U_gᵀ; W ← W − V."""
        grad = np.matmul(D, U.swapaxes(1, 2))
        V *= W.dtype.type(gamma)
        grad *= W.dtype.type(alpha)
        V += grad
        W -= V

    # --- backpropagation only ---------------------------------------------------------
    def back(self, W, delta):
        return np.matmul(W.swapaxes(1, 2), delta)

    def unfold_adjoint(self, g, batch: int):
        if self.columns:
            return np.ascontiguousarray(g.transpose(1, 0, 2))[None]
        return g

    def fold_adjoint(self, g, h):
        return g.reshape(h.shape)


Layer = Conv | Strip | Dense
