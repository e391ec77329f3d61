"""The loaded, flattened netlist: plain data the graph builder and compiler read."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, NamedTuple

from components.base import Component, Port
from emulator.graph import build_graph


class Where(NamedTuple):
    """Where something was written: file, dotted key path, line.  (Immutable records
    built per instance and per link: a tuple builds in a tenth of a frozen dataclass's
    time, which a 256-port mesh's 98k of them made a tenth of its load.)"""

    file: str | None = None
    path: str | None = None
    line: int | None = None


@dataclass
class Instance:
    name: str
    component: Component
    params: dict[str, Any]  # resolved, SI, defaults filled in
    given: dict[str, Any]  # what the file set explicitly (SI)
    ports: tuple[Port, ...]
    where: Where = field(default_factory=Where)

    @cached_property
    def port_map(self) -> dict[str, Port]:
        return {p.name: p for p in self.ports}

    @property
    def kind(self) -> str:
        return self.component.kind


class Connection(NamedTuple):
    """One link, output -> input (immutable, a tuple as :class:`Where`)."""

    src: str  # instance
    src_port: str
    dst: str
    dst_port: str
    domain: str
    where: Where = Where()


@dataclass
class Netlist:
    """A validated, flattened netlist.  ``graph`` is its networkx MultiDiGraph."""

    name: str
    file: str | None
    instances: dict[str, Instance]
    connections: list[Connection]
    ports: dict[str, tuple[str, str]]  # external name -> (instance, port)
    info: dict[str, Any] = field(default_factory=dict)
    notes: list = field(default_factory=list)  # warnings (Problem s): loaded, but check these

    @cached_property
    def graph(self):
        return build_graph(self)

    def with_params(self, changes: Mapping[str, Mapping[str, Any]], *,
                    given: bool = True) -> "Netlist":
        """A copy whose instances named in ``changes`` take those parameter values (SI),
        sharing everything else.  ``given``: record them as set explicitly (a value a tool
        writes on the author's behalf); False for values derived from the netlist itself."""
        insts = dict(self.instances)
        for name, params in changes.items():
            inst = insts[name]
            insts[name] = dataclasses.replace(
                inst, params={**inst.params, **params},
                given={**inst.given, **params} if given else inst.given)
        return dataclasses.replace(self, instances=insts)

    def external(self, direction: str, domain: str | None = None) -> list[str]:
        """External port names with the given direction (and domain), in declared order."""
        out = []
        for name, (inst, port) in self.ports.items():
            p = self.instances[inst].port_map[port]
            if p.direction == direction and (domain is None or p.domain == domain):
                out.append(name)
        return out

    def counts(self) -> dict[str, int]:
        c: dict[str, int] = {}
        for inst in self.instances.values():
            c[inst.component.name] = c.get(inst.component.name, 0) + 1
        return dict(sorted(c.items()))


@contextlib.contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for a bulk build (restored after): the
    generator, loader and compiler of a 256-port mesh create ~10^6 objects, none in a
    cycle, and the collector's passes over them (and over everything else alive) took a
    third of the time (measured)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
