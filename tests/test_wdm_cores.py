"""WDM cores: the microring weight bank and the DOTA crossbar generators, compiled one
transfer per channel (emulator.compile.channels)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from components.errors import NetlistError, UserError
from emulator import load_netlist
from emulator.cli.main import main
from emulator.compile import compile_netlist
from emulator.compile.channels import channel_wavelengths, compile_channels
from emulator.engine import simulate
from emulator.netlist.generators import dota_crossbar, mrr_weight_bank

ROOT = Path(__file__).resolve().parents[1]
MUX_IL = 10 ** (-1.25 / 10)  # the mux's default insertion loss


def _bank_weights(d, cs, m, n):
    """|drop|² − |through|² from modulator k to bank j on channel k, per unit input power
    after the mux and the 1/m split."""
    R = np.zeros((m, n))
    for k, c in enumerate(cs):
        i = c.index_in[(f"mod{k}", "out0")]
        for j in range(m):
            drop = c.matrix[c.index_out[(f"bpd{j}", "in0")], i]
            thru = c.matrix[c.index_out[(f"bpd{j}", "in1")], i]
            R[j, k] = (abs(drop) ** 2 - abs(thru) ** 2) / (MUX_IL / m)
    return R


@pytest.mark.parametrize("w", [-0.9, -0.4, 0.0, 0.35, 1.0])
def test_single_ring_bank_realises_its_weight(w):
    d = mrr_weight_bank(1, 1, weights=[[w]])
    cs = compile_channels(load_netlist(d))
    assert len(cs) == 1
    # exact up to the inversion grid of weight_to_detuning
    assert _bank_weights(d, cs, 1, 1)[0, 0] == pytest.approx(d["info"]["scale"] * w, abs=1e-3)


def test_weight_bank_8x4_per_channel():
    d = mrr_weight_bank(8, 4, seed=2)
    net = load_netlist(d)
    assert np.allclose(np.diff(channel_wavelengths(net)), 1.6e-9)
    cs = compile_channels(net)
    W, scale = np.array(d["info"]["weights"]), d["info"]["scale"]
    R = _bank_weights(d, cs, 4, 8)
    assert np.abs(R / scale - W).max() < 0.1  # coherent leakage of the neighbouring rings
    # another channel's modulator reaches a bank only through the mux's crosstalk
    c = cs[3]
    for k in (2, 4):
        i = c.index_in[(f"mod{k}", "out0")]
        leak = sum(abs(c.matrix[c.index_out[("bpd0", p)], i]) ** 2 for p in ("in0", "in1"))
        assert leak < 10 ** (-2.0) * MUX_IL / 4


def test_dota_node_sees_its_row_and_column_on_its_channel():
    net = load_netlist(dota_crossbar(3, 2, 4))
    cs = compile_channels(net)
    assert len(cs) == 4
    k, c = 2, cs[2]
    out = [c.index_out[("n1_0_pd", p)] for p in ("in0", "in1")]

    def reach(src):
        return np.abs(c.matrix[out, c.index_in[(src, "out0")]]) ** 2

    x, y = reach(f"x1_mod{k}"), reach(f"y0_mod{k}")
    assert np.allclose(x, x[0]) and np.allclose(y, y[0])  # the 50:50 coupler
    assert x.sum() > 1e-2 and y.sum() > 1e-2
    assert reach(f"x0_mod{k}").sum() == 0.0 and reach(f"y1_mod{k}").sum() == 0.0
    # the routers keep other channels' modulators out: about -19 dB next door (the
    # Lorentzian tail of a Q ~ 8,500 ring at 0.8 nm), less further away
    assert reach(f"x1_mod{1}").sum() < 2e-2 * x.sum()
    assert reach(f"x1_mod{0}").sum() < 0.5e-2 * x.sum()


def test_crossbar_12x12x12_compiles_per_wavelength_fast():
    net = load_netlist(dota_crossbar(12))
    lams = channel_wavelengths(net)
    assert len(lams) == 12
    best = np.inf
    for _ in range(2):
        t = time.perf_counter()
        compile_netlist(net, float(lams[5]))
        best = min(best, time.perf_counter() - t)
    assert best < 1.0


def test_events_per_pass_do_not_grow_with_nodes():
    x = np.random.default_rng(0).uniform(-1, 1, (4, 2 * 2 * 2))
    small = simulate(dota_crossbar(2, 2, 2), x)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 2 * 4 * 2))
    big = simulate(dota_crossbar(4, 4, 2), x)
    assert small.events == big.events


@pytest.mark.parametrize("name", ["mrr_weight_bank_8x4", "dota_crossbar_4"])
def test_example_netlists_validate_and_simulate(name):
    path = ROOT / "netlists" / f"{name}.yaml"
    assert main(["netlist", "validate", str(path)]) == 0
    net = load_netlist(path)
    r = simulate(net, np.random.default_rng(1).uniform(-1, 1, (2, len(net.external("in")))))
    assert r.energy_j > 0


def test_wavelengths_above_the_mux_are_refused(tmp_path):
    f = tmp_path / "wdm.yaml"
    f.write_text('version: 1\nname: w\ninstances:\n'
                 '  src: {component: multi_laser, params: {lines: 8}}\n'
                 '  dmx: {component: wdm_demux, params: {n: 4}}\n'
                 + "".join(f"  t{k}: {{component: terminator}}\n" for k in range(4))
                 + 'connections:\n  "src,out0": "dmx,in0"\n'
                 + "".join(f'  "dmx,out{k}": "t{k},in0"\n' for k in range(4)) + "ports: {}\n")
    with pytest.raises(NetlistError) as err:
        load_netlist(f)
    msg = str(err.value)
    assert "wdm.yaml:5" in msg and "emits 8 wavelengths" in msg and "declares 4" in msg


def test_bad_generator_input(tmp_path, capsys):
    with pytest.raises(UserError, match="free spectral range"):
        dota_crossbar(2, n=30)
    with pytest.raises(UserError, match="may not set lines"):
        dota_crossbar(2, source={"lines": 5})
    with pytest.raises(UserError, match="shape"):
        mrr_weight_bank(3, 2, weights=[[0.1, 0.2], [0.3, 0.4]])
    f = tmp_path / "bank.yaml"
    f.write_text("version: 1\nname: b\ninstances:\n"
                 "  bank: {generator: mrr_weight_bank, params: {n: 12, m: 2, seed: 1}}\n"
                 "ports: {}\n")
    assert main(["netlist", "validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "bank.yaml:4" in err and "free spectral range" in err


@pytest.mark.parametrize("name", ["mrr_weight_bank_8x4", "dota_crossbar_4"])
def test_engine_outputs_equal_fast_path(name):
    from emulator import fastpath
    from emulator.engine.plan import as_plan

    plan = as_plan(ROOT / "netlists" / f"{name}.yaml")
    x = np.random.default_rng(3).uniform(-1, 1, (6, plan.n_in))
    for kw in ({}, {"per_event": True}, {"quantize": False}):
        want = fastpath.evaluate(plan, x, quantize=kw.get("quantize", True))
        np.testing.assert_allclose(simulate(plan, x, **kw).outputs, want, rtol=0, atol=1e-12)


def test_breakdown_counts_match_a_generated_core():
    """The DOTA breakdown's device counts per core, without sharing, are the instance counts
    of a generated 12x12x12 crossbar."""
    from emulator.breakdown import counts

    net = load_netlist(dota_crossbar(12))
    n = net.counts()
    c = counts({"height": 12, "width": 12, "wavelengths": 12, "tiles": 1, "cores_per_tile": 1,
                "input_shared": False, "receivers_shared": False})
    assert (n["modulator"], n["dac"], n["ring"]) == (c["modulators"], c["dacs"], c["rings"])
    assert (n["balanced_photodetector"], n["phase_shifter"]) == (c["nodes"], c["nodes"])
    assert (n["tia"], n["adc"]) == (c["tias"], c["adcs"])


def _codes(net, rows: dict[str, np.ndarray]) -> np.ndarray:
    """Inputs in the netlist's port order from {port name: column}."""
    return np.stack([rows[name] for name in net.external("in")], axis=1)


def test_dota_crossbar_computes_dot_products_over_wavelengths():
    """Every channel's transfer, detector currents added: out_ij ∝ Σ_k x_ik·y_jk."""
    from emulator.fastpath.wdm import evaluate_channels

    h, w, n, B = 3, 2, 4, 20
    net = load_netlist(dota_crossbar(h, w, n))
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(-1, 1, (B, h, n)), rng.uniform(-1, 1, (B, w, n))
    cols = {f"x{i}_{k}": X[:, i, k] for i in range(h) for k in range(n)}
    cols.update({f"y{j}_{k}": Y[:, j, k] for j in range(w) for k in range(n)})
    out = evaluate_channels(net, _codes(net, cols), quantize=False)
    dots = np.einsum("bik,bjk->bij", X, Y)
    want = np.stack([dots[:, i, j] for i in range(h) for j in range(w)], axis=1)
    assert [f"out{i}_{j}" for i in range(h) for j in range(w)] == net.external("out")
    c = float(np.sum(out * want) / np.sum(want * want))  # one gain for the whole crossbar
    assert c > 0
    assert np.abs(out - c * want).max() < 0.1 * np.abs(c * want).max()  # router crosstalk


def test_weight_bank_adds_its_channels():
    """out_j ∝ Σ_k R_jk·x_k², R the per-channel realised weights (powers add)."""
    from emulator.fastpath.wdm import evaluate_channels

    d = mrr_weight_bank(6, 3, seed=4)
    net = load_netlist(d)
    R = _bank_weights(d, compile_channels(net), 3, 6)
    x = np.random.default_rng(1).uniform(-1, 1, (30, 6))
    out = evaluate_channels(net, x, quantize=False)
    want = (x ** 2) @ R.T
    c = float(np.sum(out * want) / np.sum(want * want))
    assert np.abs(out - c * want).max() < 0.02 * np.abs(c * want).max()


def test_link_budget_per_line_of_a_crossbar():
    """Each row source's line reaches the w balanced pairs of its row: fan-out w, and the
    wall-plug figure counts every line (the source's own model)."""
    import math

    from emulator.graph.budget import link_budget

    net = load_netlist(dota_crossbar(3, 4, 2))
    rows = {e["laser"]: e for e in link_budget(net)}
    e = rows["x0_src"]
    assert e["detectors"] == 4 and rows["y0_src"]["detectors"] == 3
    sens = e["sensitivity_w"]
    want = sens * 10 ** (e["worst_path_loss_db"] / 10) * 4 * 2 ** (8 - 1) / (1 - 10 ** -1.0)
    assert e["optical_power_w"] == pytest.approx(want)
    assert e["wall_plug_w"] == pytest.approx(2 * want / 0.2)  # 2 lines at WPE 0.2
    assert math.isclose(e["extinction_db"], 10.0)


def test_wdm_fast_path_noise_is_seeded_and_centred():
    from emulator.fastpath.wdm import evaluate_channels

    net = load_netlist(mrr_weight_bank(4, 2, seed=3))
    x = np.tile(np.random.default_rng(2).uniform(-1, 1, (1, 4)), (400, 1))
    clean = evaluate_channels(net, x, quantize=False)
    a = evaluate_channels(net, x, quantize=False, noise=True, seed=7)
    b = evaluate_channels(net, x, quantize=False, noise=True, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, evaluate_channels(net, x, quantize=False, noise=True, seed=8))
    assert np.all(a.std(axis=0) > 0)
    assert np.abs(a.mean(axis=0) - clean[0]).max() < 5 * a.std(axis=0).max() / np.sqrt(400)
