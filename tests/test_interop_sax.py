"""Round trips against SAX itself (the optional ``[interop]`` extra): circuits written as
SAX netlists of SAX's own models, evaluated by SAX's klu backend and by us after import;
our netlists exported with models built from our components and evaluated by SAX."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

sax = pytest.importorskip("sax", reason="SAX is not installed (pip install -e '.[interop]')")
jax = pytest.importorskip("jax", reason="SAX needs jax")
jax.config.update("jax_enable_x64", True)  # SAX in float64: agreement to 1e-12

from components.errors import EmulatorWarning  # noqa: E402
from emulator import load_netlist, transfer_matrix  # noqa: E402
from emulator.netlist import to_sax  # noqa: E402
from emulator.netlist.generators import GENERATORS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-12
SAX_MODELS = {"coupler_ideal": sax.models.coupler_ideal, "straight": sax.models.straight,
              "phase_shifter": sax.models.phase_shifter, "attenuator": sax.models.attenuator,
              "mmi2x2": sax.models.mmi2x2_ideal}


@pytest.fixture
def optical_names():
    """SAX's models named o1..oN (gdsfactory's convention) for one test."""
    before = sax.get_port_naming_strategy()
    sax.set_port_naming_strategy("optical")
    yield
    sax.set_port_naming_strategy(before)


@pytest.fixture
def inout_names():
    before = sax.get_port_naming_strategy()
    sax.set_port_naming_strategy("inout")
    yield
    sax.set_port_naming_strategy(before)


def sax_matrix(netlist, models, ins, outs, wl=1.55):
    circuit, _ = sax.circuit(netlist, models, backend="klu")
    s = circuit(wl=wl)
    return np.array([[complex(s[(i, o)]) for i in ins] for o in outs])


# ------------------------------------------------------------------ circuits as SAX writes them

def mzi_sax(theta, phi, loss=0.0, prefix=""):
    """One MZI of SAX models, o-port names: φ shifter on arm 0, coupler, θ shifter on the
    upper arm, coupler (our `mzi` convention); the MZI's loss as attenuators on its outputs.
    Returns (instances, connections, {in0, in1, out0, out1: "inst,port"})."""
    p = prefix
    inst = {f"{p}ps_phi": {"component": "phase_shifter",
                           "settings": {"voltage": phi / math.pi, "length": 0.0}},
            f"{p}dc1": "coupler_ideal",
            f"{p}ps_theta": {"component": "phase_shifter",
                             "settings": {"voltage": theta / math.pi, "length": 0.0}},
            f"{p}dc2": {"component": "coupler_ideal", "settings": {"coupling": 0.5}}}
    conns = {f"{p}ps_phi,o2": f"{p}dc1,o1", f"{p}dc1,o4": f"{p}ps_theta,o1",
             f"{p}ps_theta,o2": f"{p}dc2,o1", f"{p}dc1,o3": f"{p}dc2,o2"}
    ends = {"in0": f"{p}ps_phi,o1", "in1": f"{p}dc1,o2", "out0": f"{p}dc2,o4",
            "out1": f"{p}dc2,o3"}
    if loss:
        for j, port in (("0", "o4"), ("1", "o3")):
            inst[f"{p}att{j}"] = {"component": "attenuator", "settings": {"loss": loss}}
            conns[f"{p}dc2,{port}"] = f"{p}att{j},o1"
            ends[f"out{j}"] = f"{p}att{j},o2"
    return inst, conns, ends


def mesh_sax(n, seed, loss):
    """Our generated Clements mesh rewritten as a flat SAX netlist of primitives."""
    gen = GENERATORS["clements"](n, seed=seed, mzi={"loss": loss}, phase_shifter={"loss": 0})
    inst, conns, ends = {}, {}, {}
    for name, spec in gen["instances"].items():
        prm = spec["params"]
        if spec["component"] == "mzi":
            i, c, e = mzi_sax(prm["theta"], prm["phi"], prm["loss"], f"{name}_")
            inst.update(i), conns.update(c)
            ends.update({f"{name},{k}": v for k, v in e.items()})
        elif spec["component"] == "phase_shifter":
            inst[name] = {"component": "phase_shifter",
                          "settings": {"voltage": prm["phase"] / math.pi, "length": 0.0}}
            ends.update({f"{name},in0": f"{name},o1", f"{name},out0": f"{name},o2"})
        else:  # a loss-balancing dummy: a lumped loss
            assert spec["component"] == "waveguide" and prm["length"] == 0.0
            inst[name] = {"component": "attenuator", "settings": {"loss": prm["loss"]}}
            ends.update({f"{name},in0": f"{name},o1", f"{name},out0": f"{name},o2"})
    for a, b in gen["connections"].items():
        conns[ends[a]] = ends[b]
    ports = {ext: ends[t] for ext, t in gen["ports"].items()}
    return gen, {"instances": inst, "connections": conns, "ports": ports}


# ------------------------------------------------------------------ tests

def test_one_mzi_of_sax_models_agrees_with_sax_and_with_our_mzi(optical_names):
    theta, phi = 1.1, 0.7
    inst, conns, ends = mzi_sax(theta, phi)
    net = {"instances": inst, "connections": conns,
           "ports": {k: v for k, v in ends.items()}}
    ins, outs = ["in0", "in1"], ["out0", "out1"]
    ref = sax_matrix(net, SAX_MODELS, ins, outs)
    ours = transfer_matrix(load_netlist(net, dialect="sax"), 1.55e-6)
    assert np.abs(ours - ref).max() <= TOL
    closed = transfer_matrix({"version": 1, "instances": {"m": {"component": "mzi", "params": {
        "theta": theta, "phi": phi, "loss": 0}}}, "connections": {},
        "ports": {"in0": "m,in0", "in1": "m,in1", "out0": "m,out0", "out1": "m,out1"}})
    assert np.abs(closed - ref).max() <= TOL


@pytest.mark.parametrize("n", [4, 8])
def test_clements_mesh_from_primitives_agrees_with_sax_both_ways(n, optical_names):
    gen, net = mesh_sax(n, seed=n, loss=0.25)
    ins, outs = [f"in{i}" for i in range(n)], [f"out{i}" for i in range(n)]
    ref = sax_matrix(net, SAX_MODELS, ins, outs)
    imported = load_netlist(net, dialect="sax")
    assert np.abs(transfer_matrix(imported) - ref).max() <= TOL
    ours = load_netlist(gen)  # the same mesh of our `mzi` components
    assert np.abs(transfer_matrix(ours) - ref).max() <= TOL
    # export: our netlist and models evaluated by SAX (our port names)
    sax.set_port_naming_strategy("inout")
    exported, models = to_sax(ours)
    assert np.abs(sax_matrix(exported, models, ins, outs) - ref).max() <= TOL


def test_gdsfactory_netlist_with_o_ports_agrees_with_sax(optical_names):
    """A gdsfactory-style MZI: mmi2x2 cells, straights in µm, nets, placements, warnings."""
    net = {
        "name": "mzi_gf",
        "instances": {
            "mmi_in": {"component": "mmi2x2", "settings": {"cross_section": "strip"}},
            "top": {"component": "straight", "settings": {"length": 10.0, "cross_section": "strip"}},
            "bot": {"component": "straight", "settings": {"length": 32.5, "loss_dB_cm": 3.0}},
            "mmi_out": {"component": "mmi2x2"}},
        "placements": {"mmi_in": {"x": 0, "y": 0}, "top": {"x": 20, "y": 10}},
        "nets": [{"p1": "mmi_in,o3", "p2": "top,o1"}, {"p1": "mmi_in,o4", "p2": "bot,o1"},
                 {"p1": "top,o2", "p2": "mmi_out,o2"}, {"p1": "bot,o2", "p2": "mmi_out,o1"}],
        "ports": {"o1": "mmi_in,o1", "o2": "mmi_in,o2", "o3": "mmi_out,o3", "o4": "mmi_out,o4"},
        "warnings": {},
    }
    sax_net = {k: v for k, v in net.items() if k not in ("name", "warnings")}
    sax_net["instances"] = {k: {"component": v["component"],
                                "settings": {s: x for s, x in v.get("settings", {}).items()
                                             if s != "cross_section"}}
                            for k, v in net["instances"].items()}
    with pytest.warns(EmulatorWarning):
        ours = load_netlist(net, dialect="gdsfactory")
    assert any("placements" in str(n) for n in ours.notes)
    assert any("cross_section" in str(n) for n in ours.notes)
    # mmi_in,o3 is its out1 (crossed): the upper arm; o4 its out0
    assert ("mmi_in", "out1", "top", "in0") in {(c.src, c.src_port, c.dst, c.dst_port)
                                               for c in ours.connections}
    ins, outs = ours.external("in"), ours.external("out")
    assert (ins, outs) == (["o1", "o2"], ["o3", "o4"])
    for wl in (1.5, 1.55, 1.6):
        ref = sax_matrix(sax_net, SAX_MODELS, ins, outs, wl)
        assert np.abs(transfer_matrix(ours, wl * 1e-6) - ref).max() <= TOL


@pytest.mark.parametrize("wl", [1.5, 1.55, 1.6])
def test_waveguide_dispersion_agrees_with_sax_straight(wl):
    length_um, neff, ng = 10.0, 2.34, 3.4
    s = sax.models.straight(wl=wl, length=length_um, neff=neff, ng=ng)
    (ref,) = {complex(v) for (a, b), v in s.items() if a != b}
    net = {"version": 1, "instances": {"wg": {"component": "waveguide", "params": {
        "length": "10 um", "n_eff": neff, "n_g": ng, "loss_per_length": 0}}},
        "connections": {}, "ports": {"in0": "wg,in0", "out0": "wg,out0"}}
    ours = complex(transfer_matrix(net, wl * 1e-6)[0, 0])
    assert abs(ours - ref) <= TOL
    # by hand: n_eff(λ) = n_eff − (λ − λ0)(n_g − n_eff)/λ0, phase 2π n_eff(λ) L / λ
    n = neff - (wl - 1.55) * (ng - neff) / 1.55
    assert ours == pytest.approx(np.exp(2j * np.pi * n * length_um / wl), abs=1e-12)


@pytest.mark.parametrize("name", ["mzi_primitives.yaml", "clements_8.yaml"])
def test_import_of_export_is_the_same_netlist(name, inout_names):
    net = load_netlist(ROOT / "netlists" / name)
    exported, models = to_sax(net)
    back = load_netlist(exported, dialect="sax")
    names = {n: n.replace(".", "__") for n in net.instances}
    assert set(back.instances) == set(names.values())
    for n, inst in net.instances.items():
        other = back.instances[names[n]]
        assert other.component is inst.component
        assert other.params.keys() == inst.params.keys()
        for k, v in inst.params.items():
            assert other.params[k] == (pytest.approx(v, rel=1e-15) if isinstance(v, float) else v)
    assert {(names[c.src], c.src_port, names[c.dst], c.dst_port) for c in net.connections} == \
        {(c.src, c.src_port, c.dst, c.dst_port) for c in back.connections}
    assert {e: (names[i], p) for e, (i, p) in net.ports.items()} == back.ports
    assert to_sax(back)[0] == exported  # and exporting again writes the same file
    T = transfer_matrix(net)
    ins, outs = net.external("in"), net.external("out")
    assert np.abs(sax_matrix(exported, models, ins, outs, net_wl(net)) - T).max() <= TOL
    assert np.abs(transfer_matrix(back) - T).max() <= TOL


def net_wl(net):
    from emulator.compile import default_wavelength
    return default_wavelength(net) * 1e6
