"""The named random streams: distinct, reproducible, independent of each other's use."""

import numpy as np
import pytest

from emulator.rng import STREAMS, seed_sequence, stream


def test_named_streams_never_coincide():
    # first 8 draws of every named stream, of 50 cells below cell_noise, and of the root
    # and its plain spawn children (what code used before the tree): all different
    draws = {name: stream(7, name).integers(0, 2**63, 8).tobytes() for name in STREAMS}
    draws.update({f"cell{i}": stream(7, "cell_noise", i).integers(0, 2**63, 8).tobytes()
                  for i in range(50)})
    draws["root"] = np.random.default_rng(7).integers(0, 2**63, 8).tobytes()
    assert len(set(draws.values())) == len(draws)


def test_same_seed_same_stream_and_seeds_differ():
    a = stream(3, "init").random(5)
    assert np.array_equal(a, stream(3, "init").random(5))
    assert not np.array_equal(a, stream(4, "init").random(5))


def test_child_of_a_sequence():
    parent = seed_sequence(5, "chip")
    a = stream(parent, "cell_noise", 2).random(3)
    assert np.array_equal(a, stream(parent, "cell_noise", 2).random(3))
    assert not np.array_equal(a, stream(5, "cell_noise", 2).random(3))


def test_unknown_stream_is_an_error():
    with pytest.raises(ValueError, match="unknown random stream 'inits'"):
        stream(1, "inits")
