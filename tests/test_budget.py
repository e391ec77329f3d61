"""Laser power from the link budget, against a hand calculation written here."""

import math

import numpy as np
import pytest

from emulator import load_netlist
from emulator.graph.budget import link_budget, with_link_budget
from emulator.engine import simulate


def small_core(n=4, wg_mm=5.0):
    inst = {"laser": {"component": "laser", "params": {"power": "1 mW", "wpe": 0.2}},
            "split": {"component": "splitter", "params": {"n": n, "loss": 0.2}}}
    conn, ports = {"laser,out0": "split,in0"}, {}
    for i in range(n):
        inst |= {f"dac{i}": {"component": "dac", "params": {"bits": 6}},
                 f"mod{i}": {"component": "modulator", "params": {"loss": 1.2, "extinction": 10}},
                 f"wg{i}": {"component": "waveguide", "params": {
                     "length": f"{wg_mm * (i + 1)} mm", "loss_per_length": "2 dB/cm"}},
                 f"pd{i}": {"component": "photodetector", "params": {"sensitivity": "-26 dBm",
                                                                     "mode": "coherent"}},
                 f"tia{i}": {"component": "tia"}, f"adc{i}": {"component": "adc"}}
        conn |= {f"split,out{i}": f"mod{i},in0", f"dac{i},e_out": f"mod{i},drive",
                 f"mod{i},out0": f"wg{i},in0", f"wg{i},out0": f"pd{i},in0",
                 f"pd{i},e_out": f"tia{i},e_in", f"tia{i},e_out": f"adc{i},e_in"}
        ports |= {f"in{i}": f"dac{i},d_in", f"out{i}": f"adc{i},d_out"}
    return {"version": 1, "instances": inst, "connections": conn, "ports": ports}


def test_link_budget_hand_calculation():
    net = load_netlist(small_core())
    (lb,) = link_budget(net)
    # P[dBm] = IL + S_PD[dBm] + 10·log10(fan-out), worked by hand:
    #   IL = splitter 0.2 dB + modulator 1.2 dB + longest waveguide 20 mm × 2 dB/cm = 5.4 dB
    #   S_PD = −26 dBm; fan-out 4 detectors: 10·log10(4) = 6.0206 dB
    #   P = 5.4 − 26 + 6.0206 = −14.5794 dBm = 10^(−1.45794) mW = 0.034839 mW
    #   × 2^(6 − 1) = 32 for 6-bit DACs                          = 1.11483 mW
    #   × 1/(1 − 10^(−10/10)) = 1/0.9 for a 10 dB extinction     = 1.23870 mW optical
    #   / WPE 0.2                                                = 6.19352 mW from the wall
    assert lb["worst_path_loss_db"] == pytest.approx(5.4, rel=1e-12)
    assert lb["detectors"] == 4 and lb["input_bits"] == 6 and lb["extinction_db"] == 10
    assert lb["sensitivity_w"] == pytest.approx(10 ** (-26 / 10) * 1e-3, rel=1e-12)
    assert lb["optical_power_w"] == pytest.approx(1.23870e-3, rel=1e-5)
    assert lb["wall_plug_w"] == pytest.approx(6.19352e-3, rel=1e-5)
    assert lb["worst_detector"] == "pd3"


def test_simulate_with_link_budget_uses_that_laser_power():
    x = np.random.default_rng(0).uniform(-1, 1, (8, 4))
    set_power = simulate(small_core(), x, quantize=False)
    budget = simulate(small_core(), x, quantize=False, laser="link_budget")
    (lb,) = link_budget(load_netlist(small_core()))
    laser = lambda r: sum(e.energy_j for e in r.ledger.entries if e.kind == "laser")
    assert laser(budget) == pytest.approx(lb["wall_plug_w"] * budget.latency_s, rel=1e-12)
    assert laser(set_power) == pytest.approx(1e-3 / 0.2 * set_power.latency_s, rel=1e-12)
    # coherent detection: the signal grows with the square root of the laser power
    ratio = math.sqrt(lb["optical_power_w"] / 1e-3)
    np.testing.assert_allclose(budget.outputs, np.clip(set_power.outputs * ratio, -1, 1),
                               rtol=1e-9, atol=1e-12)
    assert with_link_budget(load_netlist(small_core())).instances["laser"].params["power"] \
        == pytest.approx(lb["optical_power_w"])


def test_a_budget_beyond_the_laser_or_the_waveguide_is_flagged_and_refused():
    """0.99 dB per MZI on the 16-port core: 32 columns of MZIs (31.7 dB) between laser and
    detectors, 16-way fan-out, 8 bits: watts of light, which no silicon waveguide carries."""
    from components.errors import NetlistError
    from emulator.engine import simulate
    from emulator.graph.budget import WAVEGUIDE_LIMIT_W, link_budget, with_link_budget
    from emulator.netlist import load_netlist
    from emulator.netlist.generators import core_netlist

    lossy = load_netlist(core_netlist(16, layer={"generator": "svd_layer", "params": {
        "n": 16, "m": 16, "seed": 1, "mzi": {"loss": 0.99}}}))
    (entry,) = link_budget(lossy)
    assert entry["optical_power_w"] > WAVEGUIDE_LIMIT_W
    assert any("silicon waveguide" in f for f in entry["flags"])
    with pytest.raises(NetlistError, match="silicon waveguide"):
        with_link_budget(lossy)
    with pytest.raises(NetlistError, match="allow-over-budget"):
        simulate(lossy, np.zeros((1, 16)), laser="link_budget")
    r = simulate(lossy, np.zeros((1, 16)), laser="link_budget", allow_over_budget=True)
    assert r.latency_s > 0
    # at the default 0.25 dB the same core's budget is a design: no flag
    (ok,) = link_budget(load_netlist(core_netlist(16)))
    assert ok["flags"] == [] and ok["optical_power_w"] < WAVEGUIDE_LIMIT_W
