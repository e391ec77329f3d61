"""A trained :class:`Model`: a net's weights plus how to run them (ideal matrices, or a
programmed emulated ``device``), with the one scoring every trainer uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .net import DTYPE, Net, probabilities_cols

if TYPE_CHECKING:  # pragma: no cover
    from emulator.chip.device import ChipDevice as Device

EVAL_SAMPLES = 4096  # dense: samples per forward chunk in evaluation
EVAL_IMAGES = 256  # other nets: images per chunk (patches of 256 images ≈ 15 MB)


@dataclass(eq=False)
class Model:
    """Trained weights of a :class:`~emulator.training.net.Net`.

    On a ``device`` with read-out noise, evaluation draws that noise from ``rng`` (the
    model's own stream, given at construction) unless a call passes another generator.
    """

    net: Net
    activation: str
    weights: list[np.ndarray]
    device: "Device | None" = None
    rng: np.random.Generator | None = None

    @property
    def model(self) -> str:
        return self.net.model

    @property
    def layers(self) -> tuple[int, ...]:
        """Layer widths, input first (dense nets)."""
        return self.net.sizes

    @property
    def n_features(self) -> int:
        return self.net.n_features

    def ideal(self) -> "Model":
        """The same weights without hardware."""
        return Model(self.net, self.activation, self.weights)

    def probabilities_cols(self, X_cols, rng=None) -> np.ndarray:
        """Forward pass of a column batch (features × B) to probabilities (n_out × B)."""
        chip = None if self.device is None else self._on_chip(rng)
        optical = () if self.device is None else [
            l for l in range(len(self.weights)) if self.device.optical_activation(l)]
        return probabilities_cols(self.net, self.weights, self.activation, X_cols, chip,
                                  optical)

    def _on_chip(self, rng):
        """Layer l's product on the programmed device, read-out noise from ``rng`` or
        the model's own stream."""
        rng = self.rng if rng is None else rng
        if rng is None and self.device.noisy:
            raise ValueError("a model on a noisy device needs an rng to evaluate")
        layers, net, weights = self.device.layers, self.net, self.weights

        def product(l, u):
            if layers[l] is None:  # a layer kept digital
                return net.layers[l].linear(weights[l], u)
            return layers[l].forward(u, rng=rng, count=False)
        return product

    def _chunks(self, X):
        """Column blocks of float32 features, converted a block at a time (a
        :class:`~emulator.data.Rows` set is never converted whole)."""
        if not hasattr(X, "__len__") or not hasattr(X, "__getitem__"):
            X = np.asarray(X)
        n = EVAL_SAMPLES if self.net.dense else EVAL_IMAGES
        for i in range(0, len(X), n):
            block = np.asarray(X[i:i + n], dtype=DTYPE)
            yield i, np.ascontiguousarray(block.transpose())

    def probabilities(self, X, rng=None) -> np.ndarray:
        """Output probabilities (N × n_out) for samples as rows (N × features)."""
        parts = [self.probabilities_cols(c, rng) for _, c in self._chunks(X)]
        return np.concatenate(parts, axis=1).transpose()

    def predict(self, X, rng=None) -> np.ndarray:
        return self.probabilities(X, rng).argmax(axis=1)

    def score(self, X, y, rng=None) -> tuple[float, float]:
        """(accuracy, mean cross-entropy) on rows X with labels y."""
        y = np.asarray(y)
        correct, loss = 0, 0.0
        for i, cols in self._chunks(X):
            p = self.probabilities_cols(cols, rng)
            yc = y[i:i + cols.shape[1]]
            correct += int(np.count_nonzero(p.argmax(axis=0) == yc))
            picked = p[yc, np.arange(len(yc))].astype(np.float64)
            loss -= float(np.log(np.maximum(picked, 1e-30)).sum())
        return correct / len(y), loss / len(y)
