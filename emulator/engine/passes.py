"""The other pass types a scenario composes: reprogramming the shifters, digital work.

``reprogram(netlist, instances=None)``
    The named shifters (every programmable instance by default: MZIs, phase shifters,
    attenuators) take the phases the netlist now holds.  One SimPy process per group
    of equal settling time; latency = the longest settling (µs thermo-optic, ns
    electro-optic).  Energy = each changed instance's ``reprogram`` energy (0 for a
    heater, C·V² for EO / MEMS) + the static power of the whole chip (shifter hold at
    the new phases, laser, bias) during the settling window.

``digital_work(macs, reads=..., writes=...)``
    Digital error/update work on the ``digital`` unit and ``sram``/``dram`` memories
    (from the netlist if it has them, else the library defaults): reads (in parallel),
    then ⌈macs/lanes⌉ clock cycles, then writes.  Energy = MACs × mac energy + bytes ×
    energy per byte.  Moving n bytes through a memory takes its latency plus n / bandwidth.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from components import default_registry
from components.electronics.digital import transfer_time
from components.errors import Problem, UserError, did_you_mean
from emulator.netlist import Netlist

from . import trace as tr
from emulator.ledger import Ledger, evaluate
from .plan import as_netlist, static_entries
from emulator.ledger.result import PassResult
from .sim import Environment
from .timebase import to_seconds, to_ticks

MEMORIES = ("sram", "dram")


def programmable(inst) -> bool:
    """An instance whose setting can be reprogrammed (it declares a "reprogram" energy)."""
    return "reprogram" in inst.component.energy(inst.params)


def reprogram(netlist, instances=None, *, trace: bool = False, registry=None) -> PassResult:
    """Settle the shifters ``instances`` (default: all programmable ones) at the phases
    the netlist holds; see the module docstring."""
    net = as_netlist(netlist, registry)
    insts = net.instances
    able = [n for n, i in insts.items() if programmable(i)]
    if instances is None:
        changed = able
    else:
        if isinstance(instances, str):
            instances = [instances]
        changed, problems = [], []
        for name in instances:
            if name not in insts:
                problems.append(Problem(f"reprogram: unknown instance {name!r}",
                                        net.file, hint=did_you_mean(name, able)))
            elif not programmable(insts[name]):
                problems.append(Problem(f"reprogram: {name!r} ({insts[name].component.name}) "
                                        "has no setting to reprogram", net.file))
            else:
                changed.append(name)
        if problems:
            raise UserError(problems)

    groups: dict[int, list[str]] = {}
    for name in changed:
        inst = insts[name]
        groups.setdefault(to_ticks(inst.component.settle(inst.params), f"settling of {name}"),
                          []).append(name)
    env = Environment()

    def settle(ticks):
        yield env.timeout(ticks)

    for ticks in groups:
        env.process(settle(ticks))
    env.run()
    latency = to_seconds(env.now)

    ledger = Ledger()
    for name in changed:
        inst = insts[name]
        for action, joules, model in evaluate(inst.component, "energy", inst.params, inst.given):
            if action == "reprogram":
                ledger.action(name, inst.kind, action, 1, joules, model)
    for name, kind, mech, watts, model in static_entries(net):
        ledger.static(name, kind, mech, watts, latency, model)
    result = PassResult("reprogram", np.empty((0, 0)), latency, ledger, env.processed)
    if trace:
        meta, tid = tr.tracks(changed, f"reprogram {net.name}")
        result.trace_events = meta + [
            tr.slice_event("settle", insts[n].kind, tid[n], 0, ticks, {})
            for ticks, names in groups.items() for n in names]
    return result


def _part(net: Netlist | None, name: str, registry):
    """(instance name, component, params, given) of the first ``name`` part in ``net``,
    else the library default."""
    if net is not None:
        for inst in net.instances.values():
            if inst.component.name == name:
                return inst.name, inst.component, inst.params, inst.given
    comp = (registry or default_registry()).get(name)
    return name, comp, comp.defaults(), {}


def _count(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise UserError(f"digital_work: {what} must be a whole number >= 0, got {value!r}")
    return int(value)


def _bytes(spec: Mapping[str, int] | None, what: str) -> dict[str, int]:
    spec = spec or {}
    out = {}
    for mem, n in spec.items():
        if mem not in MEMORIES:
            raise UserError(Problem(f"digital_work: unknown memory {mem!r} in {what}",
                                    hint=did_you_mean(str(mem), MEMORIES)
                                    or f"memories: {', '.join(MEMORIES)}"))
        out[mem] = _count(n, f"{what}[{mem!r}] (bytes)")
    return out


def digital_work(macs: int = 0, *, reads: Mapping[str, int] | None = None,
                 writes: Mapping[str, int] | None = None, netlist=None, trace: bool = False,
                 registry=None, parallel: int | None = None) -> PassResult:
    """``macs`` multiply-accumulates and ``reads``/``writes`` of bytes per memory
    (``{"sram": n, "dram": n}``); see the module docstring.  ``parallel``: how many MACs
    the work can run at once (a dependent chain: fewer than the unit's lanes)."""
    macs = _count(macs, "macs")
    reads, writes = _bytes(reads, "reads"), _bytes(writes, "writes")
    net = None if netlist is None else as_netlist(netlist, registry)
    env = Environment()
    ledger = Ledger()
    spans: list[tuple[str, str, int, int]] = []  # (instance, label, start, end) for the trace

    def charge(name, comp, params, given, action, count):
        for act, joules, model in evaluate(comp, "energy", params, given):
            if act == action:
                ledger.action(name, comp.kind, act, count, joules, model)

    def access(table, action):
        start = env.now
        longest = 0
        for mem, n in table.items():
            name, comp, params, given = _part(net, mem, registry)
            charge(name, comp, params, given, action, n)
            ticks = to_ticks(transfer_time(params, n), f"{mem} transfer")
            spans.append((name, f"{action} {n} B", start, start + ticks))
            longest = max(longest, ticks)
        return longest

    def flow():
        yield env.timeout(access(reads, "read"))
        if macs:
            name, comp, params, given = _part(net, "digital", registry)
            charge(name, comp, params, given, "mac", macs)
            lanes = params["lanes"] if parallel is None else max(1, min(params["lanes"],
                                                                          int(parallel)))
            cycles = math.ceil(macs / lanes)
            ticks = cycles * to_ticks(comp.delay(params), "clock period")
            spans.append((name, f"{macs} MACs", env.now, env.now + ticks))
            yield env.timeout(ticks)
        yield env.timeout(access(writes, "write"))

    env.process(flow())
    env.run()
    result = PassResult("digital", np.empty((0, 0)), to_seconds(env.now), ledger,
                        env.processed)
    if trace:
        meta, tid = tr.tracks(sorted({s[0] for s in spans}), "digital work")
        result.trace_events = meta + [tr.slice_event(label, "digital", tid[n], a, b, {})
                                      for n, label, a, b in spans]
    return result
