"""An optical CNN: its layers (geometry), weights, the forward pass, and a trained model.

Two models, both ending in a dense head whose last layer is a softmax:

``patch_conv``    [conv (+ activation, pooling)] × n  →  dense head
``column_strip``  each image column through its own small network (strip layers
                  H → h → … → 1)  →  dense head on the W column outputs

Every layer but the last applies the activation (a physical one by default: square-law
detection for the conv layers, a saturable absorber in the column networks), except a
column network's scalar output with ``readout="linear"``: it is read out coherently
(a signed field amplitude), not through the nonlinearity.  No biases.  Weights are He-uniform per block: ±sqrt(6 / block inputs).
The forward pass here uses only weights, activations and the cut/pool functions, so the
TPFP method can share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emulator.training.activations import ACTIVATIONS
from emulator.training.network import DTYPE, softmax_columns

from .layers import Conv, Dense, Layer, Strip

MODELS = ("patch_conv", "column_strip")
EVAL_CHUNK = 256  # images per forward chunk in evaluation (patches of 256 images ≈ 15 MB)


@dataclass(frozen=True)
class Net:
    """The layers of a model, first to last (no weights)."""

    model: str
    image: tuple[int, int, int]  # (C, H, W) of the input
    layers: tuple[Layer, ...]

    @property
    def n_classes(self) -> int:
        return self.layers[-1].n_out

    def describe(self) -> list[str]:
        out = []
        for layer in self.layers:
            if layer.kind == "conv":
                c, h, w = layer.in_shape
                ho, wo = layer.conv_shape
                pooled = (f", {layer.pool_mode} pool {layer.pool}x{layer.pool} -> "
                          f"{'x'.join(map(str, layer.out_shape))}" if layer.pool > 1 else "")
                out.append(f"{layer.name}: {c}x{h}x{w} -> {layer.channels} channels "
                           f"{ho}x{wo} (k={layer.kernel}, stride {layer.stride}, "
                           f"padding {layer.padding}){pooled}")
            elif layer.kind == "strip":
                out.append(f"{layer.name}: {layer.groups} blocks {layer.n_in} -> {layer.n_out}")
            else:
                out.append(f"{layer.name}: {layer.n_in} -> {layer.n_out}")
        return out


def patch_conv(image, n_classes: int, kernels, channels, strides, paddings, pools,
               pool_mode: str = "avg", head=()) -> Net:
    """Conv layers (one entry of each list per layer), then a dense head."""
    layers: list[Layer] = []
    shape = tuple(image)
    for i, (k, c, s, p, q) in enumerate(zip(kernels, channels, strides, paddings, pools)):
        conv = Conv(f"conv{i + 1}", shape, int(c), int(k), int(s), int(p), int(q), pool_mode)
        layers.append(conv)
        shape = conv.out_shape
    n = int(np.prod(shape))
    for j, h in enumerate([*head, n_classes]):
        layers.append(Dense(f"head{j + 1}", n, int(h), shape if j == 0 else ()))
        n = int(h)
    return Net("patch_conv", tuple(image), tuple(layers))


def column_strip(image, n_classes: int, hidden=(28,), head=(), readout: str = "linear") -> Net:
    """Each of the W columns (H pixels) through its own H → hidden… → 1 network; the
    scalar output goes through the activation only with ``readout="activation"``."""
    _, h, w = image
    sizes = [h, *hidden, 1]
    layers: list[Layer] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        end = i == len(sizes) - 2
        layers.append(Strip(f"strip{i + 1}", w, int(a), int(b), columns=i == 0, flatten=end,
                            activated=not (end and readout == "linear")))
    n = w
    for j, hh in enumerate([*head, n_classes]):
        layers.append(Dense(f"head{j + 1}", n, int(hh)))
        n = int(hh)
    return Net("column_strip", tuple(image), tuple(layers))


def init_weights(net: Net, rng: np.random.Generator) -> list[np.ndarray]:
    """He-uniform weights, one array per layer, drawn in layer order."""
    out = []
    for layer in net.layers:
        limit = np.sqrt(6.0 / layer.fan_in)
        out.append(rng.uniform(-limit, limit, size=layer.weight_shape).astype(DTYPE))
    return out


def as_map(net: Net, x_cols: np.ndarray) -> np.ndarray:
    """A column batch (C·H·W × B, pixels row-major) as a (C, H, W, B) map (a view)."""
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


def forward(net: Net, weights, activation: str, x_map, keep_pre: bool = False) -> Pass:
    """One pass of a (C, H, W, B) map through every layer."""
    f = ACTIVATIONS[activation]
    out = Pass()
    x = x_map
    last = len(net.layers) - 1
    for l, (layer, W) in enumerate(zip(net.layers, weights)):
        u = layer.unfold(x)
        z = layer.linear(W, u)
        out.u.append(u)
        if l == last:
            out.y = softmax_columns(z, z)
            break
        if keep_pre:
            out.z.append(z)
            h = f(z, np.empty_like(z)) if layer.activated else z.copy()
        else:
            h = f(z, z) if layer.activated else z
        out.h.append(h)
        x = layer.fold(h)
    return out


def probabilities_cols(net: Net, weights, activation: str, x_cols) -> np.ndarray:
    """Output probabilities (n_classes × B) of a column batch, without keeping anything."""
    f = ACTIVATIONS[activation]
    x = as_map(net, x_cols)
    last = len(net.layers) - 1
    for l, (layer, W) in enumerate(zip(net.layers, weights)):
        z = layer.linear(W, layer.unfold(x))
        if l == last:
            return softmax_columns(z, z)
        x = layer.fold(f(z, z) if layer.activated else z)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(eq=False)
class ConvModel:
    """Trained weights of an optical CNN plus how to run them (ideal matrices)."""

    net: Net
    activation: str
    weights: list[np.ndarray]

    @property
    def model(self) -> str:
        return self.net.model

    @property
    def n_features(self) -> int:
        return int(np.prod(self.net.image))

    def probabilities(self, X) -> np.ndarray:
        """Output probabilities (N × n_classes) for images as rows (N × C·H·W)."""
        X = np.asarray(X, dtype=DTYPE)
        parts = [probabilities_cols(self.net, self.weights, self.activation,
                                    np.ascontiguousarray(X[i:i + EVAL_CHUNK].transpose()))
                 for i in range(0, len(X), EVAL_CHUNK)]
        return np.concatenate(parts, axis=1).transpose()

    def predict(self, X) -> np.ndarray:
        return self.probabilities(X).argmax(axis=1)

    def score(self, X, y) -> tuple[float, float]:
        """(accuracy, mean cross-entropy) on rows X with labels y."""
        p = self.probabilities(X)
        y = np.asarray(y)
        picked = p[np.arange(len(y)), y].astype(np.float64)
        acc = float(np.mean(p.argmax(axis=1) == y))
        return acc, float(-np.log(np.maximum(picked, 1e-30)).mean())
