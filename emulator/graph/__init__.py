"""Netlist -> networkx graphs, and the graph algorithms every later stage uses.

``build_graph``: instances are nodes, links are port-labelled edges (a MultiDiGraph,
``Netlist.graph``).  ``optical_graph``: the instances joined by optical links only
(for depth, loss and link budgets).  ``digraph``: a plain DiGraph from nodes and edges
(for the validator's cycle check and the engine's bank dependencies).  Graph algorithms
(critical paths, reach, cycles) run here; hot loops never touch networkx.
Sub-modules: ``summary`` (what ``netlist show`` prints), ``budget`` (laser link budget).
"""

from __future__ import annotations

from typing import Callable, Hashable, Iterable

import networkx as nx

from components.base import OPTICAL


def build_graph(netlist) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(name=netlist.name, ports=dict(netlist.ports))
    g.add_nodes_from(
        (name, {"component": inst.component.name, "kind": inst.kind, "params": inst.params})
        for name, inst in netlist.instances.items())
    g.add_edges_from(
        (c.src, c.dst, {"src_port": c.src_port, "dst_port": c.dst_port, "domain": c.domain})
        for c in netlist.connections)
    return g


def digraph(nodes: Iterable[Hashable], edges: Iterable[tuple]) -> nx.DiGraph:
    """A plain directed graph (parallel links collapse into one edge)."""
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return g


def optical_graph(netlist) -> nx.DiGraph:
    """Every instance, joined by the netlist's optical links only."""
    return digraph(netlist.instances,
                   ((c.src, c.dst) for c in netlist.connections if c.domain == OPTICAL))


def longest_paths(graph: nx.DiGraph, node_weight: Callable[[Hashable], float],
                  source: Hashable | None = None) -> tuple[dict, dict]:
    """Heaviest path to every node, where each node weighs ``node_weight(node)``.

    Returns ``(dist, prev)``: the path weight ending at each node (its own weight
    included) and the node before it on that path (None at a start).  With ``source``
    only paths from it count (the source itself weighs 0 and nodes it cannot reach are
    left out); otherwise a path may start anywhere.
    """
    dist: dict = {}
    prev: dict = {}
    if source is not None:
        graph = graph.subgraph(nx.descendants(graph, source) | {source})
    for node in nx.topological_sort(graph):
        if node == source:
            dist[node], prev[node] = 0.0, None
            continue
        best, arg = 0.0, None
        for u in graph.predecessors(node):
            if u in dist and (arg is None or dist[u] > best):
                best, arg = dist[u], u
        dist[node] = best + node_weight(node)
        prev[node] = arg
    return dist, prev


def longest_path(graph: nx.DiGraph, node_weight) -> tuple[float, list]:
    """Heaviest path of the graph and its nodes, first to last."""
    dist, prev = longest_paths(graph, node_weight)
    if not dist:
        return 0.0, []
    end = max(dist, key=dist.get)
    path = [end]
    while prev[path[-1]] is not None:
        path.append(prev[path[-1]])
    return dist[end], path[::-1]


def insertion_loss_db(inst) -> float:
    """Declared insertion loss of one instance [dB], propagation loss included."""
    p = inst.params
    return float(p.get("loss", 0.0)) + float(p.get("loss_per_length", 0.0)) * float(
        p.get("length", 0.0) if "loss_per_length" in p else 0.0)


__all__ = ["build_graph", "digraph", "insertion_loss_db", "longest_path", "longest_paths",
           "optical_graph"]
