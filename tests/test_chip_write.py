"""Batched tile writes (Chip.program_many) against an independent computation: the
tile-at-a-time mapping, holds, realised matrix and calibration as the chip model did them
before writes were batched (kept here, in plain numpy over the mesh library), on every
kind of core the chip model runs.  Equal to 1e-12, tile by tile, and a short in-situ
training run on either path gives the same history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from components.optics import attenuator
from components.units import db_to_amplitude
from emulator.chip import Chip
from emulator.chip.calibrate import (CAL_BATCH, LOADING, MIN_CORRELATION, Readout,
                                     calibration_codes, square_law)
from emulator.chip.chip import Tile
from emulator.chip.core import Core
from emulator.chip.device import ChipDevice, ChipLayer
from emulator.chip.realise import Realised, programmed_netlist, realise
from emulator.chip.stream import fold
from emulator.mesh.perturb import quantize_phases, thermal_crosstalk
from emulator.mesh.svd import SVDMapping, decomposer, svd_matrix
from emulator.netlist import load_netlist
from emulator.netlist.generators import core_netlist

ROOT = Path(__file__).resolve().parents[1]
CORE16 = ROOT / "netlists" / "onn_core_16.yaml"
TOL = 1e-12


# ---------------------------------------------------------------- the reference path
def _first_max(values):
    return int(np.flatnonzero(values >= (1.0 - 1e-9) * values.max())[0])


def _complement(q, dim):
    """Gram–Schmidt (classical, twice) from the standard basis, in plain Python with every
    sum in index order, as the gauge defines it (the dust it leaves decides some φ)."""
    m, r = q.shape
    cols = [list(q[:, p]) for p in range(r)]
    inside = [sum(abs(x) ** 2 for x in q[j]) if r else 0.0 for j in range(m)]
    for c in range(r, r + dim):
        j = _first_max(1.0 - np.array(inside))
        if all(col[j] == 0.0 for col in cols):
            v = [0.0] * m
            v[j] = 1.0
            inside[j] += 1.0
            cols.append(v)
            continue
        v = [0.0 * q.dtype.type(1)] * m
        v[j] = q.dtype.type(1)
        for _ in range(2):
            coef = [sum(np.conj(col[i]) * v[i] for i in range(m)) for col in cols]
            v = [v[i] - sum(cols[p][i] * coef[p] for p in range(len(cols)))
                 for i in range(m)]
        norm = np.sqrt(sum(abs(x) ** 2 for x in v))
        v = [x / norm for x in v]
        inside = [inside[i] + abs(v[i]) ** 2 for i in range(m)]
        cols.append(v)
    return np.array(cols[r:], dtype=q.dtype).reshape(dim, m).T


def ref_gauge(u, s, vh, W):
    s = s.copy()
    r = int(np.sum(s > 1e-12 * s[0])) if s.size and s[0] > 0.0 else 0
    s[r:] = 0.0
    u, vh = u.copy(), vh.copy()
    u[np.flatnonzero(~W.any(axis=1))[:, None], np.arange(r)] = 0.0  # exact zeros of u_i
    vh[np.arange(r)[:, None], np.flatnonzero(~W.any(axis=0))] = 0.0  # and of v_i
    for i in range(r):
        col = u[:, i]
        phase = col[_first_max(np.abs(col))] / abs(col[_first_max(np.abs(col))])
        u[:, i] = col * np.conj(phase)
        vh[i] = vh[i] * phase
    if r < u.shape[1]:
        u[:, r:] = _complement(u[:, :r], u.shape[1] - r)
    if r < vh.shape[0]:
        vh[r:] = _complement(vh[:r].conj().T, vh.shape[0] - r).conj().T
    return u, s, vh


def ref_realise(spec, tile, off):
    """Map and realise one tile: SVD, gauge, two decompositions, holds, matrix."""
    W = np.zeros((spec.m, spec.n))
    W[: tile.shape[0], : tile.shape[1]] = tile
    u, s, vh = ref_gauge(*np.linalg.svd(W, full_matrices=True), W)
    scale = float(s[0])
    sigma = np.clip(s / scale, 0.0, 1.0) if scale > 0.0 else np.zeros_like(s)
    decompose = decomposer(spec.method)
    vh_mesh = decompose(vh)
    screen = vh_mesh.out_phase.copy()
    screen[: sigma.size] -= attenuator.output_phase(sigma)
    mp = SVDMapping(spec.m, spec.n, spec.method, decompose(u),
                    vh_mesh.with_phases(out_phase=screen), sigma, scale)

    def hold(values, part, mesh, out, offset):
        p = quantize_phases(values, int(part["driver_bits"]))
        if part["crosstalk"] and mesh is not None:
            p = thermal_crosstalk(mesh, p, part["crosstalk"], out=out)
        return p + offset

    held = {side: {"theta": hold(mesh.theta, spec.mzi, mesh, False, o["theta"]),
                   "phi": hold(mesh.phi, spec.mzi, mesh, False, o["phi"]),
                   "out_phase": hold(mesh.out_phase, spec.screen, mesh, True,
                                     o["out_phase"])}
            for side, mesh, o in (("u", mp.u, off.u), ("vh", mp.vh, off.vh))}
    att = hold(2.0 * np.arcsin(np.clip(sigma, 0.0, 1.0)), spec.attenuator, None, False,
               off.att)
    sig = np.abs(np.sin(0.5 * att))
    u, v = held["u"], held["vh"]
    M = svd_matrix(mp, u_theta=u["theta"], u_phi=u["phi"], u_out_phase=u["out_phase"],
                   vh_theta=v["theta"], vh_phi=v["phi"], vh_out_phase=v["out_phase"],
                   sigma=sig, mzi_loss_db=spec.mzi["loss"], balance=spec.balance)
    M = M / scale if scale > 0 else M
    M = M * (db_to_amplitude(spec.screen["loss"]) ** 2
             * db_to_amplitude(spec.attenuator["loss"]))
    return dict(tile=W, mapping=mp, u=u, vh=v, sigma=sig, matrix=M, gain=scale)


def ref_calibrate(chip, matrix, ideal, rng=None, codes=None):
    c, m = chip.chain, chip.m
    u = calibration_codes(chip) if codes is None or len(codes) < 2 else codes[:CAL_BATCH]
    z = u @ ideal.T
    fields = c.mod.signal(c.field_in, c.dac.signal(u))
    E = fields @ matrix.T
    if square_law(chip):
        z, lo = z * z, np.zeros(m)
    else:
        corr = np.sum(E * z, axis=0)
        lo = np.where(np.abs(corr) > 0.0, np.angle(corr), 0.0)
    current = c.pd.component.signal({**c.pd.params, "lo_phase": lo}, E)
    rms = np.sqrt(np.mean(current * current, axis=0))
    g = c.tia.component.param("gain")
    vfs = np.broadcast_to(np.asarray(c.adc.params["v_fs"], dtype=float), (m,))
    with np.errstate(divide="ignore"):
        wanted = np.where(LOADING * rms > 0.0, vfs / (LOADING * rms), g.hi)
    gain = np.clip(wanted, g.lo, g.hi)
    status = ("gain_limited" if np.any((wanted > g.hi) & np.any(ideal != 0.0, axis=1))
              else "calibrated")
    y = chip.detect(fields[None], matrix[None], lo[None], gain[None], rng)[0]
    dy, dz = y - y.mean(axis=0), z - z.mean(axis=0)
    var_y, cov, var_z = (np.sum(a * b, axis=0) for a, b in ((dy, dy), (dy, dz), (dz, dz)))
    alpha = np.where(var_y > 0.0, cov / np.where(var_y > 0.0, var_y, 1.0), 0.0)
    beta = z.mean(axis=0) - alpha * y.mean(axis=0)
    live = var_z > 1e-12 * max(float(var_z.max(initial=0.0)), 1e-300)
    r = np.where(live & (var_y > 0.0), cov / np.sqrt(np.maximum(var_y * var_z, 1e-300)), 1.0)
    noise_i = np.broadcast_to(np.sqrt(c.noise_current2({**c.tia.params, "gain": gain})), (m,))
    if np.any(live & ((r < MIN_CORRELATION) | (rms < noise_i))):
        status = "below_noise"
    return Readout(lo, gain, alpha, beta, status)


def ref_nominal(chip, scale):
    c = chip.chain

    def ch(v, k):
        return np.broadcast_to(np.asarray(v, dtype=float), (k,)).copy()

    gain = ch(c.tia.params["gain"], chip.m)
    vfs_mod = np.mean(ch(c.mod.params["v_fs"], chip.n))
    mod_amp = float(np.mean(np.abs(c.mod.signal(np.ones(chip.n), np.full(chip.n, vfs_mod)))))
    light = (float(np.mean(np.abs(c.field_in))) * mod_amp
             * np.mean(ch(c.dac.params["v_fs"], chip.n)) / vfs_mod)
    vfs = ch(c.adc.params["v_fs"], chip.m)
    if square_law(chip):
        per_z2 = ch(c.pd.params["responsivity"], chip.m) * (light / scale) ** 2
        return Readout(np.zeros(chip.m), gain, vfs / (gain * per_z2),
                       -ch(c.pd.params["dark_current"], chip.m) / per_z2, "nominal")
    unit = c.pd.component.signal({**c.pd.params, "lo_phase": 0.0}, np.ones(chip.m))
    return Readout(np.zeros(chip.m), gain, vfs / (gain * unit * light / scale),
                   np.zeros(chip.m), "nominal")


def ref_program(chip, tile, core, rng=None, codes=None):
    """(realised dict, channel matrix, read-out) of one tile, the reference way."""
    prog = ref_realise(chip.spec, np.asarray(tile, dtype=float), chip.offsets[core])
    c = chip.chain
    matrix = prog["matrix"][np.ix_(c.layer_out, c.layer_in)]
    ideal = np.zeros((chip.m, chip.n))
    ideal[: tile.shape[0], : tile.shape[1]] = tile
    readout = (ref_calibrate(chip, matrix, ideal, rng, codes) if chip.calibrate
               else ref_nominal(chip, prog["gain"]))
    return prog, matrix, readout


# ---------------------------------------------------------------- the cores
def small_chip(n, params=None, layer=None, calibrate=True, cores=1):
    net = load_netlist(core_netlist(n, params=params or {}, layer=layer))
    layer_params = {k: v for k, v in (layer or {}).get("params", {}).items()
                    if k in ("mzi", "attenuator", "phase_shifter", "method")}
    return Chip(net, "layer", layer_params, "core.yaml", seed=3, calibrate=calibrate,
                cores=cores)


def _imperfect(crosstalk: float, method: str = "clements") -> dict:
    return {"generator": "svd_layer", "params": {
        "n": 5, "m": 5, "seed": 1, "method": method,
        "mzi": {"loss": 0.4, "driver_bits": 5, "crosstalk": crosstalk, "phase_error": 0.05},
        "phase_shifter": {"loss": 0.1, "driver_bits": 6, "phase_error": 0.02},
        "attenuator": {"loss": 0.3, "driver_bits": 4, "phase_error": 0.03}}}


_LOSSLESS = {"loss": 0.0}
INTENSITY = dict(params={"pd": {"mode": "intensity"}, "laser": {"power": "100 mW"},
                         "tia": {"gain": "100 Ohm"}},
                 layer={"generator": "svd_layer", "params": {
                     "n": 4, "m": 4, "seed": 1, "mzi": _LOSSLESS,
                     "phase_shifter": _LOSSLESS, "attenuator": _LOSSLESS}})

CHIPS = {
    "shipped 16x16": lambda cal: Chip.of(Core.load(CORE16), cores=4, seed=1, calibrate=cal),
    "crosstalk, 5-bit drivers, errors, loss": lambda cal: small_chip(
        5, layer=_imperfect(0.03), calibrate=cal, cores=3),
    "no crosstalk, errors, loss": lambda cal: small_chip(
        5, layer=_imperfect(0.0), calibrate=cal, cores=3),
    "reck meshes": lambda cal: small_chip(5, layer=_imperfect(0.02, "reck"), calibrate=cal,
                                          cores=2),
    "intensity detection": lambda cal: small_chip(4, calibrate=cal, cores=2, **INTENSITY),
}


def _tiles(chip, seed=0):
    """Full, row-padded, column-padded, rank-one and empty tiles."""
    rng = np.random.default_rng(seed)
    m, n = chip.m, chip.n
    return [rng.normal(size=(m, n)), rng.normal(size=(m - 2, n)),
            rng.uniform(0.0, 1.0, (m, n - 3)), np.outer(rng.normal(size=m), rng.normal(size=n)),
            np.zeros((m, n)), rng.normal(size=(m, n)).astype(np.float32)]


def _codes(chip, k, seed=1):
    rng = np.random.default_rng(seed)
    return [None if i % 3 == 2 else rng.uniform(-1.0, 1.0, (CAL_BATCH if i % 2 else 9, chip.n))
            for i in range(k)]


def _close(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, what
    err = float(np.max(np.abs(a - b), initial=0.0))
    assert err <= TOL * max(1.0, float(np.max(np.abs(b), initial=0.0))), (what, err)


def _same(tile: Tile, ref, what):
    prog, matrix, readout = ref
    p = tile.prog
    for side in ("u", "vh"):
        for k in ("theta", "phi", "out_phase"):
            _close(getattr(p, side)[k], prog[side][k], f"{what}: held {side} {k}")
    _close(p.sigma, prog["sigma"], f"{what}: attenuators")
    _close(p.matrix, prog["matrix"], f"{what}: realised matrix")
    _close(p.tile, prog["tile"], f"{what}: tile written")
    assert p.gain == pytest.approx(prog["gain"], rel=TOL, abs=0.0)
    _close(tile.matrix, matrix, f"{what}: channel matrix")
    for k in ("lo_phase", "tia_gain", "alpha", "beta"):
        _close(getattr(tile.readout, k), getattr(readout, k), f"{what}: {k}")
    assert tile.readout.status == readout.status, what


# ---------------------------------------------------------------- tile by tile
@pytest.mark.filterwarnings("ignore:divide by zero")  # the empty tile's nominal decode
@pytest.mark.parametrize("calibrate", [True, False], ids=["calibrated", "nominal"])
@pytest.mark.parametrize("kind", list(CHIPS))
def test_batch_write_equals_single_writes_and_the_reference(kind, calibrate):
    chip = CHIPS[kind](calibrate)
    tiles = _tiles(chip)
    cores = [i % chip.cores for i in range(len(tiles))]
    codes = _codes(chip, len(tiles))
    batch = chip.program_many(tiles, cores, codes=codes)
    for i, (w, core, c) in enumerate(zip(tiles, cores, codes)):
        ref = ref_program(chip, w, core, codes=c)
        _same(batch[i], ref, f"{kind}, tile {i} written in a batch")
        _same(chip.program(w, core, codes=c), ref, f"{kind}, tile {i} written alone")
    # the same tiles without given codes: all on the default calibration batch
    for i, t in enumerate(chip.program_many(tiles, cores)):
        _same(t, ref_program(chip, tiles[i], cores[i]), f"{kind}, tile {i}, default codes")


def test_noisy_calibration_draws_tile_after_tile():
    chip = CHIPS["shipped 16x16"](True)
    tiles = _tiles(chip, seed=4)
    codes = _codes(chip, len(tiles), seed=5)
    batch = chip.program_many(tiles, [0] * len(tiles), np.random.default_rng(9), codes)
    rng = np.random.default_rng(9)
    for i, (w, c) in enumerate(zip(tiles, codes)):
        _same(batch[i], ref_program(chip, w, 0, rng, c), f"noisy calibration, tile {i}")


def test_a_written_tile_is_the_programmed_netlist():
    chip = CHIPS["crosstalk, 5-bit drivers, errors, loss"](True)
    tiles = _tiles(chip, seed=6)[:3]
    for tile, w in zip(chip.program_many(tiles, [0, 1, 2]), tiles):
        prog = realise(chip.spec, w, chip.offsets[tile.core])
        want = programmed_netlist(chip.netlist, "layer", prog)
        got = chip.netlist_of(tile)
        for name, inst in want.instances.items():
            if name.startswith("layer."):
                assert got.instances[name].params == inst.params, name


def test_phase_write_counters_count_every_shifter_set():
    chip = CHIPS["shipped 16x16"](True)
    W = np.random.default_rng(2).normal(size=(40, 20)).astype(np.float32)
    dev = ChipDevice([W], chip, drift=0.01)
    mp = ref_program(chip, W[:16, :16], 0)[0]["mapping"]
    per_tile = 2 * mp.u.n_mzi + mp.u.n + 2 * mp.vh.n_mzi + mp.vh.n + mp.sigma.size
    c = dev.counters
    assert c["tile_writes"] == 6 and c["phase_writes"] == 6 * per_tile
    W[20, 3] += 1.0  # tile (1, 0) only
    dev.after_update(1)
    assert dev.counters["tile_writes"] == 7
    assert dev.counters["phase_writes"] == 7 * per_tile


# ---------------------------------------------------------------- a training run
def _reference_program(self, W, rng=None, drift=None):
    """ChipLayer.program as it was: tile by tile, the reference write, per-tile drift."""
    m, n = self.chip.m, self.chip.n
    written = 0
    for t in range(self.n_tiles):
        r, c = divmod(t, self.cols)
        block = np.asarray(W[r * m:(r + 1) * m, c * n:(c + 1) * n], dtype=float)
        if drift is not None and self._has[t]:
            old = self.written[t][: block.shape[0], : block.shape[1]]
            moved, ref = np.linalg.norm(block - old), np.linalg.norm(old)
            if (moved / ref if ref > 0.0 else (np.inf if moved > 0.0 else 0.0)) <= drift:
                continue
        codes = None if self.seen is None else self.seen[t % self.cols]
        prog, matrix, readout = ref_program(self.chip, block, self.core_of[t], rng, codes)
        held = Realised(prog["tile"][None], {k: v[None] for k, v in prog["u"].items()},
                        {k: v[None] for k, v in prog["vh"].items()}, prog["sigma"][None],
                        prog["matrix"][None], np.array([prog["gain"]]), ())
        self.tiles[t] = Tile(self.core_of[t], held, 0, readout, matrix)
        self.written[t] = prog["tile"]
        self._ref[t] = np.linalg.norm(block)
        self._has[t] = True
        if self._stream is not None:
            self._stream.put(t, fold(self.chip, matrix, readout.lo_phase, readout.tia_gain,
                                     self._pd), readout.alpha, readout.beta)
        self.counters["phase_writes"] += self.chip.phase_settings
        written += 1
    if written:
        self.counters["tile_writes"] += written
        self._stack = None
    return written


def test_a_short_training_run_is_the_same_on_the_reference_writes(monkeypatch):
    from emulator.data import load_dataset
    from emulator.training import train

    def run():
        return train(load_dataset("digits", 1), layers=[64, 32, 10], seed=1, epochs=2,
                     progress=False, method="tpfp", fscale=0.2,
                     hardware=dict(core=str(CORE16), cores=4))

    fast = run()
    with monkeypatch.context() as mp:
        mp.setattr(ChipLayer, "program", _reference_program)
        mp.setattr(ChipLayer, "folded", False)  # no stacking of layers: layer by layer
        slow = run()
    assert fast.counters["tile_writes"] > fast.counters["tiles"]  # re-writes happened
    assert fast.counters == slow.counters
    assert fast.test_accuracy == slow.test_accuracy
    assert fast.train_loss_per_epoch == slow.train_loss_per_epoch
    assert fast.chip["calibration"] == slow.chip["calibration"]
    for a, b in zip(fast.weights, slow.weights):
        assert np.array_equal(a, b)


def test_one_cores_offsets_serve_a_whole_stack():
    from emulator.chip.realise import realise_many

    chip = CHIPS["crosstalk, 5-bit drivers, errors, loss"](True)
    tiles = np.random.default_rng(8).normal(size=(3, 5, 5))
    held = realise_many(chip.spec, tiles, chip.offsets[1])
    for t, w in enumerate(tiles):
        ref = ref_realise(chip.spec, w, chip.offsets[1])
        _close(held.matrix[t], ref["matrix"], f"tile {t}")
        _close(held.vh["out_phase"][t], ref["vh"]["out_phase"], f"tile {t}: V† screen")


def test_drift_check_and_tiles_due_are_the_norms_of_the_padded_tiles():
    """The compiled drift pass over W against numpy norms of the zero-padded tiles: never
    written (inf), written and moved, empty and still empty (0), empty and no longer
    (inf); the tiles it hands to the write are the padded tiles."""
    chip = CHIPS["crosstalk, 5-bit drivers, errors, loss"](True)
    rng = np.random.default_rng(11)
    W = rng.normal(size=(12, 13)).astype(np.float32)  # 3 x 3 tiles of 5 x 5, padded
    W[:5, :5] = 0.0  # tile 0 empty
    layer = ChipLayer(chip, W.shape, 0)
    assert np.all(np.isinf(layer.drifts(W)))
    layer.program(W, drift=None)
    assert np.array_equal(layer.drifts(W), np.zeros(9))
    V = W.copy()
    V[0, 0] = 0.5  # the empty tile is no longer
    V[6:, 11:] += 0.1  # the padded tiles of the last column moved
    blocks, held = layer._blocks(V), layer._blocks(W)
    moved = np.linalg.norm((blocks - held).reshape(9, -1), axis=1)
    ref = np.linalg.norm(held.reshape(9, -1), axis=1)
    want = np.where(ref > 0.0, moved / np.where(ref > 0.0, ref, 1.0),
                    np.where(moved > 0.0, np.inf, 0.0))
    got = layer.drifts(V)
    assert np.array_equal(np.isinf(got), np.isinf(want)) and got[0] == np.inf
    assert np.allclose(got[~np.isinf(want)], want[~np.isinf(want)], rtol=1e-12, atol=0.0)
    assert np.flatnonzero(got).tolist() == [0, 5, 8]
    assert layer.program(V, drift=0.01) == 3
    assert np.array_equal(layer.written, blocks)
    assert np.allclose(layer._ref, np.linalg.norm(blocks.reshape(9, -1), axis=1),
                       rtol=1e-12, atol=0.0)
