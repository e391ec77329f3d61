"""Guards shared by the rule tests of the dense and the convolutional trainers, and the
short digits run the in-situ training tests share."""

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


@pytest.fixture(scope="session")
def digits():
    """The digits set, split with seed 1."""
    from emulator.data import load_dataset
    return load_dataset("digits", 1)


@pytest.fixture(scope="session")
def short_run():
    """``short_run(data, hardware=None, **kw)``: a 15-epoch 64-32-10 run of seed 1
    (keywords override), on the chip ``hardware`` if given."""
    from emulator.training import train

    def run(d, hardware=None, **kw):
        args = dict(layers=[64, 32, 10], seed=1, epochs=15, progress=False)
        return train(d, hardware=hardware, **{**args, **kw})
    return run
