"""Layers on emulated meshes: mapping, non-idealities, counters, in-situ training, deploy."""

from __future__ import annotations

import numpy as np
import pytest

from emulator.data import load_dataset
from components.errors import UserError
from emulator.training import HardwareSpec, deploy, evaluate, train
from emulator.training.optical import OpticalLayer, _quantize_symmetric


def layer(shape=(6, 8), seed=0, **spec):
    rng = np.random.default_rng(seed)
    W = rng.uniform(-1, 1, shape).astype(np.float32)
    lay = OpticalLayer(shape, HardwareSpec(**spec), np.random.default_rng(seed + 1))
    lay.program(W)
    return W, lay


def test_perfect_hardware_realises_the_weights():
    W, lay = layer()
    np.testing.assert_allclose(lay.matrix, W, atol=1e-5)
    x = np.random.default_rng(2).random((8, 5), dtype=np.float32)
    np.testing.assert_allclose(lay.forward(x), W @ x, atol=1e-5)


def test_imperfections_move_the_matrix_by_the_expected_amount():
    W, _ = layer()
    errs = {}
    for name, spec in {"8 bit": dict(phase_bits=8), "4 bit": dict(phase_bits=4),
                       "sigma": dict(phase_sigma=0.02), "loss": dict(mzi_loss_db=0.1),
                       "crosstalk": dict(crosstalk=0.01)}.items():
        _, lay = layer(**spec)
        errs[name] = np.abs(lay.matrix - W).max() / np.abs(W).max()
    assert 0 < errs["8 bit"] < errs["4 bit"]  # coarser DACs, larger error
    assert all(1e-4 < e < 0.5 for e in errs.values()), errs
    # loss only attenuates: every entry shrinks towards 0 by a common-ish factor
    _, lossy = layer(mzi_loss_db=0.1)
    assert np.linalg.norm(lossy.matrix) < np.linalg.norm(W)


def test_static_error_is_drawn_once_per_mesh():
    W, lay = layer(phase_sigma=0.05)
    first = lay.matrix.copy()
    lay.program(W)  # same weights, same chip: same realised matrix
    assert np.array_equal(first, lay.matrix)
    _, other = layer(phase_sigma=0.05, seed=0)
    other_chip = OpticalLayer(W.shape, HardwareSpec(phase_sigma=0.05),
                              np.random.default_rng(99))
    other_chip.program(W)
    assert not np.allclose(other_chip.matrix, first)


@pytest.mark.parametrize("bits, levels", [
    (2, [-0.75, -0.25, 0.25, 0.75]),
    (3, [-0.875, -0.625, -0.375, -0.125, 0.125, 0.375, 0.625, 0.875]),
])
@pytest.mark.parametrize("full_scale", [1.0, 2.5])
def test_quantizer_has_exactly_2_to_the_bits_levels_inside_full_scale(bits, levels,
                                                                      full_scale):
    x = np.linspace(-1.5 * full_scale, 1.5 * full_scale, 2001, dtype=np.float32)
    out = np.empty_like(x)
    _quantize_symmetric(x, bits, full_scale, out)
    np.testing.assert_allclose(np.unique(out), np.array(levels) * full_scale, rtol=1e-6)
    assert np.abs(out - np.clip(x, -full_scale, full_scale)).max() <= \
        full_scale / 2 ** bits * (1 + 1e-6)  # within half a step inside the range
    _quantize_symmetric(x, bits, full_scale, x)  # in place gives the same
    np.testing.assert_array_equal(x, out)


def test_converters_quantize_and_noise_is_seeded():
    W, lay = layer(adc_bits=3)
    x = np.random.default_rng(0).random((8, 50), dtype=np.float32)
    z = lay.forward(x)
    assert len(np.unique(z)) <= 2 ** 3
    _, noisy = layer(detector_noise=0.01)
    a = noisy.forward(x, rng=np.random.default_rng(1))
    b = noisy.forward(x, rng=np.random.default_rng(1))
    assert np.array_equal(a, b) and not np.allclose(a, W @ x, atol=1e-4)
    assert np.abs(a - W @ x).max() < 0.1 * np.abs(W @ x).max()


def test_counters_per_step():
    d = load_dataset("xor")
    h = train(d, layers=[3, 4, 2], activation="square", epochs=5, batch=4, progress=False,
              hardware=dict(phase_bits=8))
    c = h.counters
    assert c["steps"] == 5
    # per step: pass 1 through both layers, pass 2 through the hidden layer
    assert c["mesh_passes"] == 3 * 5
    assert c["dac_conversions"] == 5 * (3 * 4 + 4 * 4 + 3 * 4)
    assert c["adc_conversions"] == 5 * (4 * 4 + 2 * 4 + 4 * 4)
    # programming: at start and after each of the 5 updates
    assert c["reprograms"] == 2 * (1 + 5)
    # a mesh on n modes has n(n-1)/2 MZIs (θ and φ each) and n output phases
    writes = sum(n * (n - 1) + n for n in (4, 3, 2, 4)) + 3 + 2  # + attenuators
    assert c["phase_writes"] == writes * c["reprograms"] // 2
    assert h.per_step()["mesh_passes"] == 3


def test_in_situ_with_perfect_hardware_follows_the_ideal_run():
    d = load_dataset("digits", 1)
    kw = dict(layers=[64, 12, 10], epochs=2, progress=False, seed=4)
    ideal = train(d, **kw)
    perfect = train(d, hardware={}, **kw)
    for a, b in zip(ideal.weights, perfect.weights):
        np.testing.assert_allclose(a, b, atol=2e-4)
    assert abs(ideal.test_accuracy - perfect.test_accuracy) < 0.01


def test_in_situ_tpfp_learns_on_imperfect_mesh_and_deploy_degrades_bp():
    d = load_dataset("digits", 1)
    hw = dict(phase_bits=8, phase_sigma=0.02)
    kw = dict(layers=[64, 16, 10], epochs=3, progress=False, seed=1)
    ideal = train(d, **kw)
    insitu = train(d, hardware=hw, **kw)
    assert insitu.test_accuracy > 0.35  # learning (chance is 0.1) ...
    for a, b in zip(ideal.test_accuracy_per_epoch, insitu.test_accuracy_per_epoch):
        assert abs(a - b) < 0.03  # ... and tracking the ideal run epoch by epoch
    assert insitu.model.device is not None
    assert evaluate(insitu, d.X_test, d.y_test) == pytest.approx(insitu.test_accuracy,
                                                                 abs=1e-9)
    # ideal bp weights on a strongly imperfect chip, without retraining, lose accuracy
    bp = train(d, layers=[64, 16, 10], method="bp", epochs=30, progress=False, seed=1)
    chip = deploy(bp.model, dict(phase_bits=6, phase_sigma=0.1), seed=1)
    assert evaluate(chip, d.X_test, d.y_test) < bp.test_accuracy - 0.02
    assert evaluate(deploy(bp.model, {}, seed=1), d.X_test, d.y_test) == pytest.approx(
        bp.test_accuracy, abs=0.01)


def test_hardware_spec_errors():
    with pytest.raises(UserError, match="did you mean 'phase_sigma'"):
        HardwareSpec.parse({"phase_sigm": 0.1})
    with pytest.raises(UserError) as err:
        HardwareSpec.parse({"phase_bits": 0, "phase_sigma": -1, "reprogram_every": 0,
                            "reprogram_drift": float("nan")})
    assert len(err.value.problems) == 4
    assert HardwareSpec.parse(None) is None
    assert HardwareSpec.parse({"phase_bits": 8}).phase_bits == 8


def test_drift_policy_reprograms_only_layers_that_moved():
    """With reprogram_drift = 1 %, an update of 0.5 % leaves the chip as it was and one of
    2 % re-maps that layer only; drift is ‖W − W_prog‖/‖W_prog‖ by hand."""
    rng = np.random.default_rng(3)
    weights = [rng.uniform(-1, 1, (5, 7)).astype(np.float32),
               rng.uniform(-1, 1, (3, 5)).astype(np.float32)]
    from emulator.training.optical import Device
    dev = Device(weights, HardwareSpec(phase_bits=8, reprogram_drift=0.01),
                 np.random.default_rng(4))
    held = [lay.matrix.copy() for lay in dev.layers]
    step = rng.normal(size=weights[0].shape).astype(np.float32)
    small = 0.005 * np.linalg.norm(weights[0]) / np.linalg.norm(step)
    w0 = weights[0].copy()
    weights[0] += small * step
    assert dev.layers[0].drift(weights[0]) == pytest.approx(
        np.linalg.norm(weights[0] - w0) / np.linalg.norm(w0), rel=1e-5)
    dev.after_update(1)
    assert dev.counters["reprograms"] == 2  # only the initial programming
    assert np.array_equal(dev.layers[0].matrix, held[0])
    weights[0] += 3 * small * step  # now 2 % away from what the chip holds
    dev.after_update(2)
    assert [lay.counters["reprograms"] for lay in dev.layers] == [2, 1]
    assert (np.linalg.norm(dev.layers[0].matrix - weights[0])
            < np.linalg.norm(held[0] - weights[0]))  # the chip now follows the new weights
    assert np.array_equal(dev.layers[1].matrix, held[1])
    weights[1] *= 1.001  # tiny change: sync at the end of training still writes it
    dev.sync()
    assert [lay.counters["reprograms"] for lay in dev.layers] == [2, 2]
    assert np.array_equal(dev.layers[1].programmed, weights[1])


def test_drift_policy_in_training_ends_with_the_final_weights_on_chip():
    d = load_dataset("digits", 1)
    kw = dict(layers=[64, 12, 10], epochs=3, progress=False, seed=2,
              hardware=dict(phase_bits=8, reprogram_drift=0.02))
    h = train(d, **kw)
    c = h.counters
    assert 2 * 3 < c["reprograms"] < 2 * (1 + c["steps"])  # skipped some, not all
    for lay, w in zip(h.model.device.layers, h.weights):
        assert np.array_equal(lay.programmed, w)
