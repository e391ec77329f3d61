"""Derivatives f'(z) of the activations, for backpropagation only.

``d(z, x, out) -> out`` gets the pre-activation ``z`` and the activation ``x = f(z)``
(whichever is cheaper to use).  TPFP must never import this module.
"""

from __future__ import annotations

import numpy as np

from .activations import SATURABLE_ALPHA0, SATURABLE_ISAT


def d_relu(z, x, out):
    return np.greater(z, 0.0, out=out, casting="unsafe")


def d_tanh(z, x, out):
    np.multiply(x, x, out=out)
    np.subtract(1.0, out, out=out)
    return out


def d_sigmoid(z, x, out):
    np.subtract(1.0, x, out=out)
    out *= x
    return out


def d_square(z, x, out):
    return np.multiply(z, 2.0, out=out)


def d_saturable(z, x, out):
    """f = z·√T(z²):  f' = √T + z²·T'(z²)/√T,  T'(I) = α0/I_sat / (1 + I/I_sat)²."""
    i = np.multiply(z, z)
    u = 1.0 + i / SATURABLE_ISAT
    t = 1.0 - SATURABLE_ALPHA0 / u
    dt = (SATURABLE_ALPHA0 / SATURABLE_ISAT) / (u * u)
    rt = np.sqrt(t)
    np.add(rt, i * dt / rt, out=out)
    return out


def d_identity(z, x, out):
    out.fill(1.0)
    return out


DERIVATIVES = {
    "relu": d_relu, "tanh": d_tanh, "sigmoid": d_sigmoid, "square": d_square,
    "saturable": d_saturable, "identity": d_identity,
}
