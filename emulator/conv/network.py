"""The optical CNN models, built as a :class:`~emulator.training.net.Net` of layers.

Two models, both ending in a dense head whose last layer is a softmax:

``patch_conv``    [conv (+ activation, pooling)] × n  →  dense head
``column_strip``  each image column through its own small network (strip layers
                  H → h → … → 1)  →  dense head on the W column outputs

Every layer but the last applies the activation (a physical one by default: square-law
detection for the conv layers, a saturable absorber in the column networks), except a
column network's scalar output with ``readout="linear"``: it is read out coherently
(a signed field amplitude), not through the nonlinearity.  No biases.
The forward pass, init and trained Model are the ones of every net
(:mod:`emulator.training.net`, :mod:`emulator.training.network`).
"""

from __future__ import annotations

import numpy as np

from emulator.training.net import Dense, Net

from .layers import Conv, Layer, Strip

MODELS = ("patch_conv", "column_strip")


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


__all__ = ["MODELS", "column_strip", "patch_conv"]
