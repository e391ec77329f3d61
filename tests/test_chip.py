"""The chip model of a core netlist (emulator.chip): realisation against the compiled
netlist, the fast path against the event engine on the same programmed chip, and the
calibration's effect, each an independent computation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from components.errors import NetlistError
from emulator.chip import Chip
from emulator.chip.realise import programmed_netlist, realise
from emulator.compile import compile_netlist
from emulator.engine import simulate
from emulator.netlist import load_netlist
from emulator.netlist.generators import core_netlist
from emulator.chip.core import Core

ROOT = Path(__file__).resolve().parents[1]
CORE16 = ROOT / "netlists" / "onn_core_16.yaml"


def small_chip(n=4, params=None, layer=None, calibrate=True, cores=1):
    net = load_netlist(core_netlist(n, params=params or {}, layer=layer))
    layer_params = {}
    if layer is not None:
        layer_params = {k: v for k, v in layer.get("params", {}).items()
                        if k in ("mzi", "attenuator", "phase_shifter", "method")}
    return Chip(net, "layer", layer_params, "core.yaml", seed=3, calibrate=calibrate,
                cores=cores)


def test_realised_matrix_equals_the_compiled_programmed_netlist():
    # lossy parts, coarse drivers, crosstalk and fabrication errors all at once
    layer = {"generator": "svd_layer", "params": {
        "n": 5, "m": 5, "seed": 1,
        "mzi": {"loss": 0.4, "driver_bits": 5, "crosstalk": 0.03, "phase_error": 0.05},
        "phase_shifter": {"loss": 0.1, "driver_bits": 6, "phase_error": 0.02},
        "attenuator": {"loss": 0.3, "driver_bits": 4}}}
    chip = small_chip(5, layer=layer)
    W = np.random.default_rng(0).normal(size=(4, 5))  # a tile smaller than the core
    prog = realise(chip.spec, W, chip.offsets[0])
    compiled = compile_netlist(programmed_netlist(chip.netlist, "layer", prog))
    rows = [compiled.index_out[(f"pd{j}", "in0")] for j in range(5)]
    cols = [compiled.index_in[(f"mod{i}", "out0")] for i in range(5)]
    block = compiled.matrix[np.ix_(rows, cols)]
    assert np.max(np.abs(block - prog.matrix)) < 1e-12
    # and the imperfections are really there: far from the ideal W/scale
    ideal = np.zeros((5, 5))
    ideal[:4] = W / prog.gain
    assert np.max(np.abs(prog.matrix - ideal)) > 1e-2


def test_ideal_parts_realise_w_over_scale():
    layer = {"generator": "svd_layer", "params": {
        "n": 4, "m": 4, "seed": 1, "mzi": {"loss": 0.0, "driver_bits": 24},
        "phase_shifter": {"loss": 0.0, "driver_bits": 24},
        "attenuator": {"loss": 0.0, "driver_bits": 24}}}
    chip = small_chip(4, layer=layer)
    W = np.random.default_rng(1).normal(size=(4, 4))
    prog = realise(chip.spec, W, chip.offsets[0])
    # 24-bit drivers: phase steps of 4e-7 rad
    assert np.max(np.abs(prog.matrix - W / np.linalg.norm(W, 2))) < 1e-5


@pytest.mark.parametrize("calibrate", [True, False])
def test_fast_path_equals_event_engine_without_noise(calibrate):
    core = Core.load(CORE16)
    chip = Chip(core.netlist, core.layer, core.layer_params, core.file, seed=2,
                calibrate=calibrate)
    rng = np.random.default_rng(5)
    tile = chip.program(rng.normal(size=(16, 16)))
    codes = rng.uniform(-1.0, 1.0, (200, 16))
    fast = chip.analog(tile.matrix[None], codes[None], tile.readout.lo_phase[None],
                       tile.readout.tia_gain[None])[0]
    engine = simulate(chip.netlist_of(tile), codes).outputs
    assert engine.shape == fast.shape
    assert np.max(np.abs(engine - fast)) < 1e-12


def test_fast_path_and_event_engine_have_the_same_noise_statistics():
    core = Core.load(CORE16)
    chip = Chip(core.netlist, core.layer, core.layer_params, core.file, seed=2)
    rng = np.random.default_rng(6)
    tile = chip.program(rng.normal(size=(16, 16)))
    codes = np.tile(rng.uniform(-1.0, 1.0, (1, 16)), (10_000, 1))  # one vector, 10^4 times
    args = (tile.matrix[None], codes[None], tile.readout.lo_phase[None],
            tile.readout.tia_gain[None])
    fast = chip.analog(*args, rng=np.random.default_rng(7))[0]
    engine = simulate(chip.netlist_of(tile), codes, noise=True, seed=8).outputs
    quiet = chip.analog(*args)[0][0]
    sd_fast, sd_engine = fast.std(axis=0), engine.std(axis=0)
    assert np.all(sd_fast > 0.0)  # the shipped core is noisy: this test means something
    assert np.all(np.abs(sd_fast / sd_engine - 1.0) < 0.05)
    # means agree within 5 % of the spread (+ half an ADC step of quantization bias)
    lsb = 2.0 / 2 ** 8
    assert np.all(np.abs(fast.mean(axis=0) - engine.mean(axis=0)) < 0.05 * sd_engine + lsb)
    assert np.all(np.abs(fast.mean(axis=0) - quiet) < 0.05 * sd_fast + lsb)


def test_calibration_compensates_loss():
    # 0.5 dB per MZI: edge and centre paths lose differently and the whole layer is dim
    params = {"pd": {"mode": "coherent"}}
    layer = {"generator": "svd_layer", "params": {"n": 8, "m": 8, "seed": 1,
                                                  "mzi": {"loss": 0.5}}}
    W = np.random.default_rng(2).normal(size=(8, 8))
    u = np.random.default_rng(3).uniform(-1.0, 1.0, (2000, 8))
    errs = {}
    for cal in (True, False):
        chip = small_chip(8, params=params, layer=layer, calibrate=cal)
        z = chip.run([chip.program(W)], u[None])[0]
        errs[cal] = np.linalg.norm(z - u @ W.T) / np.linalg.norm(u @ W.T)
    # by hand: without calibration the read-out is off by the layer's loss, at least
    # the loss of the shortest path (the edge mode crosses 8/2 = 4 MZIs of each mesh)
    shortest = 10 ** (-0.5 * 8 / 20)
    assert errs[False] > 1.0 - shortest - 0.05
    assert errs[True] < 0.1


def test_each_physical_core_has_its_own_fabrication_errors():
    layer = {"generator": "svd_layer", "params": {"n": 4, "m": 4, "seed": 1,
                                                  "mzi": {"phase_error": 0.05}}}
    chip = small_chip(4, layer=layer, cores=2)
    W = np.random.default_rng(4).normal(size=(4, 4))
    a, b = chip.program(W, core=0), chip.program(W, core=1)
    assert np.max(np.abs(a.matrix - b.matrix)) > 1e-3
    again = chip.program(W, core=0)
    assert np.array_equal(a.matrix, again.matrix)  # drawn once: the same chip


def test_a_core_without_detector_after_the_layer_is_named(tmp_path):
    data = core_netlist(3)
    # put a waveguide between the layer and the first detector
    data["instances"]["wg"] = {"component": "waveguide", "params": {"length": "10 um"}}
    del data["connections"]["layer,out0"]
    data["connections"]["layer,out0"] = "wg,in0"
    data["connections"]["wg,out0"] = "pd0,in0"
    net = load_netlist(data)
    with pytest.raises(NetlistError, match="photodetector 'pd0' must read an output"):
        Chip(net, "layer", {}, "my_core.yaml")


def test_device_tiles_a_layer_like_the_cost_model():
    from emulator.chip.device import ChipDevice

    chip = small_chip(4, cores=3)
    rng = np.random.default_rng(9)
    W = rng.normal(size=(6, 10)).astype(np.float32)  # 2 x 3 tiles of a 4-port core
    dev = ChipDevice([W], chip)
    layer = dev.layers[0]
    assert (layer.rows, layer.cols, layer.n_tiles) == (2, 3, 6)
    assert layer.core_of == [0, 1, 2, 0, 1, 2]  # tiles go to the cores in turn
    x = rng.uniform(0.0, 2.0, (10, 5)).astype(np.float32)
    z = layer.forward(x)
    # independently: pad, cut, run each tile alone, add the row's partial sums
    s = float(np.abs(x).max())
    xp = np.zeros((12, 5))
    xp[:10] = x / s
    expect = np.zeros((8, 5))
    for r in range(2):
        for c in range(3):
            tile = layer.tiles[r * 3 + c]
            part = chip.run([tile], xp[4 * c:4 * c + 4].T[None])[0]  # (B, 4)
            expect[4 * r:4 * r + 4] += part.T
    assert np.allclose(z, (expect * s)[:6], rtol=1e-5, atol=1e-5)
    assert np.linalg.norm(z - W @ x) / np.linalg.norm(W @ x) < 0.1


def _folded_and_chain(noise: tuple | None = None):
    """One tiled layer on onn_core_16 read out by the folded stream and by the
    component-by-component path (the stream switched off), on the same programmed chip."""
    from emulator.chip.device import ChipLayer

    chip = Chip.of(Core.load(CORE16), cores=2, seed=4)
    rng = np.random.default_rng(10)
    W = rng.normal(size=(20, 40)).astype(np.float32)  # 2 x 3 tiles
    layer = ChipLayer(chip, W.shape, 0)
    layer.program(W)
    x = rng.uniform(-1.0, 2.0, (40, 64)).astype(np.float32)
    if noise is not None:
        x = np.repeat(x[:, :1], 10_000, axis=1)  # one vector, 10^4 reads
    rngs = [None, None] if noise is None else [np.random.default_rng(s) for s in noise]
    assert layer._stream is not None  # coherent detection of real light: folded
    fast = layer.forward(x, rng=rngs[0], count=False)
    slow = layer.forward(x, rng=rngs[1], count=False, chained=True)
    return W, x, fast, slow


def test_folded_readout_equals_the_component_chain():
    W, x, fast, slow = _folded_and_chain()
    assert np.max(np.abs(fast - slow)) <= 1e-12 * np.max(np.abs(slow))
    assert np.linalg.norm(fast - W @ x) / np.linalg.norm(W @ x) < 0.1


def test_folded_readout_has_the_component_chains_noise():
    _, _, fast, slow = _folded_and_chain(noise=(12, 13))
    sd_fast, sd_slow = fast.std(axis=1), slow.std(axis=1)
    assert np.all(sd_slow > 0.0)  # the shipped core is noisy: the test means something
    assert np.all(np.abs(sd_fast / sd_slow - 1.0) < 0.05)
    # means within 5 standard errors of 10^4 reads
    assert np.all(np.abs(fast.mean(axis=1) - slow.mean(axis=1)) < 0.05 * sd_slow)


def test_drift_policy_rewrites_only_the_tiles_that_moved():
    from emulator.chip.device import ChipDevice

    chip = small_chip(4)
    W = np.random.default_rng(1).normal(size=(8, 8)).astype(np.float32)
    dev = ChipDevice([W], chip, drift=0.01)
    assert dev.counters["tile_writes"] == 4
    W[0, 0] += 0.5 * abs(W[0, 0]) + 0.1  # moves tile (0, 0) only, by far more than 1 %
    W[5, 5] *= 1.0001  # tile (1, 1), by far less
    dev.after_update(1)
    assert dev.counters["tile_writes"] == 5
    assert dev.layers[0].drift(W, 3) > 0.0  # tile (1, 1) still lags the weights
    dev.sync()
    assert dev.counters["tile_writes"] == 6 and dev.layers[0].drift(W, 3) == 0.0


def test_intensity_detection_is_an_optical_square_law():
    from components.errors import UserError
    from emulator.chip.device import ChipDevice

    lossless = {"loss": 0.0}  # the nominal read-out assumes a lossless layer
    layer = {"generator": "svd_layer", "params": {
        "n": 4, "m": 4, "seed": 1, "mzi": lossless, "phase_shifter": lossless,
        "attenuator": lossless}}
    # |E|² up to ~4 mW at the detectors: 100 Ohm keeps the nominal read-out in range
    params = {"pd": {"mode": "intensity"}, "laser": {"power": "100 mW"},
              "tia": {"gain": "100 Ohm"}}
    W = np.random.default_rng(5).normal(size=(3, 4)).astype(np.float32)
    x = np.random.default_rng(6).uniform(0.0, 3.0, (4, 400)).astype(np.float32)
    for cal in (True, False):
        dev = ChipDevice([W], small_chip(4, params=params, layer=layer, calibrate=cal))
        assert dev.layers[0].activation == "square"
        assert dev.describe()["activations"].startswith("optical")
        z2 = dev.layers[0].forward(x)
        want = (W @ x) ** 2
        assert np.linalg.norm(z2 - want) / np.linalg.norm(want) < 0.05
    # a 6-input layer on the 4-input core would add squared partial fields: refused
    with pytest.raises(UserError, match="detects intensity"):
        ChipDevice([np.ones((3, 6), np.float32)], small_chip(4, params=params, layer=layer))


def test_balanced_layer_realises_w_within_one_percent_at_the_default_loss():
    # perfect phases (24-bit drivers, no errors), the library's default part losses: the
    # realised matrix is W/scale times one scalar, to well below 1 %
    layer = {"generator": "svd_layer", "params": {
        "n": 16, "m": 16, "seed": 1, "mzi": {"driver_bits": 24},
        "phase_shifter": {"driver_bits": 24}, "attenuator": {"driver_bits": 24}}}
    chip = small_chip(16, layer=layer)
    W = np.random.default_rng(7).normal(size=(16, 16))
    M = realise(chip.spec, W, chip.offsets[0]).matrix
    c = np.vdot(W, M) / np.vdot(W, W)  # best scalar
    assert np.linalg.norm(M - c * W) / np.linalg.norm(c * W) < 0.01
    # and without the dummy sections the same layer is far off (the reviewer's 29 %)
    unbalanced = {"generator": "svd_layer", "params": {**layer["params"],
                                                       "balance_loss": False}}
    chip = small_chip(16, layer=unbalanced)
    M = realise(chip.spec, W, chip.offsets[0]).matrix
    c = np.vdot(W, M) / np.vdot(W, W)
    assert np.linalg.norm(M - c * W) / np.linalg.norm(c * W) > 0.05
