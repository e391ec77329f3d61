"""Derivatives f'(z) of the activations, for backpropagation only.

``d(z, out) -> out`` takes the pre-activation ``z`` (not the activation, which dropout
may have rescaled).  TPFP must never import this module.
"""

from __future__ import annotations

import numpy as np

from .activations import SATURABLE_ALPHA0, SATURABLE_ISAT, sigmoid


def d_relu(z, out):
    return np.greater(z, 0.0, out=out, casting="unsafe")


def d_tanh(z, out):
    np.tanh(z, out=out)
    np.multiply(out, out, out=out)
    np.subtract(1.0, out, out=out)
    return out


def d_sigmoid(z, out):
    s = sigmoid(z, np.empty_like(z))
    np.subtract(1.0, s, out=out)
    out *= s
    return out


def d_square(z, out):
    return np.multiply(z, 2.0, out=out)


def d_saturable(z, out):
    """f = z·√T(z²):  f' = √T + z²·T'(z²)/√T,  T'(I) = α0/I_sat / (1 + I/I_sat)²."""
    i = np.multiply(z, z)
    u = 1.0 + i / SATURABLE_ISAT
    t = 1.0 - SATURABLE_ALPHA0 / u
    dt = (SATURABLE_ALPHA0 / SATURABLE_ISAT) / (u * u)
    rt = np.sqrt(t)
    np.add(rt, i * dt / rt, out=out)
    return out


def d_identity(z, out):
    out.fill(1.0)
    return out


DERIVATIVES = {
    "relu": d_relu, "tanh": d_tanh, "sigmoid": d_sigmoid, "square": d_square,
    "saturable": d_saturable, "identity": d_identity,
}
