"""One network model for every trainer: a :class:`Net` of layers, and its forward pass.

A layer is geometry plus pure functions (see :class:`Dense`; the optical CNNs add conv
and strip layers in :mod:`emulator.conv.layers` with the same methods).  Every layer
sees its input map cut ("unfolded") into the vectors its block multiplies, one column
each, ``Z = W·U``; after the activation, ``fold`` turns the output into the next
layer's input.  A dense network is a Net of Dense layers, whose unfold and fold are
reshapes: activations are column batches ``X_l`` (n_l × B), ``W_l`` is (n_l × n_{l-1}).
The last layer is a softmax.  No biases.  Weights are He-uniform per block,
±sqrt(6 / block inputs).

``back`` (Wᵀδ) and the adjoints of unfold and fold serve backpropagation only; the
forward pass here uses only weights, activations and the cut/pool functions, so the
TPFP method shares it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS
from .kernels import momentum_update

DTYPE = np.float32
BLOWUP = 1e30  # |w| beyond this counts as overflow


def softmax_columns(z, out=None):
    """Column-wise softmax of (n, B), in place when ``out is z``."""
    out = z if out is None else out
    np.subtract(z, z.max(axis=0, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=0, keepdims=True)
    return out


@dataclass(frozen=True)
class Dense:
    """A fully connected layer (n_out × n_in)."""

    name: str
    n_in: int
    n_out: int
    in_shape: tuple[int, ...] = ()  # the map it flattens (a conv net's head), if any
    kind = "dense"
    activated = True
    positions = 1

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.n_out, self.n_in)

    @property
    def fan_in(self) -> int:
        return self.n_in

    @property
    def out_shape(self) -> tuple[int, ...]:
        return (self.n_out,)

    def blocks(self) -> tuple[int, int, int, int]:
        """(distinct blocks, block rows, block cols, invocations of each per image)."""
        return 1, self.n_out, self.n_in, 1

    def hidden_shape(self, batch: int) -> tuple[int, ...]:
        """Shape of the layer's output for a batch (before folding)."""
        return (self.n_out, batch)

    def describe(self) -> str:
        return f"{self.name}: {self.n_in} -> {self.n_out}"

    def unfold(self, x):
        return x.reshape(self.n_in, x.shape[-1])

    def linear(self, W, u):
        return np.matmul(W, u)

    def fold(self, h):
        return h

    def update(self, W, V, D, U, alpha: float, gamma: float) -> None:
        """V ← γV + α·D·Uᵀ; W ← W − V."""
        momentum_update(W, V, D, U, alpha, gamma, np.empty_like(W), np.empty_like(D))

    # --- backpropagation only ---------------------------------------------------------
    def back(self, W, delta):
        return np.matmul(W.T, delta)

    def unfold_adjoint(self, g, batch: int):
        return g.reshape(*(self.in_shape or (self.n_in,)), batch)

    def fold_adjoint(self, g, h):
        return g


@dataclass(frozen=True)
class Net:
    """The layers of a model, first to last (no weights)."""

    model: str  # "dense", "patch_conv", "column_strip"
    image: tuple[int, ...]  # shape of one input: (n_in,) or (C, H, W)
    layers: tuple

    @property
    def n_classes(self) -> int:
        return self.layers[-1].n_out

    @property
    def n_features(self) -> int:
        return int(np.prod(self.image))

    @property
    def dense(self) -> bool:
        """Every layer is a plain dense layer (the fast path's case)."""
        return all(layer.kind == "dense" for layer in self.layers)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths, input first (dense networks)."""
        return (self.layers[0].n_in, *(layer.n_out for layer in self.layers))

    def describe(self) -> list[str]:
        return [layer.describe() for layer in self.layers]


def dense_net(sizes) -> Net:
    """Dense layers n_0 → n_1 → … → n_L."""
    sizes = [int(n) for n in sizes]
    layers = tuple(Dense(str(i + 1), a, b)
                   for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])))
    return Net("dense", (sizes[0],), layers)


def init_weights(net, rng: np.random.Generator) -> list[np.ndarray]:
    """He-uniform weights of a Net (or of dense layer sizes), one float32 array per
    layer, drawn in layer order."""
    net = net if isinstance(net, Net) else dense_net(net)
    out = []
    for layer in net.layers:
        limit = np.sqrt(6.0 / layer.fan_in)
        out.append(rng.uniform(-limit, limit, size=layer.weight_shape).astype(DTYPE))
    return out


def feedback_matrix(d_in: int, n_out: int, scale: float, rng) -> np.ndarray:
    """TPFP's fixed F (d_in × n_out), entries uniform in ±scale·sqrt(6 / d_in)."""
    limit = scale * np.sqrt(6.0 / d_in)
    return rng.uniform(-limit, limit, size=(d_in, n_out)).astype(DTYPE)


def one_hot_columns(y, n_classes: int) -> np.ndarray:
    t = np.zeros((n_classes, len(y)), dtype=DTYPE)
    t[np.asarray(y), np.arange(len(y))] = 1.0
    return t


def as_map(net: Net, x_cols: np.ndarray) -> np.ndarray:
    """A column batch (features × B, pixels row-major) as a (*image, B) map (a view)."""
    return x_cols.reshape(*net.image, x_cols.shape[-1])


@dataclass
class Pass:
    """What one forward pass leaves for the updates, per layer: the unfolded inputs
    ``u``, the hidden outputs after the activation and before folding ``h``, the
    pre-activations ``z`` (only if asked) and the output probabilities ``y``."""

    u: list = field(default_factory=list)
    h: list = field(default_factory=list)
    z: list = field(default_factory=list)
    y: np.ndarray | None = None


def forward(net: Net, weights, activation: str, x_map, keep_pre: bool = False,
            masks=None, linear=None) -> Pass:
    """One pass of a (*image, B) map through every layer; ``masks`` (one per hidden
    layer, or None) multiply the activated outputs (dropout); ``linear(l, u)``, if
    given, replaces layer l's product (e.g. an emulated chip)."""
    f = ACTIVATIONS[activation]
    out = Pass()
    x = x_map
    last = len(net.layers) - 1
    for l, (layer, W) in enumerate(zip(net.layers, weights)):
        u = layer.unfold(x)
        z = layer.linear(W, u) if linear is None else linear(l, u)
        out.u.append(u)
        if l == last:
            out.y = softmax_columns(z, z)
            break
        if keep_pre:
            out.z.append(z)
            h = f(z, np.empty_like(z)) if layer.activated else z.copy()
        else:
            h = f(z, z) if layer.activated else z
        if masks is not None:
            h *= masks[l]
        out.h.append(h)
        x = layer.fold(h)
    return out


def probabilities_cols(net: Net, weights, activation: str, x_cols, linear=None,
                       optical=()):
    """Output probabilities (n_classes × B) of a column batch, keeping nothing.
    ``linear(l, u)``, if given, replaces layer l's product (e.g. an emulated chip);
    layers in ``optical`` come out of it activated (the detectors' square law)."""
    f = ACTIVATIONS[activation]
    x = as_map(net, x_cols)
    last = len(net.layers) - 1
    for l, (layer, W) in enumerate(zip(net.layers, weights)):
        u = layer.unfold(x)
        z = layer.linear(W, u) if linear is None else linear(l, u)
        if l == last:
            return softmax_columns(z, z)
        x = layer.fold(f(z, z) if layer.activated and l not in optical else z)
    raise AssertionError("unreachable")  # pragma: no cover


def locate_divergence(net: Net, weights, activation: str, x_cols) -> tuple[str, str]:
    """(layer name, what) of the first layer whose weights or outputs blew up."""
    for layer, w in zip(net.layers, weights):
        if not np.all(np.isfinite(w)):
            return layer.name, "weights are NaN or infinite"
        if np.max(np.abs(w)) > BLOWUP:
            return layer.name, f"weights overflowed (|w| up to {np.max(np.abs(w)):.3g})"
    f = ACTIVATIONS[activation]
    x = as_map(net, np.array(x_cols, dtype=DTYPE))
    with np.errstate(all="ignore"):
        for l, (layer, w) in enumerate(zip(net.layers, weights)):
            z = layer.linear(w, layer.unfold(x))
            if not np.all(np.isfinite(z)):
                return layer.name, "outputs are NaN or infinite"
            if l < len(net.layers) - 1:
                x = layer.fold(f(z, z) if layer.activated else z)
    return net.layers[-1].name, "output error is NaN or infinite"
