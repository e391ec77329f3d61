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


# ------------------------------------------------- WDM crosstalk: the demultiplexer's only

def _demux_netlist(tmp_path, *, crosstalk="-20 dB", spacing="0.8 nm", mode="intensity",
                   extra=""):
    """A 3-line source, a 3-channel demux and one photodetector per channel."""
    f = tmp_path / "dmx.yaml"
    f.write_text(
        "version: 1\nname: dmx\ninstances:\n"
        f"  src: {{component: multi_laser, params: {{lines: 3, spacing: {spacing}}}}}\n"
        f"  dmx: {{component: wdm_demux, params: {{n: 3, crosstalk: {crosstalk}, "
        f"spacing: {spacing}}}}}\n"
        + "".join(f"  pd{k}: {{component: photodetector, params: {{mode: {mode}{extra}}}}}\n"
                  for k in range(3))
        + 'connections:\n  "src,out0": "dmx,in0"\n'
        + "".join(f'  "dmx,out{k}": "pd{k},in0"\n' for k in range(3))
        + "ports:\n" + "".join(f'  o{k}: "pd{k},e_out"\n' for k in range(3)))
    return f


def test_compiled_channels_carry_the_demux_leak(tmp_path):
    """Channel 1's light: out1 at the insertion loss IL = 10^(-0.125), out0 and out2 at
    IL·10^(-2) (-20 dB adjacent), so each neighbour's detector sees 1 % of it."""
    from emulator.compile.channels import compile_channels

    c = compile_channels(load_netlist(_demux_netlist(tmp_path)))[1]
    i = c.index_in[("src", "out0")]
    power = [abs(c.matrix[c.index_out[(f"pd{k}", "in0")], i]) ** 2 for k in range(3)]
    il = 10 ** (-1.25 / 10)
    assert power == pytest.approx([il * 0.01, il, il * 0.01], rel=1e-12)


def test_receiver_penalty_reads_the_demux_crosstalk(tmp_path):
    """By hand, from the netlist's demux (-20 dB, ε = 0.01):
      intensity, 3 channels (2 neighbours): r = 2·0.01 = 0.02, penalty -10·log10(0.98)
        = 0.087739 dB, resolution log2(50) = 5.6439 bits;
      coherent, 0.1 nm spacing = c·0.1 nm/(1550 nm)² = 12.478 GHz, inside the diodes'
        20 GHz band: r = 2·√0.01 = 0.2, penalty -10·log10(0.8) = 0.96910 dB;
      coherent at 0.8 nm (99.83 GHz, beyond the band): r = 0."""
    from emulator.graph.receiver import wdm_crosstalk

    w = wdm_crosstalk(load_netlist(_demux_netlist(tmp_path)), 3)
    assert w["demux"] == "wdm_demux 'dmx'" and w["crosstalk_db"] == -20.0
    assert w["interference_ratio"] == pytest.approx(0.02, rel=1e-12)
    assert w["power_penalty_db"] == pytest.approx(0.087739, rel=1e-5)
    assert w["resolution_bits"] == pytest.approx(5.6439, rel=1e-4)
    near = load_netlist(_demux_netlist(tmp_path, spacing="0.1 nm", mode="coherent"))
    w = wdm_crosstalk(near, 3)
    assert w["channel_spacing_hz"] == pytest.approx(12.478e9, rel=1e-4)
    assert w["interference_ratio"] == pytest.approx(0.2, rel=1e-12)
    assert w["power_penalty_db"] == pytest.approx(0.96910, rel=1e-5)
    far = load_netlist(_demux_netlist(tmp_path, mode="coherent"))
    assert wdm_crosstalk(far, 3)["interference_ratio"] == 0.0
    # a netlist without a demux: the library's wdm_demux (-25 dB) stands in
    w = wdm_crosstalk(load_netlist(ROOT / "netlists" / "onn_core_4.yaml"), 3)
    assert w["demux"] == "wdm_demux defaults" and w["crosstalk_db"] == -25.0


@pytest.mark.parametrize("key, lives", [("wdm_crosstalk", "'crosstalk'"),
                                        ("channel_spacing", "'spacing'")])
def test_retired_photodetector_settings_say_where_they_live(tmp_path, capsys, key, lives):
    from components.errors import NetlistError, ScenarioError
    from emulator.cli.main import main
    from emulator.scenario.load import load_scenario

    value = {"wdm_crosstalk": "-30 dB", "channel_spacing": "50 GHz"}[key]
    f = _demux_netlist(tmp_path, extra=f", {key}: {value}")
    with pytest.raises(NetlistError) as err:
        load_netlist(f)
    msg = str(err.value)
    assert "dmx.yaml:6: instances.pd0.params." + key in msg
    assert f"'photodetector' no longer takes {key!r}" in msg
    assert lives in msg and "wdm_demux" in msg
    assert main(["netlist", "validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "dmx.yaml:6" in err and "wdm_demux" in err and "Traceback" not in err
    # a scenario's override: the same message, at its place in the scenario
    with pytest.raises(ScenarioError) as err:
        load_scenario(ROOT / "scenarios" / "quickstart.yaml",
                      {"hardware.params": {"photodetector": {key: value}}})
    assert f"hardware.params.photodetector.{key}" in str(err.value)
    assert "wdm_demux" in str(err.value)


def test_a_scenario_cannot_set_the_implied_demux_yet():
    """A scenario core has no wdm_demux: its WDM penalty reads the library's defaults, and
    a hardware.params override of it is an error saying so (not silently ignored)."""
    from components.errors import ScenarioError
    from emulator.scenario.load import load_scenario

    with pytest.raises(ScenarioError) as err:
        load_scenario(ROOT / "scenarios" / "quickstart.yaml",
                      {"hardware.wavelengths": 4,
                       "hardware.params": {"wdm_demux": {"crosstalk": "-30 dB"}}})
    msg = str(err.value)
    assert "hardware.params.wdm_demux" in msg and "library's 'wdm_demux' defaults" in msg


def test_links_take_the_longest_flight_over_channels(plans):
    """Each link of the every-channel plan is the longest over the single-channel plans."""
    plan = _plan(plans, "mrr_weight_bank_8x4")
    singles = [build_plan(plan.netlist, wavelength=lam) for lam in plan.wavelengths]
    for i, bank in enumerate(plan.banks):
        want: dict[int, int] = {}
        for p in singles:
            for u, link in p.banks[i].upstream.items():
                want[u] = max(want.get(u, 0), link)
        assert bank.upstream == want
        assert all(link > 0 for u, link in want.items() if plan.banks[u].output[0] == "F")
