"""Physical fidelity of the read-out, the converters, the time of flight, the attenuator
and the link budget, each against a hand calculation written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from components import default_registry
from components.errors import ScenarioError
from emulator import load_netlist
from emulator.graph.budget import WAVEGUIDE_LIMIT_W, link_budget
from emulator.graph.receiver import receiver_flags, receivers
from emulator.netlist.generators import core_netlist
from emulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
TIA = default_registry().get("tia")


# ------------------------------------------------------------------ link budget (scenario)

def test_a_scenario_may_allow_an_over_budget_laser_and_the_report_flags_it():
    """0.99 dB MZIs on the 16-port core need watts of light (tests/test_budget.py): an
    error by default (tests/data/scenarios/over_budget.yaml exits 2), accepted with
    hardware.allow_over_budget, and then a flag of the report."""
    from emulator.scenario.report import design_flags

    over = {"training.epochs": 1, "hardware.laser": "link_budget",
            "hardware.params": {"mzi": {"loss": 0.99}}}
    with pytest.raises(ScenarioError, match="silicon waveguide"):
        load_scenario(QUICKSTART, over)
    sc = load_scenario(QUICKSTART, {**over, "hardware.allow_over_budget": True})
    (lb,) = link_budget(sc.core.netlist)
    assert lb["optical_power_w"] > WAVEGUIDE_LIMIT_W
    assert sc.core.netlist.instances["laser"].params["power"] == pytest.approx(
        lb["optical_power_w"], rel=1e-12)
    assert any("silicon waveguide" in f for f in design_flags(sc))
    # the default core's budget is a design: nothing to flag
    assert design_flags(load_scenario(QUICKSTART, {"training.epochs": 1,
                                                   "hardware.laser": "link_budget"})) == []


# ------------------------------------------------------------------ TIA gain-bandwidth

def test_tia_bandwidth_is_limited_by_its_gain_bandwidth_product():
    """Transimpedance limit f_max = sqrt(A·f_A / (2π·R·C_T)) with A·f_A = 1 THz and
    C_T = 50 fF, worked by hand:
      R = 1 kOhm:  1e12 / (2π · 1e3 · 50e-15) = 3.1831e21 Hz², f_max = 56.42 GHz (> 40 GHz)
      R = 10 kOhm: 3.1831e20 Hz², f_max = 17.84 GHz: the 40 GHz asked for is not delivered,
                   rise time 0.35 / 17.84 GHz = 19.62 ps instead of 8.75 ps."""
    from components.electronics.tia import bandwidth, gbw_flag, max_bandwidth

    p = TIA.resolve({"gain": 1e3})
    assert max_bandwidth(p) == pytest.approx(56.42e9, rel=1e-3)
    assert bandwidth(p) == 40e9 and gbw_flag(p) is None
    assert TIA.delay(p) == pytest.approx(8.75e-12, rel=1e-9)
    p = TIA.resolve({"gain": 1e4})
    assert bandwidth(p) == pytest.approx(17.84e9, rel=1e-3)
    assert TIA.delay(p) == pytest.approx(19.62e-12, rel=1e-3)
    assert "17.8 GHz" in gbw_flag(p)


def test_a_tia_beyond_its_limit_narrows_the_receiver_band_and_is_flagged():
    """At 1 MOhm the limit is sqrt(1e12 / (2π·1e6·50e-15)) = 1.784 GHz, narrower than the
    ADC's 5 GHz Nyquist band: the receiver's noise band becomes 1.784 GHz."""
    net = load_netlist(core_netlist(4))
    assert receiver_flags(net) == []
    assert receivers(net)["pd0"]["noise_bandwidth"] == 5e9
    tia = [n for n, i in net.instances.items() if i.component.name == "tia"]
    high = net.with_params({n: {"gain": 1e6} for n in tia})
    assert receivers(high)["pd0"]["noise_bandwidth"] == pytest.approx(1.784e9, rel=1e-3)
    (flag,) = receiver_flags(high)
    assert flag.startswith(f"TIA {tia[0]} and {len(tia) - 1} more asks for 40 GHz")


# ------------------------------------------------------------------ latency

def test_single_vector_latency_of_the_16_port_core_by_hand():
    """One vector through netlists/onn_core_16.yaml, every part at its default, by hand:
      DAC pipeline       2 periods at 14 GS/s                 = 142.857 ps
      modulator          rise 0.35/12.5 GHz = 28 ps + 3 mm · 3.4 / c = 34.024 ps
      mesh, time of flight  32 MZI columns · 180 µm + 2 screens · 100 µm = 5.96 mm
                         · 3.4 / c                             =  67.593 ps
      detector 0.35/20 GHz = 17.5 ps; TIA 0.35/40 GHz          =   8.75 ps
      ADC pipeline       8 periods at 10 GS/s                  = 800 ps
      total                                                    = 1098.72 ps
    (before: one sample period per converter and no modulator length, 293.27 ps)."""
    from emulator.engine import simulate

    r = simulate(ROOT / "netlists" / "onn_core_16.yaml", np.zeros((1, 16)))
    assert r.latency_s == pytest.approx(1098.72e-12, rel=1e-5)


def test_a_splitter_tree_on_the_data_path_adds_its_time_of_flight():
    """DAC -> modulator -> 1x8 splitter -> 8 detectors: the tree is log2(8) = 3 stages of
    100 µm, 3 · 100 µm · 3.4 / c = 3.402 ps on top of the same chain without it."""
    from emulator.engine import simulate

    def net(n):
        inst = {"laser": {"component": "laser"}, "dac": {"component": "dac"},
                "mod": {"component": "modulator"}}
        conn = {"laser,out0": "mod,in0", "dac,e_out": "mod,drive"}
        if n > 1:
            inst["split"] = {"component": "splitter", "params": {"n": n}}
            conn["mod,out0"] = "split,in0"
        ports = {"in0": "dac,d_in"}
        for i in range(n):
            inst |= {f"pd{i}": {"component": "photodetector"}, f"tia{i}": {"component": "tia"},
                     f"adc{i}": {"component": "adc"}}
            conn |= {(f"split,out{i}" if n > 1 else "mod,out0"): f"pd{i},in0",
                     f"pd{i},e_out": f"tia{i},e_in", f"tia{i},e_out": f"adc{i},e_in"}
            ports[f"out{i}"] = f"adc{i},d_out"
        return {"version": 1, "instances": inst, "connections": conn, "ports": ports}

    alone = simulate(net(1), np.zeros((1, 1))).latency_s
    tree = simulate(net(8), np.zeros((1, 1))).latency_s
    assert tree - alone == pytest.approx(3.402e-12, rel=1e-3)


# ------------------------------------------------------------------ attenuator phase

def test_the_attenuator_keeps_its_phase_and_the_mapping_absorbs_it():
    """An attenuator is an MZI's bar path.  At t = 0.5: θ = 2·asin(0.5) = π/3, and
    T00 = i·e^{iθ/2}·sin(θ/2) = 0.5·e^{i(π/2 + π/6)} = 0.5·e^{i·2π/3} = −0.25 + 0.43301i,
    times 10^(−0.25/20) = 0.97163 of insertion loss.  The mapping takes π/2 + asin(σ_i)
    off V†'s output screen, so the compiled 16×16 layer (lossless) realises W exactly; a
    screen that ignores the phase realises W with every singular direction rotated."""
    from emulator.compile import compile_netlist
    from emulator.mesh.svd import svd_map
    from emulator.netlist.generators import svd_layer

    att = default_registry().get("attenuator")
    t = att.transfer(att.resolve({"transmission": 0.5}), 1.55e-6)[0, 0]
    assert t == pytest.approx((-0.25 + 0.4330127j) * 0.9716279, abs=1e-6)

    W = np.random.default_rng(5).normal(size=(16, 16))
    lossless = {"loss": 0.0}
    net = svd_layer(W.tolist(), mzi=lossless, attenuator=lossless, phase_shifter=lossless)
    compiled = compile_netlist(load_netlist(net))
    M = net["info"]["scale"] * compiled.matrix[:16, :16]
    assert np.max(np.abs(M - W)) < 1e-9 * np.max(np.abs(W))
    # the screen before the absorption: the decomposition's own out_phase
    mp = svd_map(W)
    absorbed = np.pi / 2 + np.arcsin(mp.sigma)
    for i, a in enumerate(absorbed):
        net["instances"][f"v.ps_out_{i}"]["params"]["phase"] += a
    raw = net["info"]["scale"] * compile_netlist(load_netlist(net)).matrix[:16, :16]
    assert np.linalg.norm(raw - W) / np.linalg.norm(W) > 0.5


# ------------------------------------------------------------------ WDM crosstalk

def test_wdm_crosstalk_of_a_direct_detection_core_by_hand():
    """Three wavelengths, direct detection, -25 dB adjacent-channel crosstalk: the middle
    channel's detector sees both neighbours, ε = 10^(-2.5) = 0.0031623 each, so at full
    scale r = 2ε = 0.0063246 of the signal current;
      power penalty  -10·log10(1 - 0.0063246) = 0.027554 dB
      resolution     log2(1 / 0.0063246) = log2(158.11) = 7.3048 bits (< 8-bit ADCs: a flag)
      laser line     2.5 dB mux + demux + 0.027554 dB = 2.527554 dB:
                     10^0.25 / (1 - 0.0063246) = 1.778279 / 0.9936754 = x1.789598."""
    from emulator.scenario.report import wdm_summary
    from emulator.scenario.run import wdm_laser_raise_db

    sc = load_scenario(QUICKSTART, {"training.epochs": 1, "hardware.wavelengths": 3,
                                    "hardware.params": {"photodetector": {"mode": "intensity"}}})
    flags = []
    w = wdm_summary(sc, flags)
    assert w["neighbours"] == 2 and w["detection"] == "intensity"
    assert w["interference_ratio"] == pytest.approx(0.0063246, rel=1e-4)
    assert w["power_penalty_db"] == pytest.approx(0.027554, rel=1e-4)
    assert w["resolution_bits"] == pytest.approx(7.3048, rel=1e-4)
    assert wdm_laser_raise_db(sc) == pytest.approx(2.527554, rel=1e-6)
    assert 10 ** (wdm_laser_raise_db(sc) / 10) == pytest.approx(1.789598, rel=1e-6)
    (flag,) = flags
    assert "7.30 bits" in flag and "8-bit ADCs" in flag
    # the costed step's laser lines carry exactly that raise
    from emulator.scenario.run import cost_step
    from emulator.scenario.step import dense_layers, simulate_step

    rng = np.random.default_rng(0)
    blocks = dense_layers([rng.normal(size=(32, 64)), rng.normal(size=(10, 32))])
    raised = cost_step(sc, blocks, 64, trace=False).passes["forward"].breakdown_j()["laser"]
    bare = simulate_step(sc.core, blocks, 64, cores=4, wavelengths=3, trace=False,
                         converters=sc.config["hardware"]["converters"])
    assert raised == pytest.approx(bare.passes["forward"].breakdown_j()["laser"] * 1.789598,
                                   rel=1e-6)


def test_a_coherent_receiver_rejects_crosstalk_beyond_its_band():
    """The shipped cores detect coherently: a neighbour one demux channel away (the
    library wdm_demux's 0.8 nm at 1550 nm, c·0.8 nm/(1550 nm)² = 99.83 GHz) beats with the
    LO at 99.83 GHz, far outside the 5 GHz receiver band: no interference, no penalty, and
    the laser lines make up the 2.5 dB of mux and demux only.  At a 2 GHz spacing (inside
    the band) the beat is in band: r = 2·√ε = 2·0.056234 = 0.11247, penalty
    -10·log10(0.88753) = 0.5181 dB, log2(1/0.11247) = 3.152 bits."""
    from emulator.scenario.report import wdm_summary
    from emulator.scenario.run import wdm_laser_raise_db

    sc = load_scenario(QUICKSTART, {"training.epochs": 1, "hardware.wavelengths": 4})
    flags = []
    w = wdm_summary(sc, flags)
    assert w["interference_ratio"] == 0.0 and w["power_penalty_db"] == 0.0
    assert w["resolution_bits"] is None and flags == []
    assert wdm_laser_raise_db(sc) == 2.5
    assert wdm_summary(load_scenario(QUICKSTART, {"training.epochs": 1}), flags) is None

    # the demultiplexer's grid at 2 GHz: Δλ = Δf·λ²/c at channel 0 (1550 nm)
    from scipy.constants import c

    from emulator.graph.receiver import wdm_crosstalk
    w = wdm_crosstalk(sc.core.netlist, 4, demux={"spacing": 2e9 * 1.55e-6 ** 2 / c})
    assert w["channel_spacing_hz"] == pytest.approx(2e9, rel=1e-12)
    assert w["demux"] == "wdm_demux parameters given"
    assert w["interference_ratio"] == pytest.approx(0.11247, rel=1e-4)
    assert w["power_penalty_db"] == pytest.approx(0.5181, rel=1e-3)
    assert w["resolution_bits"] == pytest.approx(3.152, rel=1e-3)
