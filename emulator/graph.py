"""Netlist -> networkx MultiDiGraph: instances are nodes, links are port-labelled edges.

Graph algorithms (stages, critical path, cycles) use this graph; hot loops never do.
"""

from __future__ import annotations

import networkx as nx


def build_graph(netlist) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(name=netlist.name, ports=dict(netlist.ports))
    g.add_nodes_from(
        (name, {"component": inst.component.name, "kind": inst.kind, "params": inst.params})
        for name, inst in netlist.instances.items())
    g.add_edges_from(
        (c.src, c.dst, {"src_port": c.src_port, "dst_port": c.dst_port, "domain": c.domain})
        for c in netlist.connections)
    return g


def stages(graph: nx.MultiDiGraph) -> list[list[str]]:
    """Instances grouped in topological generations (all inputs of a stage come earlier)."""
    return [sorted(gen) for gen in nx.topological_generations(graph)]


def longest_path(graph: nx.MultiDiGraph, node_weight) -> tuple[float, list[str]]:
    """Heaviest source-to-sink path where each node weighs ``node_weight(name)``."""
    dist: dict[str, float] = {}
    prev: dict[str, str | None] = {}
    for node in nx.topological_sort(graph):
        best, arg = 0.0, None
        for u in graph.predecessors(node):
            if dist[u] > best or arg is None:
                best, arg = dist[u], u
        dist[node] = best + node_weight(node)
        prev[node] = arg
    if not dist:
        return 0.0, []
    end = max(dist, key=dist.get)
    path = [end]
    while prev[path[-1]] is not None:
        path.append(prev[path[-1]])
    return dist[end], path[::-1]
