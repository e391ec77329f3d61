"""Lightening-Transformer DOTA-B, 4-bit (Zhu et al., HPCA 2024): the published 14.75 W
reproduced from netlists/dota_b_4bit.yaml + scenarios/validation/dota_b_4bit.yaml.

The reference breakdown below is recomputed by hand from the figures in the public
repository zhuhanqing/Lightening-Transformer (hardware_simulator/params/device_params/
default.yaml and Dota_B_4bit.yaml; ADC/DAC reference points in hardware_simulator/hardware/;
the tally of entry_area_power_profile.py).  4 tiles x 2 cores, H = W = 12, N = 12
wavelengths, 5 GHz, 4-bit everything; input modulators shared across tiles; a tile's two
cores share one TIA/ADC array.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from emulator import compile_netlist, load_netlist
from emulator.breakdown import breakdown, counts, load
from emulator.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "scenarios" / "validation" / "dota_b_4bit.yaml"
NETLIST = ROOT / "netlists" / "dota_b_4bit.yaml"

CORES = 4 * 2
MODULATORS = 12 * 12 * CORES + 12 * 12 * 2  # H·N per core + W·N per core slot (shared input)
NODES = 12 * 12 * CORES
RECEIVERS = 12 * 12 * 4  # per tile
# laser per core [mW]: -25 dBm sensitivity + path loss (MZM 1.2 + 2 rings x 0.93 + 4 Y-branch
# stages x 0.1 + node: Y-branch 0.1 + shifter 0.33 + coupler 0.33 = 4.22 dB) + 10 log10(144),
# x 2^4 (output bits) / 0.2 (wall-plug); no wavelength or extinction factor
IL = 1.2 + 2 * 0.93 + 4 * 0.1 + 0.1 + 0.33 + 0.33
LASER_CORE_MW = 10 ** ((-25 + IL + 10 * math.log10(144)) / 10) * 2 ** 4 / 0.2
REFERENCE_MW = {
    "laser": CORES * LASER_CORE_MW,                                # 770.09
    "modulator": MODULATORS * (450e-3 * 5 + 0 + 2 * 0.275),        # 450 fJ x 5 GHz + 2 rings
    "dac": MODULATORS * 50 * (2 ** 4 / 4) / (2 ** 8 / 8) * 5 / 14,  # 2^b/b scaling: 3214.29
    "adc": RECEIVERS * 14.8 * (5 / 10) * (4 / 8),                  # SAR: 2131.2
    "photodetector": NODES * 2 * 1.1,                              # balanced pair: 2534.4
    "tia": RECEIVERS * 3,                                          # 1728
    "adder": RECEIVERS * 0.2 / 4.39,                               # 26.24
    "memory": 315.2512 * 4 / 4 + 4 * (0.172725 + 2 * 0.0154) + 0.0154 * CORES + 0.172725
    + 0.0154 * 2,                                                  # CACTI figures: 316.39
}
PUBLISHED_TOTAL_W = 14.75


def test_hand_reference_adds_up_to_the_published_total():
    assert sum(REFERENCE_MW.values()) / 1e3 == pytest.approx(PUBLISHED_TOTAL_W, rel=0.0002)


def test_reproduction_within_tolerance():
    got = breakdown(load(FILE), "lightening_transformer")
    assert got["total"] == pytest.approx(PUBLISHED_TOTAL_W, rel=0.005)
    for k, mw in REFERENCE_MW.items():
        assert got[k] == pytest.approx(mw * 1e-3, rel=0.01), k
    assert got["phase_shifter"] == 0.0  # MEMS shifters: 0 in their tally
    assert got["total"] == pytest.approx(sum(got[k] for k in REFERENCE_MW))


def test_counts():
    c = counts(load(FILE).arch)
    assert (c["modulators"], c["dacs"], c["rings"]) == (1440, 1440, 2880)
    assert (c["nodes"], c["tias"], c["adcs"], c["adders"]) == (1152, 576, 576, 576)


def test_our_estimate_hand_calculation():
    """Same parameters, our models: per-line link budget (one line per modulator, fan-out =
    nodes reached, 2^(bits-1), extinction 10 dB), DAC linear in bits, modulator driver
    1 pJ/symbol, MEMS shifters' 0.1 mW holding drivers."""
    ours = breakdown(load(FILE), "ours")
    sens = 1e-3 * 10 ** (-25 / 10)
    per_line = sens * 10 ** (IL / 10) * 2 ** 3 / (1 - 10 ** (-1.0))
    lines_x_fanout = 1152 * 12 + 288 * (12 * 4)  # weight lines reach W; input lines H x tiles
    assert ours["laser"] == pytest.approx(per_line * lines_x_fanout / 0.2)
    # = the published laser x 12 wavelengths x 1/(1 - 0.1): 2^(b-1) and two operands cancel
    assert ours["laser"] == pytest.approx(REFERENCE_MW["laser"] * 1e-3 * 12 / 0.9)
    fom = 50e-3 / (2 * 8 * 14e9)
    assert ours["dac"] == pytest.approx(1440 * 2 * fom * 4 * 5e9)
    assert ours["modulator"] == pytest.approx(1440 * ((450e-15 + 1e-12) * 5e9 + 2 * 0.275e-3))
    assert ours["phase_shifter"] == pytest.approx(1152 * (0.1e-3 + 1e-9), rel=1e-3)
    for k in ("adc", "photodetector", "tia", "adder", "memory"):
        assert ours[k] == pytest.approx(REFERENCE_MW[k] * 1e-3, rel=0.01)


def test_netlist_validates_and_compiles():
    net = load_netlist(NETLIST)
    assert sum(i.component.name == "ring" for i in net.instances.values()) == 4
    c = compile_netlist(net)
    assert c.matrix.shape[0] >= 2


def test_cli_prints_the_table(capsys):
    assert main(["breakdown", str(FILE)]) == 0
    out = capsys.readouterr().out
    assert "mW" in out and "14,752.61" in out and "within tolerance" in out and "yes" in out


def test_bad_breakdown_file_exits_2(tmp_path, capsys):
    text = FILE.read_text().replace("../../netlists/", str(ROOT / "netlists") + "/")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  tiles: 4", "  tilez: 4"))
    assert main(["breakdown", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:11" in err and "tilez" in err
    net = tmp_path / "slice.yaml"
    net.write_text(NETLIST.read_text().replace("component: balanced_photodetector",
                                               "component: photodetector").replace(
        '"dc,out1": "bpd,in1"', '"dc,out1": "end_x1,in0"').replace(
        '"split_x,out1": "end_x1,in0"', '"split_x,out1": "end_y1,in0"').replace(
        '"split_y,out1": "end_y1,in0"', '"split_y,out1": "end_extra,in0"').replace(
        "instances:\n", "instances:\n  end_extra: {component: terminator}\n")
        .replace('sensitivity: "-25 dBm", bias_power: "1.1 mW"', 'sensitivity: "-25 dBm"'))
    ok = tmp_path / "nobpd.yaml"
    ok.write_text(text.replace(str(NETLIST), str(net)))
    assert main(["breakdown", str(ok)]) == 2
    assert "no detector (balanced_photodetector)" in capsys.readouterr().err
