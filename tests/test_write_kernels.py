"""The compiled pieces of a tile write against the numpy they replace: the gauge's
unit-vector null spaces, the holds (levels, heater crosstalk, offsets), the mesh angles,
the realisation of a stack of gauged SVDs (kernels.realise_stack, also on rectangular
and Reck layers), and the calibration's loops (LO phase and rms, read-out codes,
least-squares decode).
Whole writes are checked against an independent reference in test_chip_write.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emulator.chip import Chip, cal_kernels
from emulator.chip.calibrate import LOADING, fit, receiver
from emulator.chip.core import Core
from emulator.chip.stream import tia_affine
from emulator.mesh import clements, kernels
from emulator.mesh.perturb import _couplings, _neighbour_pairs, thermal_crosstalk
from emulator.mesh.svd import _complement, gauge

CORE16 = Path(__file__).resolve().parents[1] / "netlists" / "onn_core_16.yaml"


@pytest.mark.parametrize("shape, dark", [((16, 16), "rows"), ((16, 16), "cols"),
                                         ((10, 16), "both"), ((16, 16), "none"),
                                         ((16, 16), "all")])
def test_unit_vector_null_spaces_are_the_gram_schmidt_ones(shape, dark):
    """Where the kernel fills a null space with the zero rows' (columns') unit vectors,
    Gram–Schmidt picks exactly those; every null space is numpy's Gram–Schmidt (BLAS
    products, another summation order) to round-off."""
    rng = np.random.default_rng(3)
    W = np.zeros(shape)
    if dark != "all":
        W[:] = rng.normal(size=shape)
    if dark in ("rows", "both"):
        W[-4:] = 0.0
    if dark in ("cols", "both"):
        W[:, :3] = 0.0
    if dark == "none":  # rank-deficient without zero rows: Gram–Schmidt on both sides
        W = np.outer(rng.normal(size=shape[0]), rng.normal(size=shape[1]))
    u, s, vh = gauge(*np.linalg.svd(W), W)
    r = int(np.sum(s > 0.0))
    assert np.array_equal(u[:, r:], _complement(u[:, :r], shape[0] - r))
    assert np.array_equal(vh[r:], _complement(vh[:r].conj().T, shape[1] - r).conj().T)
    assert np.abs(u[:, r:] - _numpy_gram_schmidt(u[:, :r], shape[0] - r)).max() < 1e-14
    assert np.abs(vh[r:].T - _numpy_gram_schmidt(vh[:r].T, shape[1] - r)).max() < 1e-14
    for part in (u, vh):
        assert np.abs(part @ part.T - np.eye(len(part))).max() < 1e-14


def _numpy_gram_schmidt(q, dim):
    """The complement from the standard basis, with numpy's (BLAS) products."""
    basis = np.zeros((q.shape[0], q.shape[1] + dim))
    basis[:, : q.shape[1]] = q
    inside = np.sum(q ** 2, axis=1)
    for c in range(q.shape[1], q.shape[1] + dim):
        rest = 1.0 - inside
        v = np.zeros(q.shape[0])
        v[np.flatnonzero(rest >= (1.0 - 1e-9) * rest.max())[0]] = 1.0
        for _ in range(2):
            v -= basis[:, :c] @ (basis[:, :c].T @ v)
        v /= np.linalg.norm(v)
        basis[:, c] = v
        inside += v ** 2
    return basis[:, q.shape[1]:]


@pytest.mark.parametrize("coupling", [0.03, (0.02, -0.01), 0.0])
@pytest.mark.parametrize("out", [False, True])
def test_crosstalk_kernel_is_the_neighbour_sum(coupling, out):
    mesh = clements.decompose(np.linalg.qr(np.random.default_rng(1).normal(size=(8, 8)))[0])
    size = mesh.n if out else mesh.n_mzi
    p = np.random.default_rng(2).uniform(-7.0, 14.0, (3, 2, size))
    want = p.copy()
    held = p - 2 * np.pi * np.floor(p / (2 * np.pi))
    for d, c in enumerate(_couplings(coupling), start=1):
        recv, src = _neighbour_pairs(mesh, out, d)
        np.add.at(want, (Ellipsis, recv), c * held[..., src])
    assert np.abs(thermal_crosstalk(mesh, p, coupling, out=out) - want).max() < 1e-14


def test_mesh_angles_are_the_array_expressions():
    rng = np.random.default_rng(4)
    steps = rng.normal(size=(3, 10, 4))
    d = np.exp(1j * rng.uniform(-9.0, 9.0, (3, 5)))
    order = rng.permutation(10)
    theta, phi, out = kernels.mesh_angles(steps, d, order)

    def wrap(x):
        return x - 2 * np.pi * np.floor(x / (2 * np.pi))

    assert np.abs(theta - wrap(2.0 * np.arctan2(steps[:, order, 2], steps[:, order, 1]))).max() < 1e-14
    assert np.array_equal(phi, wrap(steps[:, order, 3]))
    assert np.abs(out - wrap(np.angle(d))).max() < 1e-14


def _numpy_fit(y, z):
    ym, zm = y.mean(axis=-2, keepdims=True), z.mean(axis=-2, keepdims=True)
    dy, dz = y - ym, z - zm
    var_y, cov, var_z = (dy * dy).sum(axis=-2), (dy * dz).sum(axis=-2), (dz * dz).sum(axis=-2)
    alpha = np.where(var_y > 0.0, cov / np.where(var_y > 0.0, var_y, 1.0), 0.0)
    beta = zm[..., 0, :] - alpha * ym[..., 0, :]
    top = np.maximum(var_z.max(axis=-1, initial=0.0), 1e-300)[..., None]
    live = var_z > 1e-12 * top
    r = np.where(live & (var_y > 0.0), cov / np.sqrt(np.maximum(var_y * var_z, 1e-300)), 1.0)
    return alpha, beta, live, r


@pytest.mark.parametrize("lead", [(), (3,), (2, 2)])
def test_fit_is_the_numpy_least_squares(lead):
    rng = np.random.default_rng(5)
    z = rng.normal(size=lead + (64, 6))
    y = np.round(2.0 * z + 0.1 * rng.normal(size=z.shape), 2)
    z[..., 1] = 0.5  # an output without signal
    y[..., 2] = 0.25  # a read-out stuck at one code
    for got, want in zip(fit(y, z), _numpy_fit(y, z)):
        assert got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-12, atol=1e-15) and got.dtype == want.dtype


def test_calibration_loops_are_the_chains_component_models():
    """The compiled calibration (codes through the light table, LO phase, rms, gain,
    read-out codes, decode, gain limit) against the chain's component models in numpy."""
    chip = Chip.of(Core.load(CORE16), seed=1)
    rx, c = receiver(chip), chip.chain
    rng = np.random.default_rng(6)
    mats = rng.normal(size=(3, 16, 16)) + 1j * rng.normal(size=(3, 16, 16))
    mats *= 0.05
    mats[2] *= 1e-6  # a tile too dark: its gains hit the TIA's limit
    ideals = rng.normal(size=(3, 16, 16))
    ideals[1, 4:] = 0.0  # padding rows
    for codes in (rng.uniform(-1.0, 1.0, (3, 64, 16)), rng.uniform(-1.0, 1.0, (1, 64, 16))):
        z = np.matmul(codes, np.swapaxes(ideals, -1, -2))
        lo, rms, gain, y, alpha, beta, live, r, limited = cal_kernels.calibrate(
            codes, rx.table, mats, ideals, z, *rx.pd, *rx.tia, rx.vfs, rx.gain_lo,
            rx.gain_hi, LOADING, rx.levels)
        fields = np.broadcast_to(chip.light(codes), (3, 64, 16))
        E = np.matmul(fields, np.swapaxes(mats, -1, -2))
        corr = (E * z).sum(axis=1)
        assert np.abs(lo - np.angle(corr)).max() < 1e-12
        current = c.pd.component.signal({**c.pd.params, "lo_phase": lo[:, None, :]}, E)
        assert np.allclose(rms, np.sqrt((current * current).mean(axis=1)), rtol=1e-12,
                           atol=0.0)
        g = c.tia.component.param("gain")
        wanted = rx.vfs / (LOADING * rms)
        assert np.allclose(gain, np.clip(wanted, g.lo, g.hi), rtol=1e-12, atol=0.0)
        assert limited.tolist() == ((wanted > g.hi) & ideals.any(axis=2)).any(axis=1).tolist()
        assert limited.tolist() == [False, False, True]
        assert np.array_equal(y, chip.detect(fields, mats, lo, gain))
        for got, want in zip((alpha, beta, live, r), _numpy_fit(y, z)):
            assert np.allclose(got, want, rtol=1e-12, atol=1e-15)


def test_tia_slope_per_unit_gain_is_the_probed_one():
    """The calibration and the fold scale the TIA's slope and offset at unit gain by the
    gain (calibrate.receiver); probing the model at other gains gives the same."""
    chip = Chip.of(Core.load(CORE16), seed=1)
    gain = np.random.default_rng(7).uniform(1.0, 1e7, (4, 16))
    k, o = tia_affine(chip, gain)
    assert np.array_equal(k, gain * chip.rx.tia[0]) and np.array_equal(o, gain * chip.rx.tia[1])


def test_a_tia_not_proportional_to_its_gain_is_probed_at_each_gain():
    """A TIA whose slope is not gain × a constant (here a fixed feedback leak added) has
    no per-unit-gain constants: the calibration takes the component-by-component path and
    the fold probes the model at the calibrated gains."""
    import dataclasses

    from emulator.chip.calibrate import calibrate_stack
    from emulator.chip.stream import fold, tia_per_gain

    chip = Chip.of(Core.load(CORE16), seed=1)
    c = chip.chain
    leaky = dataclasses.replace(c.tia.component,
                                signal=lambda p, i: (p["gain"] + 50.0) * np.asarray(i))
    chip.chain = dataclasses.replace(c, tia=dataclasses.replace(c.tia, component=leaky))
    assert tia_per_gain(chip) is None
    chip.rx = receiver(chip)
    assert chip.rx.pd is not None and chip.rx.tia is None
    rng = np.random.default_rng(8)
    mats = 0.05 * (rng.normal(size=(2, 16, 16)) + 1j * rng.normal(size=(2, 16, 16)))
    ideals = rng.normal(size=(2, 16, 16))
    for r in calibrate_stack(chip, mats, ideals).readouts():
        rot, offset, sigma = fold(chip, mats[0], r.lo_phase, r.tia_gain)
        k_tia = (r.tia_gain + 50.0) * chip.rx.pd[0] / chip.rx.vfs
        want = (np.exp(-1j * r.lo_phase)[:, None] * mats[0]).real * k_tia[:, None]
        assert np.allclose(rot, want, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("m, n, method",
                         [(6, 4, "clements"), (4, 5, "reck"), (5, 5, "clements")])
def test_realise_kernel_is_the_numpy_mapping(m, n, method):
    """The compiled realisation of gauged SVDs against the mesh library's numpy path:
    svd_map's phases held by quantize_phases, thermal_crosstalk and the offsets, the
    attenuators' |sin(θ/2)|, and the light through the held meshes (apply_mesh,
    mesh_rows with the layer's losses)."""
    from components.optics import attenuator
    from emulator.chip.realise import (LayerSpec, _rows, draw_offsets, stack_offsets,
                                       write_plan)
    from emulator.mesh.layout import apply_mesh, mesh_rows
    from emulator.mesh.perturb import quantize_phases
    from emulator.mesh.svd import svd_map

    part = dict(loss=0.3, driver_bits=7, phase_error=0.05)
    spec = LayerSpec(m=m, n=n, method=method, mzi={**part, "crosstalk": (0.03, -0.01)},
                     screen={**part, "crosstalk": 0.02, "driver_bits": 6},
                     attenuator={**part, "crosstalk": 0.0, "driver_bits": 5}, balance=False)
    rng = np.random.default_rng(9)
    off = stack_offsets([draw_offsets(spec, rng) for _ in range(2)]).take([1, 0, 1])
    W = rng.normal(size=(3, m, n))
    W[1, -1] = 0.0  # a zero row: unit vectors in U's null space
    W[2, :, 0] = 0.0
    u, s, vh = gauge(*np.linalg.svd(W), W)
    plan = write_plan(spec)
    held_u, held_vh, sig, A, rows, scale, err = kernels.realise_stack(
        u, s, vh, plan.reck, plan.levels, plan.u_side, plan.vh_side, _rows(off.u),
        _rows(off.vh), off.att)
    assert err < 1e-12
    k = min(m, n)
    for t in range(3):
        mp = svd_map(W[t], method)

        def hold(p, part, mesh, out, offset):
            p = quantize_phases(p, part["driver_bits"])
            if mesh is not None:
                p = thermal_crosstalk(mesh, p, part["crosstalk"], out=out)
            return p + offset

        for mesh, held, o in ((mp.u, held_u, off.u), (mp.vh, held_vh, off.vh)):
            want = (hold(mesh.theta, spec.mzi, mesh, False, o["theta"][t]),
                    hold(mesh.phi, spec.mzi, mesh, False, o["phi"][t]),
                    hold(mesh.out_phase, spec.screen, mesh, True, o["out_phase"][t]))
            for got, w in zip(held, want):
                assert np.abs(got[t] - w).max() < 1e-12
        att = hold(2.0 * np.arcsin(mp.sigma), spec.attenuator, None, False, off.att[t])
        assert np.abs(sig[t] - np.abs(np.sin(0.5 * att))).max() < 1e-12
        assert scale[t] == mp.scale
        kw = dict(mzi_loss_db=spec.mzi["loss"], balance=False)
        cols = apply_mesh(mp.u, np.eye(m, k, dtype=complex), *(h[t] for h in held_u), **kw)
        want_a = mp.scale * cols * attenuator.field(sig[t])
        assert np.abs(A[t] - want_a).max() < 1e-12 * mp.scale
        want_rows = mesh_rows(mp.vh, k, *(h[t] for h in held_vh), **kw)
        assert np.abs(rows[t] - want_rows).max() < 1e-12
