"""The event engine over every WDM channel: each channel's own transfer, detector currents
added across channels, dark current and noise once on the sum (the fast path's physics,
:func:`emulator.fastpath.wdm.evaluate_channels`); events and ledger per vector, not per
channel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.constants import e as Q_E

from emulator.compile.channels import channel_wavelengths
from emulator.engine import simulate
from emulator.engine.plan import build_plan
from emulator.fastpath.wdm import evaluate_channels
from emulator.netlist import load_netlist
from emulator.netlist.generators import dota_crossbar

ROOT = Path(__file__).resolve().parents[1]
NETLISTS = ["mrr_weight_bank_8x4", "dota_crossbar_4", "mrr_weight_bank_16x16",
            "dota_crossbar_16"]


@pytest.fixture(scope="module")
def plans():
    return {}


def _plan(plans, name):
    if name not in plans:
        plans[name] = build_plan(ROOT / "netlists" / f"{name}.yaml")
    return plans[name]


@pytest.mark.parametrize("name", NETLISTS)
def test_engine_equals_evaluate_channels(plans, name):
    plan = _plan(plans, name)
    assert len(plan.wavelengths) == (16 if name.endswith("16") else 4 if "dota" in name else 8)
    x = np.random.default_rng(5).uniform(-1, 1, (12, plan.n_in))
    for kw in ({}, {"quantize": False}, {"per_event": True, "quantize": False}):
        want = evaluate_channels(plan.netlist, x, quantize=kw.get("quantize", True))
        got = simulate(plan, x, **kw).outputs
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    # not a single channel's answer: the other channels add to the read-out
    one = build_plan(plan.netlist, wavelength=plan.wavelengths[0])
    from emulator.fastpath import evaluate
    assert np.abs(evaluate(one, x, quantize=False) - want).max() > 1e-3


def _receiver_chain(net, x):
    """By hand, without the engine's channel code: each channel's single-wavelength plan
    run up to its balanced pairs; their currents summed over the channels (the pairs' dark
    currents cancel); then per output the TIA gain and the ADC's full scale.  Returns the
    summed currents (B, n_out), the TIA gains and the ADC full scales, in output order."""
    lams = channel_wavelengths(net)
    total = None
    for lam in lams:
        p = build_plan(net, wavelength=float(lam))
        assert not p.channels
        v = p.values(x, quantize=False)
        for bank in p.banks:
            v.run_bank(bank, slice(None))
        det = [b for b in p.banks if b.kind == "detector"]
        cur = np.concatenate([v.E[:, b.output[1]] for b in det], axis=1)
        names = [m for b in det for m in b.members]
        total = cur if total is None else total + cur
    insts = net.instances
    feeds = {c.src: c.dst for c in net.connections}
    by_det = {n: i for i, n in enumerate(names)}
    order = []
    for ext in net.external("out"):
        adc = net.ports[ext][0]
        tia = next(s for s, d in feeds.items() if d == adc)
        det = next(s for s, d in feeds.items() if d == tia)
        order.append((by_det[det], insts[det].params, insts[tia].params, insts[adc].params))
    cur = total[:, [o[0] for o in order]]
    return cur, order


@pytest.mark.parametrize("name", ["mrr_weight_bank_8x4", "dota_crossbar_4"])
def test_engine_reads_the_summed_current_by_hand(plans, name):
    plan = _plan(plans, name)
    net = plan.netlist
    x = np.random.default_rng(6).uniform(-1, 1, (7, plan.n_in))
    cur, order = _receiver_chain(net, x)
    gain = np.array([t["gain"] for _, _, t, _ in order])
    v_fs = np.array([a["v_fs"] for _, _, _, a in order])
    want = np.clip(cur * gain / v_fs, -1, 1)
    got = simulate(plan, x, quantize=False).outputs
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["mrr_weight_bank_8x4", "dota_crossbar_4"])
def test_engine_noise_matches_the_closed_form(plans, name):
    """10,000 passes of one vector.  Per output: the balanced pair's shot noise on the
    summed current, 2·q·(|I| + 2·I_dark)·B (a TIA reads it: no load resistor), then the
    TIA's input noise (density² · B) times its gain, over the ADC's full scale:
        var = (G/v_fs)² · (2·q·(|I| + 2·I_dark)·B + n_TIA²·B),  mean = G·I/v_fs.
    Mean within 5 standard errors (0.05 σ), variance within 5 %."""
    plan = _plan(plans, name)
    net = plan.netlist
    x = np.random.default_rng(8).uniform(-1, 1, (1, plan.n_in))
    cur, order = _receiver_chain(net, x)
    cur = cur[0]
    mean, var = [], []
    for i, (_, d, t, a) in enumerate(order):
        band = d["noise_bandwidth"]
        assert band == t["noise_bandwidth"] > 0 and d["load"] == "tia"
        s2 = 2 * Q_E * (abs(cur[i]) + 2 * d["dark_current"]) * band \
            + t["noise_density"] ** 2 * band
        k = t["gain"] / a["v_fs"]
        mean.append(k * cur[i])
        var.append(k * k * s2)
    mean, var = np.array(mean), np.array(var)
    N = 10_000
    out = simulate(plan, np.repeat(x, N, axis=0), quantize=False, noise=True, seed=11).outputs
    assert np.all(np.abs(out.mean(axis=0) - mean) < 0.05 * np.sqrt(var))
    np.testing.assert_allclose(out.var(axis=0), var, rtol=0.05)


def test_events_per_pass_do_not_grow_with_channels():
    """One optical propagation per vector, whatever the channels: a 2x2 crossbar with 4
    and with 12 wavelengths processes the same events (and so does a 4x4 node one)."""
    events = {}
    for h, n in ((2, 4), (2, 12), (4, 4)):
        x = np.random.default_rng(0).uniform(-1, 1, (16, 2 * h * n))
        r = simulate(dota_crossbar(h, h, n), x)
        events[(h, n)] = r.events
    assert events[(2, 4)] == events[(2, 12)] == events[(4, 4)]


def test_ledger_counts_each_device_and_each_line_once():
    """W = 4: each DAC converts once per vector (2·FoM·bits each, not W times), each source
    draws lines·power/(wpe) at the wall, and the optical energy is every line's power over
    the pass."""
    net = load_netlist(dota_crossbar(2, 2, 4))
    B = 16
    r = simulate(net, np.random.default_rng(0).uniform(-1, 1, (B, 2 * 2 * 4)))
    by = r.by_instance_j
    for name, inst in net.instances.items():
        p = inst.params
        if inst.component.name == "dac":
            assert by[name] == pytest.approx(B * 2 * p["fom"] * p["bits"], rel=1e-12)
        if inst.component.name == "multi_laser":
            assert int(p["lines"]) == 4
            assert by[name] == pytest.approx(
                4 * p["power"] / (p["wpe"] * p["conversion"]) * r.latency_s, rel=1e-12)
    lines = sum(4 * i.params["power"] for i in net.instances.values()
                if i.component.name == "multi_laser")
    assert r.optical_energy_j == pytest.approx(lines * r.latency_s, rel=1e-12)


def test_single_wavelength_plans_have_no_channels():
    plan = build_plan(ROOT / "netlists" / "onn_core_4.yaml")
    assert plan.channels == [] and len(plan.wavelengths) == 1
