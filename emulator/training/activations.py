"""Activation functions, forward only: ``f(z, out) -> out`` (``out`` may be ``z``).

TPFP never needs a derivative, so this module holds none; backpropagation's derivatives
live in :mod:`emulator.training.derivatives`.

Physical models
---------------
``square``     photodetection of a field: f(z) = |z|² (z real here: z²).
``saturable``  a saturable absorber acting on the field z.  Its intensity transmission is

                   T(I) = 1 − α0 / (1 + I / I_sat),       I = |z|²

               (α0 = ``SATURABLE_ALPHA0`` = 0.9 is the small-signal absorption, I_sat =
               ``SATURABLE_ISAT`` = 1 in units of the squared pre-activation), and the field
               is multiplied by the amplitude transmission √T:  f(z) = z · √T(z²).
               Weak signals are absorbed (slope √(1−α0) ≈ 0.32), strong ones pass
               (slope → 1): a smooth, odd, monotonic threshold.
"""

from __future__ import annotations

import numpy as np

from components.errors import Problem, UserError, did_you_mean

SATURABLE_ALPHA0 = 0.9
SATURABLE_ISAT = 1.0


def relu(z, out):
    return np.maximum(z, 0.0, out=out)


def tanh(z, out):
    return np.tanh(z, out=out)


def sigmoid(z, out):
    with np.errstate(over="ignore"):
        np.negative(z, out=out)
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def square(z, out):
    return np.multiply(z, z, out=out)


def saturable(z, out):
    """f(z) = z·sqrt(1 − α0/(1 + z²/I_sat))."""
    t = np.multiply(z, z)
    t *= 1.0 / SATURABLE_ISAT
    t += 1.0
    np.reciprocal(t, out=t)
    t *= -SATURABLE_ALPHA0
    t += 1.0
    np.sqrt(t, out=t)
    return np.multiply(z, t, out=out)


def identity(z, out):
    if out is not z:
        np.copyto(out, z)
    return out


ACTIVATIONS = {
    "relu": relu, "tanh": tanh, "sigmoid": sigmoid, "square": square,
    "saturable": saturable, "identity": identity,
}
ALIASES = {"square-law": "square", "square_law": "square", "linear": "identity",
           "saturable-absorber": "saturable"}


def activation_name(name: str) -> str:
    """The canonical activation name, or a UserError with a suggestion."""
    key = ALIASES.get(str(name), str(name))
    if key not in ACTIVATIONS:
        raise UserError(Problem(f"unknown activation {name!r}", path="activation",
                                hint=did_you_mean(name, [*ACTIVATIONS, *ALIASES])
                                or "one of " + ", ".join(ACTIVATIONS)))
    return key
