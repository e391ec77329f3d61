"""Guards shared by the rule tests of the dense and the convolutional trainers."""

import numpy as np
import pytest

import emulator.training.derivatives as derivatives


class NoTranspose(np.ndarray):
    """A weight that fails loudly if anything transposes it.  Products computed from it
    are plain arrays (activations may be transposed)."""

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        return np.asarray(arr)

    @property
    def T(self):
        raise AssertionError("a weight was transposed")

    def transpose(self, *a):
        raise AssertionError("a weight was transposed")

    def swapaxes(self, *a):
        raise AssertionError("a weight was transposed")


@pytest.fixture
def guard():
    """``guard(w)``: a copy of ``w`` that raises if transposed."""
    return lambda w: np.array(w, copy=True).view(NoTranspose)


@pytest.fixture
def no_derivatives(monkeypatch):
    """Every activation derivative raises if called."""
    def boom(*a, **k):
        raise AssertionError("a derivative was called")
    for name in list(derivatives.DERIVATIVES):
        monkeypatch.setitem(derivatives.DERIVATIVES, name, boom)
