"""Event engine and fast path: outputs, latency, energy, noise, events, trace.

Every expected number here is computed in the test, by hand or by an independent route
(networkx longest paths, closed-form noise variances, the MZI matrix written out).
"""

import json
import math

import networkx as nx
import numpy as np
import pytest
from scipy import stats
from scipy.constants import c as C, e as Q, k as KB

from emulator import fastpath, load_netlist
from emulator.engine import build_plan, digital_work, reprogram, simulate
from emulator.netlist.generators.cores import core_netlist
from emulator.engine.trace import document
from components.errors import UserError
from emulator.io.files import write_json

ONN16 = "netlists/onn_core_16.yaml"


def amp(db):
    return 10 ** (-db / 20)


# delays every part adds, written out from the component defaults (see their source tags)
T_DAC, T_MOD, T_ADC = 1 / 14e9, 1 / 25e9, 1 / 10e9  # periods
# converters: pipeline latency of 2 (DAC) and 8 (ADC) sample periods; modulator: rise time
# plus the time of flight through its 3 mm at n_g 3.4
D_DAC, D_PD, D_TIA, D_ADC = 2 / 14e9, 0.35 / 20e9, 0.35 / 40e9, 8 / 10e9
D_MOD = 0.35 / 12.5e9 + 3.4 * 3e-3 / C


def hand_delay(inst):
    name, p = inst.component.name, inst.params
    fixed = {"dac": D_DAC, "modulator": D_MOD, "photodetector": D_PD, "tia": D_TIA,
             "adc": D_ADC}
    if name in fixed:
        return fixed[name]
    if name in ("mzi", "phase_shifter", "waveguide"):
        return 3.4 * p["length"] / C
    if name in ("splitter", "combiner"):  # a tree of ceil(log2 n) 1×2 stages of 100 µm
        return math.ceil(math.log2(p["n"])) * 3.4 * 100e-6 / C
    return 0.0  # laser, attenuator, terminator, dark


def critical_path(netlist) -> float:
    """Longest source-to-sink delay: networkx over the whole netlist, node delays by hand."""
    net = load_netlist(netlist) if not hasattr(netlist, "instances") else netlist
    g = nx.DiGraph()
    for c in net.connections:
        g.add_edge(c.src, c.dst, w=hand_delay(net.instances[c.src]))
    for n in list(g.nodes):
        if g.out_degree(n) == 0:
            g.add_edge(n, "END", w=hand_delay(net.instances[n]))
    return nx.dag_longest_path_length(g, weight="w")


def small_core(theta=1.1, phi=0.4, lengths=(1e-3, 2e-3), tia_gain=100.0, laser="10 mW",
               tech="thermo"):
    """2 channels: laser -> splitter -> DAC-driven modulators -> waveguides -> one MZI ->
    coherent detectors -> TIAs -> ADCs."""
    inst = {"laser": {"component": "laser", "params": {"power": laser}},
            "split": {"component": "splitter", "params": {"n": 2}},
            "mzi": {"component": "mzi", "params": {"theta": theta, "phi": phi, "tech": tech}}}
    conn = {"laser,out0": "split,in0"}
    ports = {}
    for i in range(2):
        inst.update({f"dac{i}": {"component": "dac"}, f"mod{i}": {"component": "modulator"},
                     f"wg{i}": {"component": "waveguide", "params": {"length": lengths[i]}},
                     f"pd{i}": {"component": "photodetector", "params": {"mode": "coherent"}},
                     f"tia{i}": {"component": "tia", "params": {"gain": tia_gain}},
                     f"adc{i}": {"component": "adc"}})
        conn.update({f"split,out{i}": f"mod{i},in0", f"dac{i},e_out": f"mod{i},drive",
                     f"mod{i},out0": f"wg{i},in0", f"wg{i},out0": f"mzi,in{i}",
                     f"mzi,out{i}": f"pd{i},in0", f"pd{i},e_out": f"tia{i},e_in",
                     f"tia{i},e_out": f"adc{i},e_in"})
        ports.update({f"in{i}": f"dac{i},d_in", f"out{i}": f"adc{i},d_out"})
    return {"version": 1, "name": "small_core", "instances": inst, "connections": conn,
            "ports": ports}


@pytest.fixture(scope="module")
def onn16():
    return build_plan(ONN16)


@pytest.fixture(scope="module")
def small():
    return build_plan(small_core())


def codes(B, n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (B, n))


# ------------------------------------------------------------------------ outputs

@pytest.mark.parametrize("which", ["onn16", "small"])
def test_engine_outputs_equal_fast_path(which, request):
    plan = request.getfixturevalue(which)
    x = codes(12, plan.n_in)
    ref = fastpath.evaluate(plan, x)
    for kw in ({}, {"per_event": True}, {"per_event": True, "converters": {"dac": 1}},
               {"quantize": False, "per_event": True}):
        want = ref if kw.get("quantize", True) else fastpath.evaluate(plan, x, quantize=False)
        np.testing.assert_allclose(simulate(plan, x, **kw).outputs, want, rtol=0, atol=1e-12)


def test_engine_draws_the_fast_paths_noise_per_event(onn16):
    x = codes(6, 16)
    ev = simulate(onn16, x, noise=True, seed=5, per_event=True).outputs
    np.testing.assert_allclose(ev, fastpath.evaluate(onn16, x, noise=True, seed=5), atol=1e-12)
    assert not np.allclose(ev, fastpath.evaluate(onn16, x, noise=True, seed=6))


def test_fast_path_equals_hand_computed_chain():
    theta, phi, lengths = 1.1, 0.4, (1e-3, 2e-3)
    x = codes(50, 2, seed=1)
    out = fastpath.evaluate(small_core(theta, phi, lengths), x, quantize=False)
    # MZI: i e^{iθ/2} [[e^{iφ} sin θ/2, cos θ/2], [e^{iφ} cos θ/2, -sin θ/2]] x 0.25 dB
    s, c = math.sin(theta / 2), math.cos(theta / 2)
    W = 1j * np.exp(0.5j * theta) * amp(0.25) * np.array(
        [[np.exp(1j * phi) * s, c], [np.exp(1j * phi) * c, -s]])
    wg = np.array([amp(11.0 * L) * np.exp(2j * np.pi * 2.34 * L / 1.55e-6) for L in lengths])
    field_in = math.sqrt(10e-3) * amp(0.2) / math.sqrt(2) * amp(1.2)  # laser, split, modulator
    current = 2 * 1.0 * math.sqrt(1e-3) * ((x * wg * field_in) @ W.T).real  # coherent PD
    expected = 100.0 * current / 1.0  # TIA gain 100 Ohm, ADC full scale 1 V
    assert np.abs(expected).max() < 1  # no clipping: the comparison is meaningful
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


def multiplier():
    """laser -> modulator a (dac a) -> modulator b (dac b) -> detector: out = x_a · x_b.
    Modulator b waits for two banks: the DACs and modulator a."""
    return {"version": 1, "instances": {
        "laser": {"component": "laser", "params": {"power": "10 mW"}},
        "dac_a": {"component": "dac"}, "dac_b": {"component": "dac"},
        "mod_a": {"component": "modulator"}, "mod_b": {"component": "modulator"},
        "pd": {"component": "photodetector", "params": {"mode": "coherent"}},
        "tia": {"component": "tia", "params": {"gain": 100}}, "adc": {"component": "adc"}},
        "connections": {"laser,out0": "mod_a,in0", "dac_a,e_out": "mod_a,drive",
                        "mod_a,out0": "mod_b,in0", "dac_b,e_out": "mod_b,drive",
                        "mod_b,out0": "pd,in0", "pd,e_out": "tia,e_in", "tia,e_out": "adc,e_in"},
        "ports": {"a": "dac_a,d_in", "b": "dac_b,d_in", "y": "adc,d_out"}}


def test_bank_joining_two_banks_multiplies():
    plan = build_plan(multiplier())
    assert [len(b.upstream) for b in plan.banks] == [0, 1, 2, 1, 1, 1]
    x = codes(40, 2, seed=3)
    gain = 100 * 2 * math.sqrt(1e-3) * math.sqrt(10e-3) * amp(1.2) ** 2
    np.testing.assert_allclose(fastpath.evaluate(plan, x, quantize=False)[:, 0],
                               gain * x[:, 0] * x[:, 1], atol=1e-12)
    r = simulate(plan, x, per_event=True)
    np.testing.assert_allclose(r.outputs, fastpath.evaluate(plan, x), atol=1e-12)
    one = simulate(plan, x[:1]).latency_s
    assert one == pytest.approx(critical_path(multiplier()), abs=5e-15)
    assert r.latency_s - one == pytest.approx(39 * T_ADC, rel=1e-12)


def test_instances_with_different_params_share_a_bank():
    net = small_core(theta=math.pi, phi=0.0)  # bar state: out1 sees in1 only
    net["instances"]["dac1"]["params"] = {"bits": 4}
    for i in (0, 1):
        net["instances"][f"adc{i}"]["params"] = {"bits": 16}
    plan = build_plan(net)
    dacs = next(b for b in plan.banks if b.kind == "dac")
    assert len(dacs.cells) == 2
    x = codes(30, 2, seed=4)
    q4 = -1 + (np.clip(np.floor((x[:, 1] + 1) / (2 / 16)), 0, 15) + 0.5) * (2 / 16)
    wg = amp(11.0 * 2e-3) * np.exp(2j * np.pi * 2.34 * 2e-3 / 1.55e-6)
    field = math.sqrt(10e-3) * amp(0.2) / math.sqrt(2) * amp(1.2) * amp(0.25) * wg * q4
    expected = 100 * 2 * math.sqrt(1e-3) * field.real  # MZI bar state: out1 = +in1
    out = simulate(plan, x, per_event=True).outputs
    assert np.abs(out[:, 1] - expected).max() <= 2 ** -16 + 1e-12  # half a 16-bit LSB


# ------------------------------------------------------------------------ latency

def test_single_vector_latency_is_the_critical_path(onn16, small):
    for plan, source in ((onn16, ONN16), (small, small_core())):
        r = simulate(plan, codes(1, plan.n_in))
        assert r.latency_s == pytest.approx(critical_path(source), abs=5e-15)  # 1 fs ticks


def test_batch_latency_grows_by_the_slowest_period(small):
    one = simulate(small, codes(1, 2)).latency_s
    for B in (2, 7, 100):
        grown = simulate(small, codes(B, 2)).latency_s - one
        assert grown == pytest.approx((B - 1) * max(T_DAC, T_MOD, T_ADC), rel=1e-12)


def test_shared_converters_latency_hand_formula(onn16):
    tof = critical_path(ONN16) - (D_DAC + D_MOD + D_PD + D_TIA + D_ADC)
    for conv, nd, na in (({"dac": 4, "adc": 4}, 4, 4), ({"dac": 4}, 4, 16),
                         ({"adc": 3}, 16, 3)):
        rd, ra = math.ceil(16 / nd), math.ceil(16 / na)  # rounds per vector
        single = ((rd - 1) * T_DAC + D_DAC + D_MOD + tof + D_PD + D_TIA
                  + (ra - 1) * T_ADC + D_ADC)
        r1 = simulate(onn16, codes(1, 16), converters=conv)
        assert r1.latency_s == pytest.approx(single, abs=1e-14)
        B = 9
        rB = simulate(onn16, codes(B, 16), converters=conv)
        step = max(rd * T_DAC, T_MOD, ra * T_ADC)
        assert rB.latency_s - r1.latency_s == pytest.approx((B - 1) * step, rel=1e-4)


# ------------------------------------------------------------------------ energy

def test_energy_equals_hand_calculation(small):
    theta, phi, B = 1.1, 0.4, 5
    r = simulate(small, codes(B, 2))
    T = r.latency_s
    e_dac = 50e-3 / 14e9  # 2·FoM·bits with FoM = 50 mW / (2·8 b·14 GS/s)
    e_mod = 450e-15 + 1e-12  # the modulator, and its driver's 1 pJ per symbol
    e_adc = 34e-3 / 10e9  # the survey median, 3.4 pJ
    # laser, TIAs, MZI hold, and the two coherent detectors' 1 mW LO at WPE 0.2
    p_static = 10e-3 / 0.2 + 2 * 10e-3 + (theta + phi) / math.pi * 25e-3 + 2 * 1e-3 / 0.2
    assert r.energy_j == pytest.approx(B * 2 * (e_dac + e_mod + e_adc) + p_static * T, rel=1e-12)
    assert r.by_instance_j["dac1"] == pytest.approx(B * e_dac, rel=1e-12)
    assert r.by_instance_j["mzi"] == pytest.approx((theta + phi) / math.pi * 25e-3 * T, rel=1e-12)
    assert r.breakdown_j["adc"] == pytest.approx(2 * B * e_adc, rel=1e-12)
    assert r.avg_power_w == pytest.approx(r.energy_j / T)
    d = r.to_dict()
    assert {"latency_s", "energy_j", "avg_power_w", "breakdown_j", "events"} <= set(d)
    # every entry names its model and the source of every parameter it read
    tags = {e["instance"]: e["model"] for e in d["ledger"]}
    assert tags["laser"].startswith("laser.static_power[wall_plug]")
    assert "power: netlist" in tags["laser"]
    assert "wpe: SimPhony" in tags["laser"]
    assert tags["dac0"].startswith("dac.energy[convert]") and "fom:" in tags["dac0"]


def test_hold_model_p_pi_charges_full_p_pi_per_shifter():
    net = small_core()
    net["instances"]["mzi"]["params"]["hold_model"] = "p_pi"
    r = simulate(net, codes(1, 2))
    assert r.by_instance_j["mzi"] == pytest.approx(2 * 25e-3 * r.latency_s, rel=1e-12)


def test_optical_energy_per_mac_and_shot_noise_flag():
    """The light that reaches the detectors while the vectors stream, by hand: laser
    10 mW, split in two (0.2 dB), modulated (1.2 dB, the 8-bit DAC's level), through the
    waveguides and the lossy MZI (0.25 dB; unitary otherwise), each vector held for the
    slowest part's period (the ADC's 0.1 ns)."""
    B = 4
    x = codes(B, 2)
    r = simulate(small_core(), x)
    q = -1 + (np.minimum(np.floor((x + 1) * 128), 255) + 0.5) / 128  # the DACs' levels
    wg = np.array([amp(11.0 * L) for L in (1e-3, 2e-3)])
    field = math.sqrt(10e-3) * amp(0.2) / math.sqrt(2) * amp(1.2) * q * wg
    detected = np.sum(np.abs(field) ** 2) * amp(0.25) ** 2 * 1e-10
    assert r.optical_energy_per_mac_j == pytest.approx(detected / (B * 2 * 2), rel=1e-9)
    photon = 6.62607015e-34 * 299792458.0 / 1.55e-6
    assert r.photons_per_output_symbol == pytest.approx(detected / (B * 2 * photon), rel=1e-9)
    assert not r.flags
    dim = simulate(small_core(laser="1 nW"), codes(B, 2))
    assert dim.optical_energy_per_mac_j < 50e-21
    assert any("shot-noise floor" in f for f in dim.flags)


# ------------------------------------------------------------------------ noise, quantization

def _intensity_bank(n=10, temperature=0.0, noise_density=0.0):
    """n channels, laser -> splitter -> modulators -> intensity detectors -> TIAs -> ADCs."""
    inst = {"laser": {"component": "laser", "params": {"power": "10 mW"}},
            "split": {"component": "splitter", "params": {"n": n}}}
    conn, ports = {"laser,out0": "split,in0"}, {}
    for i in range(n):
        inst.update({f"dac{i}": {"component": "dac"}, f"mod{i}": {"component": "modulator"},
                     f"pd{i}": {"component": "photodetector", "params": {
                         "mode": "intensity", "dark_current": 0, "temperature": temperature}},
                     f"tia{i}": {"component": "tia", "params": {"noise_density": noise_density}},
                     f"adc{i}": {"component": "adc"}})
        conn.update({f"split,out{i}": f"mod{i},in0", f"dac{i},e_out": f"mod{i},drive",
                     f"mod{i},out0": f"pd{i},in0", f"pd{i},e_out": f"tia{i},e_in",
                     f"tia{i},e_out": f"adc{i},e_in"})
        ports.update({f"in{i}": f"dac{i},d_in", f"out{i}": f"adc{i},d_out"})
    return {"version": 1, "instances": inst, "connections": conn, "ports": ports}


def test_shot_noise_variance_is_2qIB():
    n, B = 10, 10_000  # 1e5 samples
    x = np.ones((B, n))
    out = fastpath.evaluate(_intensity_bank(n), x, quantize=False, noise=True, seed=3)
    current = 10e-3 * amp(0.2) ** 2 / n * amp(1.2) ** 2  # R = 1 A/W, |E|^2 after split, mod
    volts = out * 1.0 / 1e3  # ADC 1 V full scale, TIA 1 kOhm -> A
    assert volts.mean() == pytest.approx(current, rel=1e-3)
    # integrated over the receiver's band: min(diode 20 GHz, TIA 40 GHz, ADC 10 GS/s / 2)
    assert volts.var() == pytest.approx(2 * Q * current * 5e9, rel=0.05)


def test_thermal_and_tia_noise_add_to_shot_noise():
    n, B = 10, 10_000
    out = fastpath.evaluate(_intensity_bank(n, 300.0, 10e-12), np.ones((B, n)),
                            quantize=False, noise=True, seed=4)
    current = 10e-3 * amp(0.2) ** 2 / n * amp(1.2) ** 2
    # each source once, over the 5 GHz receiver band: shot noise and the TIA's input noise
    # (which holds its feedback resistor's); no load resistor, so no 4kT/R term
    var_i = 2 * Q * current * 5e9 + (10e-12) ** 2 * 5e9
    assert (out / 1e3).var() == pytest.approx(var_i, rel=0.05)
    assert 4 * KB * 300.0 * 5e9 / 166.0 > 0.2 * var_i  # the dropped term would show


def test_adc_quantization_error_is_uniform_within_half_lsb(onn16):
    lsb = 2 / 2 ** 8
    k = np.random.default_rng(2).integers(0, 256, (2000, 16))
    x = -1 + (k + 0.5) * lsb  # on the DAC grid: only the ADC quantizes
    err = simulate(onn16, x).outputs - simulate(onn16, x, quantize=False).outputs
    assert np.abs(err).max() <= lsb / 2 + 1e-12
    assert stats.kstest(err.ravel() / lsb, "uniform", args=(-0.5, 1.0)).pvalue > 0.01


# ------------------------------------------------------------------------ events

def test_events_do_not_grow_with_mesh_size():
    x8, x16 = codes(10, 8), codes(10, 16)
    e8 = simulate(core_netlist(8), x8).events
    e16 = simulate(core_netlist(16), x16).events
    assert e8 == e16 == 4 * 10  # one arrival per vector on each of the 4 links between banks
    shared = simulate(core_netlist(16), x16, converters={"dac": 4, "adc": 4}).events
    assert shared == simulate(core_netlist(8), x8, converters={"dac": 2, "adc": 2}).events


def test_same_seed_same_report(onn16):
    a = simulate(onn16, codes(3, 16), noise=True, seed=11)
    b = simulate(onn16, codes(3, 16), noise=True, seed=11)
    np.testing.assert_array_equal(a.outputs, b.outputs)
    assert a.to_dict() == b.to_dict()


# ------------------------------------------------------------------------ trace

def test_trace_file_has_one_track_per_instance(small, tmp_path):
    r = simulate(small, codes(3, 2), trace=True, converters={"adc": 1})
    path = write_json(tmp_path / "trace.json", document(r.trace_events))
    data = json.loads(path.read_text())
    names = {e["tid"]: e["args"]["name"] for e in data["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_name"}
    active = {m for bank in small.banks for m in bank.members}
    assert active <= set(names.values()) and len(names) == len(active) + 1  # + optical region
    busy = {names[e["tid"]] for e in data["traceEvents"] if e["ph"] == "X"}
    assert active <= busy
    adc = sorted(e["ts"] for e in data["traceEvents"]
                 if e["ph"] == "X" and names[e["tid"]].startswith("adc"))
    assert len(adc) == 6 and len(set(adc)) == 6  # one shared ADC: 2 rounds per vector


# ------------------------------------------------------------------------ inputs

@pytest.mark.parametrize("bad", [np.full((2, 2), np.nan), np.zeros((2, 3)), np.zeros(2),
                                 np.full((1, 2), 1.5), np.zeros((0, 2)),
                                 np.zeros((1, 2), dtype=complex)])
def test_bad_inputs_are_user_errors(small, bad):
    with pytest.raises(UserError):
        simulate(small, bad)


def test_bad_options_are_user_errors(small):
    for kw in ({"converters": {"dac": 0}}, {"converters": {"dacs": 2}},
               {"converters": {"modulator": 2}}, {"noise": True}):
        with pytest.raises(UserError):
            simulate(small, codes(1, 2), **kw)


# ------------------------------------------------------------------------ other passes

def test_reprogram_latency_and_energy():
    thermo = reprogram(small_core(tech="thermo"))
    assert thermo.latency_s == pytest.approx(10e-6)
    # static while settling: laser, TIAs, MZI heaters, the detectors' LO light
    p_static = 10e-3 / 0.2 + 2 * 10e-3 + (1.1 + 0.4) / math.pi * 25e-3 + 2 * 1e-3 / 0.2
    write = 12 * 50e-3 / (8 * 14e9)  # one 12-bit driver DAC conversion per setting
    assert thermo.energy_j == pytest.approx(p_static * 10e-6 + 2 * write, rel=1e-12)
    eo = reprogram(small_core(tech="eo"), ["mzi"])
    assert eo.latency_s == pytest.approx(1e-9)
    # EO: switching + driver writes; static incl. the two EO drivers' 0.1 mW each
    p_eo = 10e-3 / 0.2 + 2 * 10e-3 + 2 * 1e-3 / 0.2 + 2 * 0.1e-3
    assert eo.energy_j == pytest.approx(2 * (22e-15 + write) + p_eo * 1e-9, rel=1e-12)
    with pytest.raises(UserError, match="did you mean"):
        reprogram(small_core(), ["mzii"])
    big, small_ = reprogram(core_netlist(16)), reprogram(core_netlist(8))
    assert big.events == small_.events  # one settling process per technology, not per MZI


def test_digital_work_hand_calculation():
    r = digital_work(1000, reads={"sram": 100}, writes={"dram": 10})
    # 100 B SRAM read (1 ns + 100 B at 128 GB/s), ceil(1000/64) = 16 cycles at 1 GHz,
    # 10 B DRAM write (100 ns + 10 B at 256 GB/s)
    assert r.latency_s == pytest.approx(1e-9 + 100 / 128e9 + 16e-9 + 100e-9 + 10 / 256e9)
    assert r.energy_j == pytest.approx(1000 * 1e-12 + 100 * 1.25e-12 + 10 * 62.4e-12)
    assert r.breakdown_j.keys() == {"digital", "memory"}
    with pytest.raises(UserError):
        digital_work(-1)
    with pytest.raises(UserError, match="did you mean"):
        digital_work(1, reads={"sramm": 1})


# --- phase noise ------------------------------------------------------------------------

def test_phase_noise_matches_closed_form_for_one_mzi():
    """Mean cross power of an MZI with jittered theta: (1 - cos(theta) e^{-s^2/2}) / 2."""
    from emulator import compile_netlist, load_netlist
    from emulator.engine.noise import perturb_phases

    theta, sigma, draws = np.pi / 3, 0.8, 3000
    net = load_netlist({"version": 1, "instances": {"m": {"component": "mzi", "params": {
        "theta": theta, "phi": 0.4, "loss": 0}}},
        "ports": {"in0": "m,in0", "in1": "m,in1", "out0": "m,out0", "out1": "m,out1"}})
    rng = np.random.default_rng(11)
    power = [abs(compile_netlist(perturb_phases(net, sigma, rng)).transfer[0, 0]) ** 2
             for _ in range(draws)]
    expected = (1 - np.cos(theta) * np.exp(-sigma ** 2 / 2)) / 2
    se = np.std(power) / np.sqrt(draws)
    assert abs(np.mean(power) - expected) < 4 * se
    assert abs(np.mean(power) - np.sin(theta / 2) ** 2) > 8 * se  # noise-free value differs


def test_phase_noise_pass_is_seeded_and_changes_outputs():
    from emulator.engine import simulate

    x = np.random.default_rng(0).uniform(-1, 1, (8, 16))
    from pathlib import Path

    core = str(Path(__file__).resolve().parent.parent / "netlists" / "onn_core_16.yaml")
    a = simulate(core, x, seed=5, phase_noise=0.05, quantize=False)
    b = simulate(core, x, seed=5, phase_noise=0.05, quantize=False)
    c = simulate(core, x, seed=6, phase_noise=0.05, quantize=False)
    clean = simulate(core, x, quantize=False)
    np.testing.assert_array_equal(a.outputs, b.outputs)
    assert not np.allclose(a.outputs, c.outputs)
    assert 0 < np.abs(a.outputs - clean.outputs).max() < 0.5
    with pytest.raises(UserError):
        simulate(core, x, phase_noise=0.05)  # no seed


def test_phase_noise_and_detector_cells_draw_on_different_streams():
    """An int seed's phase noise is stream ``phase_noise``, each detector cell its own
    ``cell_noise`` child: none of them coincide (they once did, for cell 1)."""
    from emulator.engine.noise import phase_rng
    from emulator.engine.plan import noise_streams
    from emulator.rng import stream

    for seed in (0, 7):
        phase = phase_rng(seed).random(8)
        assert np.array_equal(phase, stream(seed, "phase_noise").random(8))
        cells = [g.random(8) for g in noise_streams(6, True, seed)]
        for k, cell in enumerate(cells):
            assert np.array_equal(cell, stream(seed, "cell_noise", k).random(8))
            assert not np.allclose(cell, phase)
        assert len({c.tobytes() for c in cells}) == len(cells)
    with pytest.raises(UserError, match="bad seed"):
        noise_streams(2, True, 1.5)
