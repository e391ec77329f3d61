"""The network: weights, initialisation, the clean forward pass, and a trained :class:`Model`.

Layout: activations are column batches, ``X_l`` of shape (n_l, B), and ``W_l`` has shape
(n_l, n_{l-1}), so a layer is ``Z_l = W_l @ X_{l-1}`` exactly as written in the rule.
No biases: a constant input feature can serve as one.  Hidden layers share one
activation; the output layer is a softmax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .activations import ACTIVATIONS

if TYPE_CHECKING:  # pragma: no cover
    from .optical import Device

DTYPE = np.float32
EVAL_CHUNK = 4096  # samples per forward chunk in evaluation


def he_uniform(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """W (n_out × n_in), entries uniform in ±sqrt(6 / n_in)."""
    limit = np.sqrt(6.0 / n_in)
    return rng.uniform(-limit, limit, size=(n_out, n_in)).astype(DTYPE)


def init_weights(layers, rng) -> list[np.ndarray]:
    return [he_uniform(n_out, n_in, rng) for n_in, n_out in zip(layers[:-1], layers[1:])]


def feedback_matrix(d_in: int, n_out: int, scale: float, rng) -> np.ndarray:
    """TPFP's fixed F (d_in × n_out), entries uniform in ±scale·sqrt(6 / d_in)."""
    limit = scale * np.sqrt(6.0 / d_in)
    return rng.uniform(-limit, limit, size=(d_in, n_out)).astype(DTYPE)


def softmax_columns(z, out=None):
    """Column-wise softmax of (n, B), in place when ``out is z``."""
    out = z if out is None else out
    np.subtract(z, z.max(axis=0, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=0, keepdims=True)
    return out


def one_hot_columns(y, n_classes: int) -> np.ndarray:
    t = np.zeros((n_classes, len(y)), dtype=DTYPE)
    t[np.asarray(y), np.arange(len(y))] = 1.0
    return t


def cross_entropy(probs_cols, y) -> float:
    """Mean −log p(true class) of column probabilities."""
    p = probs_cols[np.asarray(y), np.arange(len(y))].astype(np.float64)
    return float(-np.mean(np.log(np.maximum(p, 1e-30))))


@dataclass(eq=False)
class Model:
    """Trained weights plus how to run them: ideal matrices, or a programmed ``device``."""

    layers: tuple[int, ...]
    activation: str
    weights: list[np.ndarray]
    device: "Device | None" = None
    _rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0),
                                      repr=False)

    def ideal(self) -> "Model":
        """The same weights without hardware."""
        return Model(self.layers, self.activation, self.weights)

    def probabilities_cols(self, X_cols, rng=None) -> np.ndarray:
        """Forward pass of a column batch (d × B) to output probabilities (n_out × B)."""
        act = ACTIVATIONS[self.activation]
        rng = self._rng if rng is None else rng
        x = X_cols
        last = len(self.weights) - 1
        for l, W in enumerate(self.weights):
            if self.device is not None:
                z = self.device.layers[l].forward(x, rng=rng, count=False)
            else:
                z = np.matmul(W, x)
            x = softmax_columns(z) if l == last else act(z, z)
        return x

    def probabilities(self, X, rng=None) -> np.ndarray:
        """Output probabilities (N × n_out) for samples as rows (N × d)."""
        X = np.asarray(X, dtype=DTYPE)
        parts = [self.probabilities_cols(X[i:i + EVAL_CHUNK].transpose(), rng)
                 for i in range(0, len(X), EVAL_CHUNK)]
        return np.concatenate(parts, axis=1).transpose()

    def predict(self, X, rng=None) -> np.ndarray:
        return self.probabilities(X, rng).argmax(axis=1)

    def score(self, X, y, rng=None) -> tuple[float, float]:
        """(accuracy, mean cross-entropy) on rows X with labels y."""
        X = np.asarray(X, dtype=DTYPE)
        y = np.asarray(y)
        correct, loss = 0, 0.0
        for i in range(0, len(X), EVAL_CHUNK):
            p = self.probabilities_cols(X[i:i + EVAL_CHUNK].transpose(), rng)
            yc = y[i:i + EVAL_CHUNK]
            correct += int(np.count_nonzero(p.argmax(axis=0) == yc))
            picked = p[yc, np.arange(len(yc))].astype(np.float64)
            loss -= float(np.log(np.maximum(picked, 1e-30)).sum())
        return correct / len(X), loss / len(X)
