"""Topological generations over plain dicts: the order networkx gives, without a graph.

Building a networkx graph of a 256-port mesh (33k nodes, 65k links) and walking it costs
seconds; the netlist's own instance and link lists are already the graph.
:func:`generations` yields the same generations, in the same order, as
``networkx.topological_generations`` on a MultiDiGraph built from the same nodes and
edges in the same order (``Netlist.graph``), so flattening it gives the node order of
``networkx.topological_sort`` (tested).  Cycles are left to networkx: see
:func:`is_acyclic`, and ``networkx.find_cycle`` for the path a message prints.
"""

from __future__ import annotations

from typing import Hashable, Iterable, Iterator


def generations(nodes: Iterable[Hashable], edges: Iterable[tuple]) -> Iterator[list]:
    """Lists of nodes, each after every node it depends on; ``edges`` are ``(u, v)``
    pairs (parallel edges allowed, endpoints outside ``nodes`` ignored).  Nodes on or
    behind a cycle are never yielded."""
    succ: dict = {n: {} for n in nodes}
    indegree = dict.fromkeys(succ, 0)
    for u, v in edges:
        if u in succ and v in succ:
            children = succ[u]
            children[v] = children.get(v, 0) + 1
            indegree[v] += 1
    current = [n for n, d in indegree.items() if d == 0]
    while current:
        following = []
        for node in current:
            for child, count in succ[node].items():
                left = indegree[child] - count
                indegree[child] = left
                if left == 0:
                    following.append(child)
        yield current
        current = following


def topological_order(nodes: Iterable[Hashable], edges: Iterable[tuple]) -> list:
    """Every node, each after those it depends on (``networkx.topological_sort``'s order
    for the same graph); shorter than ``nodes`` if there is a cycle."""
    return [n for gen in generations(nodes, edges) for n in gen]


def is_acyclic(nodes, edges) -> bool:
    """True if the directed graph of ``nodes`` and ``edges`` has no cycle."""
    nodes = list(nodes)
    return len(topological_order(nodes, edges)) == len(set(nodes))
