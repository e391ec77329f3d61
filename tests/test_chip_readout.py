"""The compiled read-out of a chip layer (emulator.chip.kernels, .gauss, .stream): the
light table against the component models, the ADC level against the component's,
the counter-based normals against libm and the normal law, and the noisy read-out's
per-output mean and variance against their closed form."""

from __future__ import annotations

import math
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

from components.electronics.adc import level
from emulator.chip import Chip, gauss, kernels
from emulator.chip.core import Core
from emulator.chip.device import ChipLayer

CORE16 = Path(__file__).resolve().parents[1] / "netlists" / "onn_core_16.yaml"


@pytest.fixture(scope="module")
def chip():
    return Chip.of(Core.load(CORE16), cores=2, seed=4)


def _layer(chip, shape=(10, 20), seed=10):
    W = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    layer = ChipLayer(chip, W.shape, 0)
    layer.program(W)
    return layer


def _edges(levels: int) -> np.ndarray:
    """Every quantizer edge of [−1, 1] and its neighbours one ulp away."""
    e = -1.0 + np.arange(levels + 1) * (2.0 / levels)
    return np.concatenate([e, np.nextafter(e, -2.0), np.nextafter(e, 2.0)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 1.3])
def test_light_table_gives_exactly_chip_light(chip, dtype, scale):
    layer = _layer(chip)
    rng = np.random.default_rng(1)
    x = rng.uniform(-1.5, 1.5, (20, 300))
    x[:, :3] = [0.0, scale, -scale]  # code 0 (mid-rise: no zero level) and full scale
    x.flat[3:3 + 3 * 257] = _edges(256) * scale  # codes at and next to the DAC's edges
    x = x.astype(dtype)
    fields = layer._stream.fields(x, scale)  # (C, n, B)
    expect = chip.light(layer._codes(x, scale))  # (C, B, n) from the component models
    assert np.array_equal(fields, np.real(expect).transpose(0, 2, 1))


def test_adc_level_in_the_loop_is_the_components():
    @numba.njit(error_model="numpy")
    def adc(v, levels):
        out = np.empty_like(v)
        for i in range(v.size):
            out[i] = kernels._adc(v[i], levels - 1.0, levels * 0.5, 2.0 / levels)
        return out

    for bits in (1, 4, 8, 12):
        levels = 2 ** bits
        v = np.concatenate([_edges(levels), np.random.default_rng(bits).uniform(-1.5, 1.5,
                                                                             10_000)])
        assert np.array_equal(adc(v, levels), [level(u, levels) for u in v])


def test_log_and_sincos_match_libm():
    @numba.njit(error_model="numpy")
    def ev(u, x):
        lg, sn, cs = np.empty_like(u), np.empty_like(x), np.empty_like(x)
        for i in range(u.size):
            lg[i] = gauss.log(u[i])
            sn[i], cs[i] = gauss.sincos(x[i])
        return lg, sn, cs

    rng = np.random.default_rng(2)
    u = np.concatenate([rng.random(100_000), 2.0 ** -np.arange(1, 34), [1.0]]).astype(np.float32)
    x = rng.uniform(-math.pi / 4, math.pi / 4, u.size).astype(np.float32)
    lg, sn, cs = ev(u, x)
    assert lg.dtype == sn.dtype == np.float32
    exact = np.log(u.astype(float))
    # single precision: within 2 units of the last place of ln u (ε = 2^-24 relative),
    # or 2 ε absolute where ln u is near 0 (u near 1)
    assert np.all(np.abs(lg - exact) <= 2 ** -23 * np.maximum(np.abs(exact), 1.0))
    assert lg[-1] == 0.0
    assert np.max(np.abs(sn - np.sin(x.astype(float)))) < 2 ** -24
    assert np.max(np.abs(cs - np.cos(x.astype(float)))) < 2 ** -23


def test_counter_based_normals_follow_the_normal_law():
    x = gauss.normals(12345, 0, 2_000_000)
    assert abs(x.mean()) < 5 * math.sqrt(1 / x.size)
    assert abs(x.var() - 1.0) < 5 * math.sqrt(2 / x.size)
    assert stats.kstest(x, "norm").pvalue > 1e-3
    edges = np.linspace(-4.5, 4.5, 91)
    seen, _ = np.histogram(x, edges)
    want = np.diff(stats.norm.cdf(edges)) * x.size
    assert stats.chi2.sf(np.sum((seen - want) ** 2 / want), edges.size - 2) > 1e-3
    # a draw depends on its key and position only
    assert np.array_equal(gauss.normals(12345, 1000, 50), gauss.normals(12345, 1000, 50))
    assert not np.array_equal(gauss.normals(12345, 0, 50), gauss.normals(12346, 0, 50))


def test_same_seed_same_output_on_one_and_two_threads(chip):
    layer = _layer(chip)
    x = np.random.default_rng(3).uniform(-1.0, 2.0, (20, 65)).astype(np.float32)  # odd B
    runs = []
    for threads in (1, 2, 1):
        layer.set_threads(threads)
        runs.append(layer.forward(x, rng=np.random.default_rng(7), count=False))
    layer.set_threads(1)
    assert np.array_equal(runs[0], runs[1]) and np.array_equal(runs[0], runs[2])
    other = layer.forward(x, rng=np.random.default_rng(8), count=False)
    assert not np.array_equal(runs[0], other)


def _quantized_moments(v, s, levels):
    """Mean and variance of level(v + s·N), N standard normal, exactly (per output)."""
    lsb = 2.0 / levels
    values = -1.0 + (np.arange(levels) + 0.5) * lsb
    inner = -1.0 + np.arange(1, levels) * lsb  # the edges between levels
    cdf = stats.norm.cdf((inner[None, :] - v[:, None]) / s[:, None])
    p = np.diff(np.concatenate([np.zeros((v.size, 1)), cdf, np.ones((v.size, 1))], axis=1),
                axis=1)
    mean = p @ values
    return mean, p @ values ** 2 - mean ** 2


def test_noisy_readout_has_the_closed_form_mean_and_variance(chip):
    """One input vector read 4·10^4 times through a 10 x 20 layer (two column tiles,
    padded rows): each output's mean and variance within 5 % of Σ_c α·E[level] + β and
    Σ_c α²·Var[level], with σ = gain·√(noise_current2)/v_fs from the chain."""
    layer = _layer(chip)
    s = layer._stream
    c = chip.chain
    reads = 40_000
    x = np.random.default_rng(4).uniform(-1.0, 2.0, (20, 1))
    scale = float(np.max(np.abs(x)))
    z = layer.forward(np.repeat(x, reads, axis=1), rng=np.random.default_rng(9),
                      count=False) / scale
    mean, var = np.zeros(10), np.zeros(10)
    fields = s.fields(x, scale)[:, :, 0]  # (C, n)
    vfs = float(c.adc.params["v_fs"])
    for col in range(layer.cols):
        tile = layer.tiles[col]
        gain = tile.readout.tia_gain
        sigma = gain * np.sqrt(c.noise_current2({**c.tia.params, "gain": gain})) / vfs
        v = s.offset[col] + s.mats[col] @ fields[col]
        mu, vv = _quantized_moments(v[:10], np.broadcast_to(sigma, (16,))[:10], s.levels)
        mean += tile.readout.alpha[:10] * mu + tile.readout.beta[:10]
        var += tile.readout.alpha[:10] ** 2 * vv
    assert np.all(var > 0.0)
    assert np.all(np.abs(z.var(axis=1) / var - 1.0) < 0.05)
    assert np.all(np.abs(z.mean(axis=1) - mean) < 0.05 * np.sqrt(var))


def test_folded_readout_equals_the_chain_on_odd_sizes():
    """A 6-port core (inputs in blocks of four plus two) under a 7 x 13 layer (rows in
    blocks of four plus three, padded inputs and outputs), odd batch: the compiled loops'
    remainders against the component-by-component chain, noise off."""
    from emulator.netlist import load_netlist
    from emulator.netlist.generators import core_netlist

    chip6 = Chip(load_netlist(core_netlist(6)), "layer", {}, "core.yaml", seed=3)
    rng = np.random.default_rng(11)
    layer = _layer(chip6, (7, 13), seed=12)
    assert layer._stream is not None
    x = rng.uniform(-1.0, 2.0, (13, 33)).astype(np.float32)
    for threads in (1, 2):
        layer.set_threads(threads)
        fast = layer.forward(x, count=False)
        slow = layer.forward(x, count=False, chained=True)
        assert np.max(np.abs(fast - slow)) <= 1e-12 * np.max(np.abs(slow))
