"""SAX / gdsfactory netlists in and SAX netlists out, without SAX installed: port-name
conventions, recursive netlists, every untranslated key named (error or note), CLI exit
codes, and the bare-length unit warnings.  Agreement with SAX itself: test_interop_sax.py."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from components.errors import EmulatorWarning, NetlistError
from emulator import load_netlist, transfer_matrix
from emulator.cli.main import main
from emulator.netlist import to_sax

ROOT = Path(__file__).resolve().parent.parent


def links(net) -> set:
    return {(c.src, c.src_port, c.dst, c.dst_port) for c in net.connections}


def load_quiet(source, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmulatorWarning)
        return load_netlist(source, **kw)


def mzi_sax(theta: float, phi: float) -> dict:
    """One MZI as a SAX netlist of SAX model names (voltage in units of π)."""
    return {"instances": {
        "ps_phi": {"component": "phase_shifter", "settings": {"voltage": phi / np.pi, "length": 0}},
        "dc1": "coupler_ideal",
        "ps_theta": {"component": "phase_shifter", "settings": {"voltage": theta / np.pi,
                                                                 "length": 0}},
        "dc2": {"component": "coupler_ideal", "settings": {"coupling": 0.5}}},
        "connections": {"ps_phi,o2": "dc1,o1", "dc1,o4": "ps_theta,o1",
                        "ps_theta,o2": "dc2,o1", "dc1,o3": "dc2,o2"},
        "ports": {"in0": "ps_phi,o1", "in1": "dc1,o2", "out0": "dc2,o4", "out1": "dc2,o3"}}


def mzi_matrix(theta, phi):
    return transfer_matrix({"version": 1, "instances": {"m": {"component": "mzi", "params": {
        "theta": theta, "phi": phi, "loss": 0}}}, "connections": {},
        "ports": {"in0": "m,in0", "in1": "m,in1", "out0": "m,out0", "out1": "m,out1"}})


def test_gdsfactory_2x2_ports_are_crossed_on_the_output_side():
    """gdsfactory numbers ports counter-clockwise from the bottom left: o1, o2 the inputs,
    o3 the upper output (out1), o4 the lower (out0); a 1x2: o2 = out1, o3 = out0."""
    net = load_quiet({"instances": {"dc": "coupler_ideal", "y": "mmi1x2_ideal"},
                      "connections": {"y,o3": "dc,o1", "y,o2": "dc,o2"},
                      "ports": {"a": "y,o1", "b": "dc,o3", "c": "dc,o4"}}, dialect="sax")
    assert links(net) == {("y", "out0", "dc", "in0"), ("y", "out1", "dc", "in1")}
    assert net.ports == {"a": ("y", "in0"), "b": ("dc", "out1"), "c": ("dc", "out0")}


def test_our_own_port_names_are_accepted_too():
    net = load_quiet({"instances": {"dc": "coupler_ideal"}, "connections": {},
                      "ports": {"i0": "dc,in0", "i1": "dc,in1", "o0": "dc,out0", "o1": "dc,o3"}},
                     dialect="sax")
    assert net.ports["o1"] == ("dc", "out1")


def test_an_o_port_in_our_own_format_names_its_counterpart():
    with pytest.raises(NetlistError) as err:
        load_netlist({"version": 1, "instances": {"dc": {"component": "coupler"}},
                      "connections": {}, "ports": {"a": "dc,o1", "b": "dc,in1",
                                                   "c": "dc,out0", "d": "dc,o3"}})
    hints = [p.hint for p in err.value.problems]
    assert hints[0].startswith("'o1' is the gdsfactory name of 'in0'")
    assert hints[1].startswith("'o3' is the gdsfactory name of 'out1'")


def test_sax_mzi_imports_as_our_mzi():
    T = transfer_matrix(load_quiet(mzi_sax(1.1, 0.7), dialect="sax"))
    assert np.abs(T - mzi_matrix(1.1, 0.7)).max() < 1e-12


def test_a_sax_phase_shifter_with_a_propagation_phase_says_where_it_is_exact():
    net = load_quiet({"instances": {"ps": {"component": "phase_shifter",
                                           "settings": {"voltage": 0.5}}},
                      "ports": {"a": "ps,o1", "b": "ps,o2"}}, dialect="sax")
    expected = np.exp(1j * (np.pi / 2 + 2 * np.pi * 2.34 * 10 / 1.55))
    assert np.exp(1j * net.instances["ps"].params["phase"]) == pytest.approx(expected, abs=1e-13)
    assert "folded into 'phase' at λ = 1.55 µm" in str(net.notes[0])
    assert load_quiet(mzi_sax(1.0, 2.0), dialect="sax").notes == []  # length 0: exact


def test_recursive_sax_netlist_flattens_to_parent_child_names():
    rec = {"top_level": {"instances": {"m1": "mzi", "m2": "mzi"},
                         "connections": {"m1,out0": "m2,in0", "m1,out1": "m2,in1"},
                         "ports": {"in0": "m1,in0", "in1": "m1,in1",
                                   "out0": "m2,out0", "out1": "m2,out1"}},
           "mzi": mzi_sax(1.1, 0.7)}
    net = load_quiet(rec, dialect="sax")
    assert net.name == "top_level"
    assert {"m1.dc1", "m2.ps_theta"} <= set(net.instances)
    M = mzi_matrix(1.1, 0.7)
    assert np.abs(transfer_matrix(net) - M @ M).max() < 1e-12


def test_straight_lengths_are_micrometres_and_sax_defaults_apply():
    net = load_quiet({"instances": {"wg": {"component": "straight",
                                           "settings": {"length": 25, "loss_dB_cm": 2.0}}},
                      "connections": {}, "ports": {"a": "wg,o1", "b": "wg,o2"}},
                     dialect="sax")
    p = net.instances["wg"].params
    assert p["length"] == pytest.approx(25e-6, rel=1e-15)
    assert p["loss_per_length"] == pytest.approx(200.0)  # dB/m
    assert (p["n_eff"], p["n_g"], p["loss"]) == (2.34, 3.4, 0.0)


@pytest.mark.parametrize("net, message, hint", [
    ({}, "an empty sax netlist", None),
    ({"mzi": {"instances": {}}, "foo": 1}, "neither a netlist (no 'instances') nor a key", None),
    ({"instances": {"a": "coupler_ideel"}, "ports": {"x": "a,o1"}},
     "instance 'a': no model 'coupler_ideel'", "did you mean 'coupler_ideal'?"),
    ({"instances": {"a": "coupler"}, "ports": {"x": "a,o1"}},
     "SAX's dispersive coupler", None),
    ({"instances": {"a": {"component": "straight", "settings": {"lenght": 3}}},
      "ports": {"x": "a,o1"}}, "setting 'lenght' of model 'straight'", "did you mean 'length'?"),
    ({"instances": {"a": "coupler_ideal"}, "ports": {"x": "a,o5"}},
     "has no port 'o5'", "ports: in0, in1, out0, out1, o1, o2, o3, o4"),
    ({"instances": {"a": "straight"}, "ports": {"x": "a,o1"}, "conections": {}},
     "unknown key 'conections'", "did you mean 'connections'?"),
    ({"instances": {"a": {"component": "straight", "array": {"columns": 2}}},
      "ports": {"x": "a,o1"}}, "instance arrays are not translated", None),
])
def test_what_cannot_be_translated_is_an_error_naming_it(net, message, hint):
    with pytest.raises(NetlistError) as err:
        load_netlist(net, dialect="sax")
    found = [p for p in err.value.problems if message in p.message]
    assert found, err.value
    if hint:
        assert found[0].hint == hint


def test_gdsfactory_keys_are_read_or_noted(recwarn):
    gf = {"name": "pair", "instances": {
        "wg1": {"component": "straight", "settings": {"length": 5, "cross_section": "strip"},
                "info": {"length": 5}},
        "wg2": {"component": "straight", "settings": {"length": 5, "cross_section": "strip"}}},
        "placements": {"wg1": {"x": 0}}, "warnings": {"optical": {"unconnected_ports": []}},
        "routes": {"r1": {"links": {"wg1,o2": "wg2,o1"}}},
        "ports": {"o1": "wg1,o1", "o2": "wg2,o2"}}
    net = load_netlist(gf, dialect="gdsfactory")
    assert net.name == "pair" and links(net) == {("wg1", "out0", "wg2", "in0")}
    text = "\n".join(str(n) for n in net.notes)
    for word in ("placements", "warnings", "route bundle 'r1'", "'cross_section' of 'straight'"
                 " ignored (layout only) (2 instances)", "instance 'info' ignored"):
        assert word in text
    assert len([w for w in recwarn if issubclass(w.category, EmulatorWarning)]) == len(net.notes)


def test_gdsfactory_nets_and_sax_placements():
    net = load_quiet({"instances": {"a": "straight", "b": "straight"},
                      "nets": [{"p1": "a,o2", "p2": "b,o1"}], "placements": {"a": {"x": 1}},
                      "ports": {"i": "a,o1", "o": "b,o2"}}, dialect="sax")
    assert links(net) == {("a", "out0", "b", "in0")}
    assert any("placements" in str(n) for n in net.notes)


def test_unknown_dialect_is_an_error():
    with pytest.raises(NetlistError, match="unknown netlist dialect"):
        load_netlist({}, dialect="spice")


def test_file_problems_have_lines(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("instances:\n  a: {component: straight}\n  b: {component: mmi3x3}\n"
                 "ports: {x: 'a,o1', y: 'a,o2'}\n")
    with pytest.raises(NetlistError) as err:
        load_netlist(f, dialect="gdsfactory")
    (p,) = err.value.problems
    assert (p.file, p.line, p.path) == (str(f), 3, "instances.b.component")


def test_export_writes_our_components_and_refuses_active_parts():
    net = load_netlist(ROOT / "netlists" / "clements_8.yaml")
    exported, models = to_sax(net)
    assert all(i["component"].startswith("emu_") for i in exported["instances"].values())
    assert set(models) == {i["component"] for i in exported["instances"].values()}
    assert all("." not in n for n in exported["instances"])
    with pytest.raises(NetlistError, match="not passive optics"):
        to_sax(load_netlist(ROOT / "netlists" / "onn_core_4.yaml"))


def test_exported_model_is_our_transfer_both_ways():
    _, models = to_sax(load_netlist(ROOT / "netlists" / "mzi_primitives.yaml"))
    s = models["emu_coupler"](wl=1.55, coupling=0.3, loss=0.0)
    assert s[("in0", "out1")] == pytest.approx(1j * np.sqrt(0.3))
    assert s[("out1", "in0")] == s[("in0", "out1")]
    s = models["emu_phase_shifter"](wl=np.array([1.5, 1.6]), phase=0.5, loss=0.0)
    assert s[("in0", "out0")].shape == (2,)


def test_cli_import_and_export(tmp_path, capsys):
    src = tmp_path / "mzi.yaml"
    src.write_text(yaml.safe_dump({"top_level": {
        "instances": {"m1": "mzi", "m2": "mzi"},
        "connections": {"m1,out0": "m2,in0", "m1,out1": "m2,in1"},
        "ports": {"in0": "m1,in0", "in1": "m1,in1", "out0": "m2,out0", "out1": "m2,out1"}},
        "mzi": mzi_sax(1.1, 0.7)}))
    out = tmp_path / "ours.yaml"
    assert main(["netlist", "import", str(src), "--from", "sax", "-o", str(out)]) == 0
    text = out.read_text()
    assert "&" in text and "*" in text  # the sub-netlist written once, referenced twice
    assert np.abs(transfer_matrix(out) - transfer_matrix(load_quiet(src, dialect="sax"))).max() == 0
    capsys.readouterr()
    assert main(["netlist", "export", str(ROOT / "netlists" / "mzi_primitives.yaml"),
                 "--to", "sax"]) == 0
    exported = yaml.safe_load(capsys.readouterr().out)
    assert exported["instances"]["dc1"]["component"] == "emu_coupler"
    bad = tmp_path / "bad.yaml"
    bad.write_text("instances: {a: coupler_ideel}\nports: {x: 'a,o1'}\n")
    assert main(["netlist", "import", str(bad), "--from", "sax"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: instances.a.component" in err and "Traceback" not in err


# ------------------------------------------------------------------ units at the boundary

def wg(length) -> dict:
    return {"version": 1, "instances": {"w": {"component": "waveguide",
                                              "params": {"length": length}}},
            "connections": {}, "ports": {"a": "w,in0", "b": "w,out0"}}


@pytest.mark.parametrize("value, fix", [(0.5, "write '0.5 um'"), (0.02, "write '0.02 um'"),
                                        (1.8e-4, "write '180 um' to say so")])
def test_a_bare_length_that_is_easy_to_misread_is_a_warning_with_the_fix(value, fix):
    with pytest.warns(EmulatorWarning, match="bare length"):
        net = load_netlist(wg(value))
    assert net.instances["w"].params["length"] == value  # bare numbers stay SI
    (note,) = net.notes
    assert note.hint == fix and note.path == "instances.w.params.length"


def test_a_bare_length_out_of_bounds_says_which_unit_fits():
    with pytest.raises(NetlistError) as err:
        load_netlist(wg(10))
    (p,) = err.value.problems
    assert "out of bounds" in p.message and p.hint == "write '10 um'"


@pytest.mark.parametrize("value", ["0.5 um", 2e-3, 0])
def test_lengths_with_units_or_plainly_si_load_quietly(value):
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmulatorWarning)
        assert load_netlist(wg(value)).notes == []


def test_cli_prints_warnings_on_stderr(tmp_path, capsys):
    f = tmp_path / "w.yaml"
    f.write_text(yaml.safe_dump(wg(0.5)))
    assert main(["netlist", "validate", str(f)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"warning: {f}:") and "write '0.5 um'" in err


def test_a_recursive_netlist_that_includes_itself_is_an_error():
    rec = {"top_level": {"instances": {"a": "sub"}, "ports": {"x": "a,p"}},
           "sub": {"instances": {"b": "top_level"}, "ports": {"p": "b,x"}}}
    with pytest.raises(NetlistError, match="includes itself: top_level -> sub -> top_level"):
        load_netlist(rec, dialect="sax")


def test_cli_export_to_a_json_file_writes_json_that_imports_back(tmp_path):
    """An output named .json gets JSON (not YAML with comments): export, import, same
    transfer matrix."""
    import json

    src = Path(__file__).resolve().parents[1] / "netlists" / "clements_8.yaml"
    out, back = tmp_path / "c8.json", tmp_path / "c8.yaml"
    assert main(["netlist", "export", str(src), "--to", "sax", "-o", str(out)]) == 0
    json.loads(out.read_text())  # plain JSON
    assert main(["netlist", "import", str(out), "--from", "sax", "-o", str(back)]) == 0
    assert np.abs(transfer_matrix(back) - transfer_matrix(src)).max() < 1e-12


def test_generated_structures_raise_no_unit_warnings(recwarn):
    """A generator writes SI numbers by construction (a ring's resonance at 1.55e-6 m):
    neither a generator inside a file nor a generator's dict handed to the loader warns;
    the same bare length written by hand does."""
    from emulator.netlist.generators import mrr_weight_bank

    root = Path(__file__).resolve().parents[1]
    load_netlist(root / "netlists" / "mrr_weight_bank_8x4.yaml")
    load_netlist(mrr_weight_bank(4, 2, seed=3))
    assert not [w for w in recwarn if issubclass(w.category, EmulatorWarning)]
    with pytest.warns(EmulatorWarning, match="bare length"):
        load_netlist(wg(1.55e-6))
