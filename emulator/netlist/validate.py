"""Structural checks on a flattened netlist; every problem is collected, none raised.

Checks: direction (an output feeds an input), domain (optical / electrical / digital
must match: a converter sits between domains), each port used once, no dangling ports,
no cycles (reported as a path).
"""

from __future__ import annotations

import networkx as nx

from components.base import DIGITAL, ELECTRICAL, OPTICAL, OUT
from components.errors import Problem

from emulator.graph import digraph
from emulator.graph.order import is_acyclic

from .model import Instance, Where

_CONVERTER = {
    (OPTICAL, ELECTRICAL): "a photodetector", (ELECTRICAL, OPTICAL): "a modulator",
    (ELECTRICAL, DIGITAL): "an adc", (DIGITAL, ELECTRICAL): "a dac",
    (OPTICAL, DIGITAL): "a photodetector, tia and adc", (DIGITAL, OPTICAL): "a dac and a modulator",
}


def _p(where: Where, msg: str, hint: str | None = None) -> Problem:
    return Problem(msg, where.file, where.path, where.line, hint)


def check_structure(instances: dict[str, Instance], connections: list, ports: dict,
                    port_where: dict) -> list[Problem]:
    problems: list[Problem] = []
    used: dict[tuple[str, str], Where] = {}

    def use(end: tuple[str, str], where: Where):
        if end in used:
            problems.append(_p(where, f"port '{end[0]},{end[1]}' is connected twice",
                               f"also at {used[end].path or used[end].file}"))
        else:
            used[end] = where

    oriented = []
    for a, b, where in connections:
        pa, pb = instances[a[0]].port_map[a[1]], instances[b[0]].port_map[b[1]]
        if a in used or b in used or a == b:
            use(a, where)
            use(b, where)
        else:  # the common case without the calls (65k links in a 256-port mesh)
            used[a] = used[b] = where
        if pa.direction == pb.direction:
            problems.append(_p(where, f"'{a[0]},{a[1]}' and '{b[0]},{b[1]}' are both "
                               f"{'outputs' if pa.direction == OUT else 'inputs'}",
                               "connect an output to an input"))
            continue
        if pa.domain != pb.domain:
            problems.append(_p(where, f"{pa.domain} port '{a[0]},{a[1]}' linked to {pb.domain} "
                               f"port '{b[0]},{b[1]}' without a converter",
                               f"put {_CONVERTER[(pa.domain, pb.domain)]} between them"))
            continue
        oriented.append(((a, b) if pa.direction == OUT else (b, a)) + (where,))
    for ext, end in ports.items():
        use(end, port_where.get(ext, Where()))
    # every port is used once unless the counts differ (used holds only real ports)
    dangling = len(used) != sum(len(inst.ports) for inst in instances.values())
    for inst in instances.values() if dangling else ():
        for port in inst.ports:
            if (inst.name, port.name) not in used:
                problems.append(_p(inst.where, f"port '{inst.name},{port.name}' "
                                   f"({port.domain} {port.direction}) is not connected",
                                   "connect it, expose it under 'ports', or end it with a "
                                   + ("terminator" if port.direction == OUT and port.domain == OPTICAL
                                      else "dark source" if port.domain == OPTICAL else "converter")))
    if not problems:
        connections[:] = oriented  # every link now reads output -> input
        problems.extend(_cycles(instances, connections))
    return problems


def _cycles(instances, connections) -> list[Problem]:
    links = [(a[0], b[0]) for a, b, _ in connections]
    if is_acyclic(instances, links):  # linear time, no graph built; find_cycle is slow
        return []
    g = digraph(instances, links)
    cycle = nx.find_cycle(g)
    path = " -> ".join([e[0] for e in cycle] + [cycle[0][0]])
    where = instances[cycle[0][0]].where
    return [_p(where, f"the netlist has a cycle: {path}",
               "signals must flow forward; feedback loops are not supported")]
