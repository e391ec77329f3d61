"""Netlist loading, hierarchy, validation messages and the compiled transfer."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from emulator import compile_netlist, load_netlist, transfer_matrix
from components.errors import NetlistError

HERE = Path(__file__).parent
ROOT = HERE.parent
BROKEN = HERE / "data" / "broken"


def B():
    return np.array([[1, 1j], [1j, 1]]) / np.sqrt(2)


def ps(phi):
    return np.diag([np.exp(1j * phi), 1.0])


def test_mzi_from_primitives_equals_product_of_parts_and_mzi_component():
    T = transfer_matrix(ROOT / "netlists" / "mzi_primitives.yaml")
    expected = B() @ ps(1.1) @ B() @ ps(0.7)  # theta = 1.1, phi = 0.7 in the file
    np.testing.assert_allclose(T, expected, atol=1e-12)
    single = {"version": 1, "instances": {"m": {"component": "mzi",
              "params": {"theta": 1.1, "phi": 0.7, "loss": 0}}},
              "ports": {"in0": "m,in0", "in1": "m,in1", "out0": "m,out0", "out1": "m,out1"}}
    np.testing.assert_allclose(transfer_matrix(single), expected, atol=1e-12)


def test_yaml_json_and_dict_load_the_same(tmp_path):
    src = ROOT / "netlists" / "mzi_primitives.yaml"
    data = yaml.safe_load(src.read_text())
    (tmp_path / "m.json").write_text(json.dumps(data))
    a = transfer_matrix(src)
    np.testing.assert_array_equal(a, transfer_matrix(tmp_path / "m.json"))
    np.testing.assert_array_equal(a, transfer_matrix(data))


def test_hierarchy_two_subcircuits_in_series_multiply(tmp_path):
    sub = (ROOT / "netlists" / "mzi_primitives.yaml").resolve()
    top = {"version": 1, "instances": {"a": {"netlist": str(sub)}, "b": {"netlist": str(sub)}},
           "connections": {"a,out0": "b,in0", "a,out1": "b,in1"},
           "ports": {"in0": "a,in0", "in1": "a,in1", "out0": "b,out0", "out1": "b,out1"}}
    n = load_netlist(top)
    assert "a.dc1" in n.instances and "b.ps_theta" in n.instances
    one = transfer_matrix(sub)
    np.testing.assert_allclose(transfer_matrix(n), one @ one, atol=1e-12)


def test_graph_is_multidigraph_with_port_labelled_edges():
    n = load_netlist(ROOT / "netlists" / "mzi_primitives.yaml")
    g = n.graph
    assert g.is_directed() and g.is_multigraph()
    # dc1 feeds dc2 directly (lower arm) and through ps_theta (upper arm)
    edges = {(u, v, d["src_port"], d["dst_port"], d["domain"]) for u, v, d in g.edges(data=True)}
    assert ("dc1", "dc2", "out1", "in1", "optical") in edges
    assert ("dc1", "ps_theta", "out0", "in0", "optical") in edges
    assert g.nodes["dc1"]["component"] == "coupler"


def test_waveguide_chain_time_of_flight_and_loss():
    # three waveguides of 1, 2 and 3 mm, n_g = 4.0, 3 dB/cm: closed forms by hand
    # (n_eff given at the evaluated wavelength: the phase is a whole number of turns)
    inst = {f"w{i}": {"component": "waveguide", "params": {
        "length": f"{i + 1} mm", "n_g": 4.0, "loss_per_length": "3 dB/cm", "n_eff": 2.0,
        "wavelength0": "1.5 um"}}
        for i in range(3)}
    net = {"version": 1, "instances": inst,
           "connections": {"w0,out0": "w1,in0", "w1,out0": "w2,in0"},
           "ports": {"in0": "w0,in0", "out0": "w2,out0"}}
    c = compile_netlist(net, wavelength=1.5e-6)
    L = 6e-3
    assert c.time_of_flight[0, 0] == pytest.approx(4.0 * L / 299792458.0, rel=1e-12)
    expected = 10 ** (-3.0 * 0.6 / 20)  # 3 dB/cm over 0.6 cm * np.exp(2j * np.pi * 2.0 * L / 1.5e-6)
    assert c.transfer[0, 0] == pytest.approx(expected, rel=1e-9)


def test_batched_evaluation_equals_matrix_product():
    c = compile_netlist(ROOT / "netlists" / "mzi_primitives.yaml")
    x = np.random.default_rng(0).normal(size=(50, 2)) + 0j
    np.testing.assert_allclose(c.evaluate(x), x @ c.transfer.T, atol=1e-14)


# every broken example: the fragments its message must contain
BROKEN_CASES = {
    "unknown_component.yaml": [":3:", "instances.m1.component", "did you mean 'mzi'"],
    "unknown_param.yaml": [":3:", "instances.ps.params.phse", "did you mean 'phase'"],
    "retired_param.yaml": [":4:", "instances.pd.params.wdm_crosstalk",
                           "'photodetector' no longer takes 'wdm_crosstalk'",
                           "set 'crosstalk' (dB, adjacent channel) on the wdm_demux"],
    "bad_unit.yaml": ["instances.ps.params.phase", "'mW' does not fit"],
    "unknown_unit.yaml": ["instances.wg.params.length", "did you mean 'um'"],
    "nan_value.yaml": ["instances.ps.params.phase", "not finite"],
    "out_of_bounds.yaml": ["instances.dc.params.coupling", "out of bounds [0, 1]"],
    "bad_choice.yaml": ["instances.ps.params.tech", "did you mean 'thermo'"],
    "connected_twice.yaml": ["'a,out0' is connected twice"],
    "dangling.yaml": ["'dc,in1'", "not connected"],
    "optical_to_electrical.yaml": ["without a converter", "photodetector"],
    "cycle.yaml": ["cycle: dc1 -> dc2 -> dc1"],
    "missing_subcircuit.yaml": ["instances.sub.netlist", "not found", "does_not_exist.yaml"],
    "self_include.yaml": ["includes itself"],
    "yaml_syntax.yaml": ["YAML syntax error", "yaml_syntax.yaml:4"],
    "unknown_top_key.yaml": ["unknown key 'instance'", "did you mean 'instances'"],
    "bad_port.yaml": ["ports.out0", "did you mean 'out0'"],
    "missing_version.yaml": ["missing 'version'"],
    "unknown_generator.yaml": ["unknown generator 'clemens'", "did you mean 'clements'"],
    "bad_generator_param.yaml": ["unknown parameter 'nn'", "did you mean 'n'"],
    "two_outputs.yaml": ["both outputs"],
    "not_a_mapping.yaml": ["must be a mapping"],
    "ring_outside_fsr.yaml": [":4:", "instances.r0.params", "outside its free spectral range"],
    "wdm_too_many_lines.yaml": [":5:", "instances.dmx", "'src' emits 8 wavelengths",
                                "declares 4 channels"],
    "crossbar_beyond_fsr.yaml": [":4:", "30 wavelengths", "free spectral range"],
    "bus_width.yaml": [":6:", "connections", "bus widths differ", "'a[0:2],out0' is 2 wide",
                       "'b[0:1],in0' is 1"],
    "bus_index.yaml": [":6:", "unknown instance 'b2'"],  # the offending index, at the bus
    "bus_empty.yaml": [":3:", "instances.a[2:2]", "empty range"],
}


def test_every_broken_file_has_a_case():
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(BROKEN_CASES)


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_netlist_message(name):
    with pytest.raises(NetlistError) as err:
        load_netlist(BROKEN / name)
    text = str(err.value)
    assert name in text
    for fragment in BROKEN_CASES[name]:
        assert fragment in text, text


def test_validator_collects_every_problem_at_once():
    net = {"version": 1, "instances": {
        "a": {"component": "phase_shifter", "params": {"phse": 1, "loss": "2 mW"}},
        "b": {"component": "cuopler"}}, "ports": {}}
    with pytest.raises(NetlistError) as err:
        load_netlist(net)
    assert len(err.value.problems) == 3


def test_cli_validate_exit_codes():
    env_cmd = [sys.executable, "-m", "emulator.cli.main", "netlist", "validate"]
    ok = subprocess.run(env_cmd + [str(ROOT / "netlists" / "mzi_primitives.yaml")],
                        capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(env_cmd + [str(BROKEN / "cycle.yaml"), str(BROKEN / "dangling.yaml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    lines = [l for l in bad.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 2  # one line per problem, both files reported


# --- generated structures through the whole pipeline (load -> graph -> compile) -------------

from emulator.netlist.generators import clements, reck, svd_layer  # noqa: E402


def _haar(n, seed):
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


@pytest.mark.parametrize("gen", [clements, reck])
@pytest.mark.parametrize("n", [2, 5, 16])
def test_lossless_generated_mesh_is_the_target_unitary(gen, n):
    U = _haar(n, seed=n)
    net = gen(n, unitary=U.tolist(), mzi={"loss": 0.0}, phase_shifter={"loss": 0.0})
    T = transfer_matrix(net)
    np.testing.assert_allclose(T, U, atol=1e-10)
    np.testing.assert_allclose(T.conj().T @ T, np.eye(n), atol=1e-12)


def test_lossy_netlists_never_gain_power():
    rng = np.random.default_rng(5)
    T = transfer_matrix(ROOT / "netlists" / "clements_8.yaml")
    assert np.linalg.svd(T, compute_uv=False).max() <= 1.0
    # loss-balanced layout: every path crosses one MZI or one dummy of equal loss in each
    # of the N = 8 columns (0.25 dB each) and one output shifter (0.25 dB), so T is a
    # unitary times 10^(-(8·0.25 + 0.25)/20): all singular values equal that
    sv = np.linalg.svd(T, compute_uv=False)
    assert np.allclose(sv, 10 ** (-(8 * 0.25 + 0.25) / 20), rtol=0, atol=1e-12)
    x = rng.normal(size=(200, 8)) + 1j * rng.normal(size=(200, 8))
    y = compile_netlist(ROOT / "netlists" / "clements_8.yaml").evaluate(x)
    assert np.all(np.sum(abs(y) ** 2, 1) <= np.sum(abs(x) ** 2, 1))


@pytest.mark.parametrize("m, n", [(6, 6), (4, 7), (7, 3)])
def test_svd_layer_netlist_reproduces_matrix_after_scale(m, n):
    W = np.random.default_rng(m * 10 + n).normal(size=(m, n))
    net = svd_layer(W.tolist(), mzi={"loss": 0.0}, phase_shifter={"loss": 0.0},
                    attenuator={"loss": 0.0})
    scale = net["info"]["scale"]
    assert scale == pytest.approx(np.linalg.svd(W, compute_uv=False)[0], rel=1e-12)
    np.testing.assert_allclose(scale * transfer_matrix(net), W, atol=1e-10)


def test_onn_core_optical_region_contains_the_svd_layer():
    """Modulator outputs -> detector inputs is the SVD layer's matrix (with its losses)."""
    c = compile_netlist(ROOT / "netlists" / "onn_core_16.yaml")
    rows = [c.index_out[(f"pd{i}", "in0")] for i in range(16)]
    cols = [c.index_in[(f"mod{i}", "out0")] for i in range(16)]
    block = c.matrix[np.ix_(rows, cols)]
    layer = transfer_matrix({"version": 1, "instances": {"l": {"generator": "svd_layer",
                             "params": {"n": 16, "m": 16, "seed": 3}}},
                             "ports": {**{f"in{i}": f"l,in{i}" for i in range(16)},
                                       **{f"out{i}": f"l,out{i}" for i in range(16)}}})
    np.testing.assert_allclose(block, layer, atol=1e-14)
    # the laser reaches every modulator through the 1x16 splitter: |t|^2 = 10^(-0.2/10)/16
    laser = c.index_in[("laser", "out0")]
    mods = [c.index_out[(f"mod{i}", "in0")] for i in range(16)]
    np.testing.assert_allclose(abs(c.matrix[mods, laser]) ** 2, 10 ** (-0.02) / 16, rtol=1e-12)


def test_compiled_time_of_flight_equals_graph_longest_path():
    """Longest time of flight from the compiler = networkx longest path over passive delays."""
    import networkx as nx

    n = load_netlist(clements(6, seed=2))
    c = compile_netlist(n)
    g = nx.DiGraph()
    for conn in n.connections:
        g.add_edge(conn.src, conn.dst, weight=n.instances[conn.dst].component.delay(
            n.instances[conn.dst].params))
    src_delay = max(i.component.delay(i.params) for i in n.instances.values()
                    if any(t[0] == i.name and t[1].startswith("in") for t in n.ports.values()))
    longest = nx.dag_longest_path_length(g, weight="weight")
    assert c.time_of_flight.max() == pytest.approx(longest + src_delay, rel=1e-12)


def test_instance_arrays_and_port_buses_expand_to_the_written_out_netlist():
    """The shipped cores are written with buses (dac[0:16], "mod[0:16],out0": "layer,in[0:16]");
    they load to exactly the netlist written one instance and one link at a time."""
    n = 4
    plain = {"version": 1, "instances": {"layer": {"generator": "clements",
                                                   "params": {"n": n, "seed": 1}}},
             "connections": {}, "ports": {}}
    for i in range(n):
        plain["instances"][f"ps{i}"] = {"component": "phase_shifter",
                                        "params": {"phase": 0.3}}
        plain["connections"][f"ps{i},out0"] = f"layer,in{i}"
        plain["ports"][f"in{i}"] = f"ps{i},in0"
        plain["ports"][f"out{i}"] = f"layer,out{i}"
    bussed = {"version": 1, "instances": {
        "layer": {"generator": "clements", "params": {"n": n, "seed": 1}},
        f"ps[0:{n}]": {"component": "phase_shifter", "params": {"phase": 0.3}}},
        "connections": {f"ps[0:{n}],out0": f"layer,in[0:{n}]"},
        "ports": {f"in[0:{n}]": f"ps[0:{n}],in0", f"out[0:{n}]": f"layer,out[0:{n}]"}}
    a, b = load_netlist(plain), load_netlist(bussed)
    links = lambda net: sorted((c.src, c.src_port, c.dst, c.dst_port) for c in net.connections)
    assert sorted(a.instances) == sorted(b.instances) and links(a) == links(b)
    assert a.ports == b.ports
    assert np.array_equal(compile_netlist(a).matrix, compile_netlist(b).matrix)
    core = load_netlist(ROOT / "netlists" / "onn_core_16.yaml")
    assert len(core.external("in")) == 16 and "dac15" in core.instances
