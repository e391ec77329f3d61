"""train_conv: learning on MNIST slices, reproducibility, workload facts, argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from emulator.conv import ConvHistory, build_net, evaluate_conv, train_conv, workload
from emulator.data import Dataset, load_dataset
from components.errors import DivergenceError, UserError


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist5k", 1)


@pytest.fixture(scope="module")
def mnist_slice(mnist):
    return Dataset("mnist5k-slice", mnist.X_train[:1000], mnist.y_train[:1000],
                   mnist.X_test[:500], mnist.y_test[:500], 10)


# --------------------------------------------------------------------- learning
def test_patch_conv_tpfp_learns_on_a_slice_and_moves_the_conv_weights(mnist_slice):
    kw = dict(epochs=3, progress=False, seed=1)
    tpfp = train_conv(mnist_slice, method="tpfp", **kw)
    frozen = train_conv(mnist_slice, method="frozen", **kw)
    assert tpfp.test_accuracy > 0.6  # chance is 0.1
    init = train_conv(mnist_slice, method="tpfp", lr=1e-12, **kw).weights
    assert np.array_equal(frozen.weights[0], init[0])  # frozen: conv kept at init
    moved = np.linalg.norm(tpfp.weights[0] - init[0]) / np.linalg.norm(init[0])
    assert 1e-4 < moved < 0.2  # tpfp: the conv weights learn, by a small step


def test_column_strip_tpfp_beats_the_frozen_control(mnist):
    """The strip's bottleneck is one scalar per column: random column networks throw
    most of the image away, TPFP learns what to keep (≈ +7 points here, +12 after 100
    epochs; see benchmarks/bench_conv.py --accuracy)."""
    gaps = []
    for seed in (2, 3):
        d = load_dataset("mnist5k", seed)
        kw = dict(model="column_strip", epochs=40, progress=False, seed=seed)
        t = train_conv(d, method="tpfp", **kw).test_accuracy
        f = train_conv(d, method="frozen", **kw).test_accuracy
        assert t > 0.68
        gaps.append(t - f)
    assert np.mean(gaps) > 0.04, gaps


def test_bp_learns_both_models(mnist_slice):
    conv = train_conv(mnist_slice, method="bp", lr=0.03, epochs=5, progress=False)
    strip = train_conv(mnist_slice, model="column_strip", method="bp", lr=0.03, epochs=5,
                       progress=False)
    assert conv.test_accuracy > 0.8 and strip.test_accuracy > 0.55


def test_bp_modulated_runs_on_a_conv_model_and_learns(mnist_slice):
    h = train_conv(mnist_slice, method="bp_modulated", lr=0.03, epochs=3, progress=False)
    assert h.config["method"] == "bp_modulated"
    assert h.test_accuracy > 0.5  # chance is 0.1
    assert all(np.isfinite(w).all() for w in h.weights)


def test_dropout_on_a_conv_model_is_seeded_and_changes_the_run(mnist_slice):
    kw = dict(epochs=1, channels=2, progress=False, seed=3)
    a = train_conv(mnist_slice, dropout=0.3, **kw)
    b = train_conv(mnist_slice, dropout=0.3, **kw)
    c = train_conv(mnist_slice, **kw)
    assert a == b and a.config["dropout"] == 0.3
    assert not np.array_equal(a.weights[0], c.weights[0])
    assert a.test_accuracy > 0.3


# --------------------------------------------------------------------- runs and results
def test_same_seed_same_history_other_seed_differs(mnist_slice):
    kw = dict(epochs=2, progress=False, channels=2)
    a = train_conv(mnist_slice, seed=7, **kw)
    b = train_conv(mnist_slice, seed=7, **kw)
    c = train_conv(mnist_slice, seed=8, **kw)
    assert isinstance(a, ConvHistory)
    assert a == b and a.test_accuracy_per_epoch == b.test_accuracy_per_epoch
    assert all(np.array_equal(p, q) for p, q in zip(a.weights, b.weights))
    assert a != c
    s1 = train_conv(mnist_slice, model="column_strip", seed=3, epochs=2, progress=False)
    s2 = train_conv(mnist_slice, model="column_strip", seed=3, epochs=2, progress=False)
    assert s1 == s2


def test_methods_share_initial_weights_for_a_seed(mnist_slice):
    a = train_conv(mnist_slice, method="frozen", epochs=1, seed=3, progress=False)
    b = train_conv(mnist_slice, method="bp", epochs=1, seed=3, progress=False, lr=1e-12)
    np.testing.assert_allclose(a.weights[0], b.weights[0], atol=1e-9)


def test_history_contents(mnist_slice):
    h = train_conv(mnist_slice, epochs=5, batch=100, progress=False, kernel=3, pool=2,
                   channels=[3, 4], stride=[1, 2], padding=[1, 0], head=[16])
    assert h.epochs == 5 and len(h.train_loss_per_epoch) == 5
    assert h.counters["steps"] == 5 * 10
    assert [w.shape for w in h.weights] == [(3, 9), (4, 27), (16, 36), (10, 16)]
    assert h.lr_per_epoch == [0.1, 0.1, 0.1, 0.01, 0.001]
    assert evaluate_conv(h, mnist_slice.X_test, mnist_slice.y_test) == pytest.approx(
        h.test_accuracy)
    d = h.to_dict()
    assert d["config"]["kernel"] == [3, 3] and d["config"]["conv_norm"] == "sqrt"
    assert d["config"]["activation"] == "square" and d["config"]["fscale"] == 0.02
    assert d["model"][0].startswith("conv1: 1x28x28 -> 3 channels 28x28")
    assert h.workload().layers[0].invocations == 28 * 28


def test_progress_bar_and_spec(capsys):
    d = load_dataset("mnist5k", 0)
    small = Dataset("tiny", d.X_train[:200], d.y_train[:200], d.X_test[:50], d.y_test[:50], 10)
    train_conv(small, model="column_strip", epochs=2, progress=True)
    assert "column_strip tpfp" in capsys.readouterr().err


def test_full_mnist_from_idx_files(tmp_path):
    """'mnist:FOLDER' goes through the same loader as the dense models."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_data import write_mnist

    write_mnist(tmp_path, n_train=40, n_test=20, size=28)
    h = train_conv(f"mnist:{tmp_path}", epochs=1, progress=False)
    assert h.config["data"] == f"mnist:{tmp_path}" and h.epochs == 1


# --------------------------------------------------------------------- workload
def test_column_strip_workload_28_blocks_28_invocations_per_image():
    w = workload(build_net((1, 28, 28), "column_strip", hidden=28), ports=32, cores=1)
    strip1, strip2, head = w.layers
    assert (strip1.blocks, strip1.block_shape, strip1.invocations) == (28, (28, 28), 28)
    assert (strip2.blocks, strip2.block_shape, strip2.invocations) == (28, (1, 28), 28)
    assert not strip1.shared and strip1.switches == 27  # a new block for every column
    assert strip1.dac_conversions == 784 and strip2.adc_conversions == 28
    assert head.block_shape == (10, 28) and head.invocations == 1
    assert w.weight_tiles == 57 and w.reprograms_per_image == 57
    assert workload(build_net((1, 28, 28), "column_strip"), cores=57).reprograms_per_image == 0


def test_patch_conv_workload_one_shared_block_no_reprogramming():
    net = build_net((1, 28, 28), "patch_conv", kernel=5, channels=4, pool=4)
    conv, head = workload(net).layers
    assert conv.shared and conv.blocks == 1 and conv.switches == 0
    assert conv.invocations == 24 * 24 and (conv.vector_in, conv.vector_out) == (25, 4)
    assert conv.dac_conversions == 576 * 25 and conv.adc_conversions == 576 * 4
    assert head.block_shape == (10, 144) and head.tiles_per_block == 5
    assert head.partial_sum_adds == 4 * 10  # five column tiles joined digitally
    w = workload(net, cores=6)
    assert w.stationary and w.reprograms_per_image == 0
    p = w.per_pass()
    assert p["forward"]["invocations"] == 576 + 5 == p["modulated_forward"]["invocations"]
    assert p["modulated_forward"]["modulation_macs"] == 7840
    assert p["update"]["invocations"] == 0 and p["update"]["tiles_reprogrammed_per_batch"] == 6


def test_conv_blocks_larger_than_the_core_are_tiled():
    net = build_net((1, 28, 28), "patch_conv", kernel=7, channels=40, pool=2)
    conv = workload(net, ports=32).layers[0]
    assert conv.block_shape == (40, 49) and conv.tiles_per_block == 2 * 2
    assert conv.invocations == 22 * 22 * 4
    assert conv.dac_conversions == 22 * 22 * 2 * 49  # each row tile sees the whole patch
    assert conv.adc_conversions == 22 * 22 * 2 * 40  # each column tile reads partial sums


# --------------------------------------------------------------------- errors
def test_bad_arguments_are_user_errors_listing_every_problem(mnist_slice):
    with pytest.raises(UserError) as err:
        train_conv(mnist_slice, method="tpfb", epochs=0, lr=-1, batch=0, activation="sqare",
                   progress=False)
    text = str(err.value)
    for word in ("did you mean 'tpfp'", "epochs", "lr:", "batch",
                 "did you mean 'square'"):
        assert word in text, word
    with pytest.raises(UserError, match="did you mean 'patch_conv'"):
        train_conv(mnist_slice, model="patch_cnv", progress=False)
    with pytest.raises(UserError, match="kernel applies to model patch_conv only"):
        train_conv(mnist_slice, model="column_strip", kernel=5, progress=False)
    with pytest.raises(UserError, match="hidden applies to model column_strip only"):
        train_conv(mnist_slice, hidden=8, progress=False)
    with pytest.raises(UserError, match="kernel 30 is larger"):
        train_conv(mnist_slice, kernel=30, progress=False)
    with pytest.raises(UserError, match="pooling 25x25 does not fit its 24x24 output"):
        train_conv(mnist_slice, kernel=5, pool=25, progress=False)
    with pytest.raises(UserError, match="disagree on the number of conv layers: kernel has 2, channels has 3"):
        train_conv(mnist_slice, kernel=[5, 3], channels=[4, 4, 4], progress=False)
    with pytest.raises(UserError, match="conv_norm: 'root' is not one of"):
        train_conv(mnist_slice, conv_norm="root", progress=False)
    with pytest.raises(UserError, match="square one-channel images"):
        train_conv("xor", progress=False)


def test_divergence_names_epoch_and_layer(mnist_slice):
    with pytest.raises(DivergenceError) as err:
        train_conv(mnist_slice, method="tpfp", conv_norm="sum", lr=100, epochs=2,
                   progress=False)
    text = str(err.value)
    assert "epoch 1" in text and "layer conv1" in text and "e.g. lr=10)" in text


def test_tile_jobs_cover_every_weight_once():
    from emulator.conv import tile_jobs
    from emulator.training.net import init_weights

    for net in (build_net((1, 28, 28), "patch_conv", kernel=7, channels=40, pool=2),
                build_net((1, 28, 28), "column_strip", hidden=20)):
        W = init_weights(net, np.random.default_rng(0))
        jobs = tile_jobs(net, W, ports=16, ports_out=8)
        assert all(j.matrix.shape[0] <= 8 and j.matrix.shape[1] <= 16 for j in jobs)
        w = workload(net, ports=16, ports_out=8)
        assert len(jobs) == w.weight_tiles
        for layer, work, weight in zip(net.layers, w.layers, W):
            mine = [j for j in jobs if j.layer == layer.name]
            assert sum(j.matrix.size for j in mine) == weight.size
            assert sum(j.vectors_per_image for j in mine) == work.invocations
            assert sum(np.abs(j.matrix).sum() for j in mine) == pytest.approx(
                float(np.abs(weight.astype(float)).sum()))
    strip_jobs = [j for j in jobs if j.layer == "strip1"]
    assert len({j.block for j in strip_jobs}) == 28  # one block per column
