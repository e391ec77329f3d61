"""Compile at scale: the array-and-dict route (no networkx graph) gives what the networkx
route gives — the same topological order, the same compiled matrix — and the bulk
parameter check gives the same parameters and the same messages as the per-instance one."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from components import default_registry
from components.base import IN, OPTICAL, OUT
from components.errors import NetlistError
from emulator.compile import EXT, compile_netlist
from emulator.graph.order import generations, is_acyclic, topological_order
from emulator.netlist import load_netlist
from emulator.netlist.generators import clements, core_netlist, reck, svd_layer
from emulator.netlist.params import resolve_many, resolve_params


def networkx_compile(net, lam=1.55e-6):
    """An independent compile: walk ``networkx.topological_sort`` of the netlist's graph
    one instance at a time, carrying each optical wire's row of input amplitudes."""
    insts = net.instances
    passive = {n for n, i in insts.items() if i.component.is_passive_optical}
    order = list(nx.topological_sort(net.graph))
    active = [n for n in order if n not in passive]
    ext_in = [e for e, (i, p) in net.ports.items()
              if insts[i].port_map[p].domain == OPTICAL and insts[i].port_map[p].direction == IN]
    ext_out = [e for e, (i, p) in net.ports.items()
               if insts[i].port_map[p].domain == OPTICAL and insts[i].port_map[p].direction == OUT]
    rin = [(EXT, e) for e in ext_in] + [(n, p.name) for n in active for p in insts[n].ports
                                        if p.domain == OPTICAL and p.direction == OUT]
    rout = [(EXT, e) for e in ext_out] + [(n, p.name) for n in active for p in insts[n].ports
                                          if p.domain == OPTICAL and p.direction == IN]
    feeds = {(c.src, c.src_port): (c.dst, c.dst_port) for c in net.connections
             if c.domain == OPTICAL}
    for e in ext_out:
        feeds[net.ports[e]] = (EXT, e)
    wire = {}  # (instance, input port) or (EXT, out name) -> row over region inputs
    eye = np.eye(len(rin), dtype=complex)
    for k, (inst, port) in enumerate(rin):
        wire[net.ports[port] if inst == EXT else feeds[(inst, port)]] = eye[k]
    for name in order:
        if name not in passive:
            continue
        inst = insts[name]
        ins = [p.name for p in inst.ports if p.direction == IN]
        outs = [p.name for p in inst.ports if p.direction == OUT]
        T = np.asarray(inst.component.transfer(inst.params, lam), dtype=complex)
        x = np.array([wire[(name, p)] for p in ins]).reshape(len(ins), len(rin))
        y = T @ x if ins else np.zeros((len(outs), len(rin)), complex)
        for j, p in enumerate(outs):
            wire[feeds[(name, p)]] = y[j]
    matrix = np.array([wire.get(k if k[0] != EXT else k, np.zeros(len(rin)))
                       for k in rout])
    return rin, rout, active, matrix


@pytest.mark.parametrize("make", [
    lambda: clements(32, seed=4, mzi={"loss": 0.2}),
    lambda: reck(12, seed=2),
    lambda: svd_layer(n=9, m=6, seed=1),
    lambda: core_netlist(8, 6),
    lambda: "netlists/onn_core_16.yaml",
])
def test_compile_equals_networkx_route(make):
    net = load_netlist(make())
    c = compile_netlist(net)
    rin, rout, active, matrix = networkx_compile(c.netlist)
    assert c.region_in == rin and c.region_out == rout and c.active == active
    assert np.max(np.abs(c.matrix - matrix)) <= 1e-12


def test_live_rows_grow_and_are_reused():
    """The compile's store of waiting light: rows come back as put, in the order asked,
    through growth past its capacity, and freed rows are reused."""
    from emulator.compile.live import Live

    live = Live(3, capacity=1)
    keys = [(f"i{k}", "in0") for k in range(5)]
    fields = np.arange(15).reshape(5, 3) * (1 + 1j)
    live.put(keys, fields, fields.real)
    f, t = live.take(keys[::-1])
    assert np.array_equal(f, fields[::-1]) and np.array_equal(t, fields.real[::-1])
    size = len(live.fields)
    live.put(keys[:2], fields[:2], fields.real[:2])
    assert len(live.fields) == size and len(live.row) == 2
    with pytest.raises(KeyError):
        live.take([keys[3]])


def random_dags(count=150):
    for seed in range(count):
        r = random.Random(seed)
        n = r.randint(1, 25)
        nodes = [f"n{i}" for i in range(n)]
        pairs = ((r.randrange(n), r.randrange(n)) for _ in range(r.randint(0, 50)))
        edges = [(f"n{a}", f"n{b}") for a, b in pairs if a < b or r.random() < 0.03]
        g = nx.MultiDiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from(edges)
        yield nodes, edges, g


def test_generations_are_networkx_generations():
    for nodes, edges, g in random_dags():
        acyclic = nx.is_directed_acyclic_graph(g)
        assert is_acyclic(nodes, edges) == acyclic
        if acyclic:
            assert list(generations(nodes, edges)) == [list(x) for x in
                                                       nx.topological_generations(g)]
            assert topological_order(nodes, edges) == list(nx.topological_sort(g))


def test_topological_order_of_a_user_netlist():
    net = load_netlist("netlists/onn_core_16.yaml")
    assert topological_order(net.instances, [(c.src, c.dst) for c in net.connections]) \
        == list(nx.topological_sort(net.graph))


def test_bulk_parameter_check_equals_per_instance():
    mzi = default_registry().get("mzi")
    given = [{"theta": 0.1 * i, "phi": i, "loss": 0.3, "tech": "eo"} for i in range(5)]
    bulk = resolve_many(mzi, given)
    one = [resolve_params(mzi, g) for g in given]
    assert bulk == [(p, g) for p, g, problems in one]
    assert all(not problems for _, _, problems in one)
    assert [list(p) for p, _ in bulk] == [list(p) for p, _, _ in one]  # key order too
    # anything the per-instance checker must word goes back to it
    for bad in ({"theta": "0.3 rad"}, {"theta": float("nan")}, {"theta": True},
                {"loss": 99.0}, {"tech": "steam"}, {"thetaa": 1.0}):
        assert resolve_many(mzi, [{**given[0], **bad}] + given[1:]) is None


def test_generated_netlist_errors_unchanged():
    """A generated-shape dict with bad values reports them as the per-instance path
    does: every problem, in order, with its key path."""
    data = clements(4, seed=1)
    names = [n for n in data["instances"] if n.startswith("mzi_")]
    data["instances"][names[0]]["params"]["theta"] = 99.0
    data["instances"][names[2]]["params"]["phi"] = "3 mW"
    with pytest.raises(NetlistError) as err:
        load_netlist(data)
    text = str(err.value).splitlines()
    assert len(text) == 2
    assert f"instances.{names[0]}.params.theta" in text[0] and "out of bounds" in text[0]
    assert f"instances.{names[2]}.params.phi" in text[1]


def test_cycle_still_reported_as_a_path():
    data = {"version": 1, "instances": {
        "a": {"component": "waveguide"}, "b": {"component": "waveguide"}},
        "connections": {"a,out0": "b,in0", "b,out0": "a,in0"}, "ports": {}}
    with pytest.raises(NetlistError, match="cycle: a -> b -> a|cycle: b -> a -> b"):
        load_netlist(data)


def test_transfer_many_equals_each_transfer():
    """Every registered component with a batched transfer: equal to its per-instance
    transfer, stacked, on parameters drawn inside their bounds."""
    rng = np.random.default_rng(7)
    found = 0
    for comp in default_registry():
        if comp.transfer_many is None:
            continue
        found += 1
        ps = []
        for _ in range(9):
            given = {p.name: float(rng.uniform(p.lo, min(p.hi, p.lo + 10.0)))
                     for p in comp.params if not p.is_choice and not p.integer
                     and p.lo is not None and p.hi is not None}
            ps.append(comp.resolve(given))
        many = comp.transfer_many(ps, 1.55e-6)
        each = np.array([comp.transfer(p, 1.55e-6) for p in ps])
        assert many.shape == each.shape
        assert np.max(np.abs(many - each)) <= 1e-12, comp.name
    assert found >= 1
