"""Analyse once: a compiled circuit becomes the banks that the event engine and the
fast path both evaluate.

Everything outside the compiled optical region is *active*.  Active instances without
inputs (lasers) are constant *sources*; every other active instance is a *signal part*
evaluated with its component's ``signal`` function, its inputs in port-declaration
order (modulator: ``in0`` field, ``drive`` voltage).

Signal parts are grouped into **banks**: same topological generation of the active
graph, same component, same delay and same period (integer ticks).  A bank is one
SimPy process in the engine and handles a whole vector per event; inside, numpy
evaluates all its members at once, split into **cells** of identical parameters (one
``signal`` call per cell; usually the whole bank is one cell).  Members of a bank start
together, when the last input of any of them has arrived.

Values live in two arrays per pass (:class:`Values`): ``E`` (B × slots) holds the
digital and electrical values (the external inputs first, then one slot per non-optical
output port), ``F`` (B × region inputs) the complex fields entering the compiled
optical region.  A bank gathers its inputs from fixed index arrays — an optical input
is ``F[:, lit] @ matrix[rows, lit].T``, the compiled region restricted to the region
inputs that reach the bank — and scatters its outputs back.

Energy.  Per vector, each member of a bank is charged every action of its component's
``energy`` model (a DAC's "convert", a modulator's "symbol") except "reprogram", which
:func:`~emulator.engine.passes.reprogram` charges.

WDM.  A netlist whose sources emit several lines (``multi_laser``) has one compiled
transfer per channel (:func:`~emulator.compile.channels.channel_wavelengths`).  Its plan
is the first channel's, with the others' plans in ``channels``: they share the bank
layout, and a link between two banks takes the longest time of flight over every
channel.  :class:`ChannelValues` evaluates such a plan: light-out banks (modulators) run
per channel, a bank with light in and a current out (a detector) runs per channel and
adds the currents (lines at different optical frequencies beat far outside any
receiver's band: powers add, fields do not), its zero-light output (dark current)
counted once and its noise drawn once on the sum; electrical banks run once.  The event
engine and the fast path both evaluate a plan through :meth:`Plan.values`.

Timing.  A part's throughput comes from its rate parameter (``sample_rate``,
``symbol_rate`` or ``clock``): it accepts a new vector every ``period = 1/rate``.
Parts without one (detectors, TIAs) are continuous-time front ends: period 0, they
accept a vector whenever one arrives.  The latency through a part is its component's
``delay`` (conversion time, rise time 0.35/bandwidth); between banks the optical link
adds the compiled longest time of flight over the member pairs it connects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import networkx as nx
import numpy as np

from components.base import DIGITAL, IN, OPTICAL, OUT, Component
from components.electronics.multi_laser import optical_power as lines_power
from emulator.compile import CompiledCircuit, compile_netlist
from emulator.compile.channels import SOURCE as MULTI_SOURCE
from emulator.compile.channels import channel_wavelengths
from components.errors import NetlistError, Problem, UserError

from emulator.graph import digraph
from emulator.netlist import Netlist, load_netlist
from emulator.ledger import Model, evaluate, evaluate_many
from emulator.ledger.rows import Rows
from emulator.rng import stream

from .noise import check_seed
from .timebase import to_ticks

RATE_PARAMS = ("sample_rate", "symbol_rate", "clock")
IDEAL_BITS = 60  # quantize=False: the converters' own quantizer at 60 bits (finer than float64)
CONVERTER_KINDS = ("dac", "adc")  # kinds that can be time-multiplexed over fewer converters


@dataclass(eq=False)
class Cell:
    """Members of a bank with identical parameters: one ``signal`` call."""

    index: int  # global cell number (one noise stream each)
    params: dict[str, Any]
    ideal: dict[str, Any]  # params with an ideal quantizer (quantize=False)
    pos: slice | np.ndarray  # member positions inside the bank


@dataclass(eq=False)
class Bank:
    index: int
    component: Component
    members: tuple[str, ...]
    generation: int
    delay: int  # ticks from accepting a vector to its output
    period: int  # ticks between two accepted vectors
    inputs: list[tuple[str, Any]]  # per input port: ("E", slots) | ("F", (columns, M))
    output: tuple[str, Any]  # ("E", slots) | ("F", region columns)
    cells: list[Cell]
    upstream: dict[int, int] = field(default_factory=dict)  # producer bank -> link ticks
    energy: list[list[tuple[str, float, Model]]] = field(default_factory=list)  # per member

    @property
    def kind(self) -> str:
        return self.component.kind

    @property
    def size(self) -> int:
        return len(self.members)

    def __repr__(self) -> str:
        return (f"Bank({self.index}, {self.component.name} x{self.size}, gen {self.generation}, "
                f"delay {self.delay} fs, period {self.period} fs)")


@dataclass(eq=False)
class Plan:
    compiled: CompiledCircuit
    banks: list[Bank]
    input_names: list[str]  # external digital inputs: the columns of `inputs`
    output_names: list[str]  # external non-optical outputs: the columns of `outputs`
    out_slots: np.ndarray
    n_slots: int
    const_slots: dict[int, float]  # E slots fed by sources
    const_fields: dict[int, complex]  # F columns fed by sources (lasers)
    static: list[tuple[str, str, str, float, Model]]  # (instance, kind, mechanism, W, model)
    laser_power_w: float  # optical power of every laser line, summed
    n_cells: int
    channels: list["Plan"] = field(default_factory=list)  # the other WDM channels' plans

    @property
    def wavelengths(self) -> list[float]:
        """The channel wavelengths [m] this plan evaluates (one without WDM)."""
        return [p.compiled.wavelength for p in (self, *self.channels)]

    @property
    def netlist(self):
        return self.compiled.netlist

    @property
    def n_in(self) -> int:
        return len(self.input_names)

    @property
    def n_out(self) -> int:
        return len(self.output_names)

    def check_inputs(self, inputs) -> np.ndarray:
        """``inputs`` as a float (B, n_in) array of codes in [-1, 1], or a UserError."""
        return check_inputs(inputs, self.n_in)

    def values(self, inputs: np.ndarray, *, quantize: bool = True, noise: bool = False,
               seed=None) -> "Values | ChannelValues":
        """The numbers of one pass (every channel's, with WDM)."""
        rngs = noise_streams(self.n_cells, noise, seed)
        if self.channels:
            return ChannelValues(self, inputs, quantize, rngs)
        return Values(self, inputs, quantize, rngs)


def check_inputs(inputs, n_in: int) -> np.ndarray:
    raw = np.asarray(inputs)
    if np.iscomplexobj(raw) or not (np.issubdtype(raw.dtype, np.number)
                                    or raw.dtype == bool):
        raise UserError(f"inputs must be real numbers, got an array of {raw.dtype}")
    x = raw.astype(float)
    if x.ndim != 2 or x.shape[1] != n_in or x.shape[0] < 1:
        raise UserError(f"inputs must have shape (B, {n_in}) with B >= 1 "
                        f"(one column per digital input), got {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise UserError(f"inputs contain NaN or infinity (first at vector {r}, input {c})")
    out = np.abs(x) > 1.0
    if out.any():
        r, c = np.argwhere(out)[0]
        raise UserError(f"inputs are digital codes in [-1, 1]; vector {r}, input {c} "
                        f"is {x[r, c]!r}")
    return x


def noise_streams(n: int, noise: bool, seed) -> list[np.random.Generator] | None:
    """One independent generator per cell: stream ``cell_noise`` / cell of an int seed
    (see :mod:`emulator.rng`), or children spawned from a Generator."""
    if not noise:
        return None
    if seed is None:
        raise UserError("noise=True needs a seed (an int or a numpy Generator) "
                        "so that the same seed gives the same result")
    if isinstance(seed, np.random.Generator):
        return seed.spawn(n)
    seed = check_seed(seed)
    return [stream(seed, "cell_noise", cell) for cell in range(n)]


class Values:
    """The numbers of one pass: ``E`` (digital/electrical) and ``F`` (fields)."""

    def __init__(self, plan: Plan, inputs: np.ndarray, quantize: bool,
                 rngs: list[np.random.Generator] | None):
        self.plan = plan
        B = inputs.shape[0]
        self.E = np.zeros((B, plan.n_slots), order="F")  # a bank reads whole columns
        self.E[:, : plan.n_in] = inputs
        for slot, v in plan.const_slots.items():
            self.E[:, slot] = v
        self.F = np.zeros((B, len(plan.compiled.region_in)), dtype=complex, order="F")
        for col, v in plan.const_fields.items():
            self.F[:, col] = v
        self.quantize = quantize
        self.rngs = rngs

    def run_bank(self, bank: Bank, rows) -> None:
        """Evaluate ``bank`` on vector ``rows`` (an int) or on a block (a slice)."""
        args = [self.E[rows, where] if src == "E" else self.F[rows, where[0]] @ where[1]
                for src, where in bank.inputs]
        comp = bank.component
        if len(bank.cells) == 1:
            out = self._cell(comp, bank.cells[0], args)
        else:
            out = None
            for cell in bank.cells:
                part = self._cell(comp, cell, [a[..., cell.pos] for a in args])
                if out is None:
                    out = np.empty(args[0].shape[:-1] + (bank.size,), dtype=part.dtype)
                out[..., cell.pos] = part
        dst, where = bank.output
        if dst == "E":
            self.E[rows, where] = out
        else:
            self.F[rows, where] = out

    def _cell(self, comp: Component, cell: Cell, args) -> np.ndarray:
        out = comp.signal(cell.params if self.quantize else cell.ideal, *args)
        if self.rngs is not None and comp.noise is not None:
            out = comp.noise(cell.params, out, self.rngs[cell.index])
        return out

    def outputs(self) -> np.ndarray:
        return self.E[:, self.plan.out_slots]

    def per_channel(self) -> list[tuple[Plan, "Values"]]:
        return [(self.plan, self)]


class ChannelValues:
    """The numbers of one pass over every WDM channel of ``plan``: one :class:`Values` per
    channel, run together bank by bank (see the module's WDM paragraph)."""

    def __init__(self, plan: Plan, inputs: np.ndarray, quantize: bool,
                 rngs: list[np.random.Generator] | None):
        self.plan = plan
        self.main = Values(plan, inputs, quantize, rngs)
        self.rest = [Values(p, inputs, quantize, None) for p in plan.channels]
        self.dark = Values(plan, inputs, quantize, None)  # zero light: the dark current
        self.dark.F[:] = 0.0
        self.rngs = rngs

    def run_bank(self, bank: Bank, rows) -> None:
        """Evaluate ``bank`` (a bank of ``plan``) on vector ``rows`` or a block."""
        i, main = bank.index, self.main
        if bank.output[0] == "F":  # light out: each channel through its own transfer
            main.run_bank(bank, rows)
            for p, v in zip(self.plan.channels, self.rest):
                v.run_bank(p.banks[i], rows)
            return
        slots = bank.output[1]
        if all(src == "E" for src, _ in bank.inputs):  # electrical: the same on every channel
            main.run_bank(bank, rows)
            out = main.E[rows, slots]
        else:  # light in, current out: currents add, dark current once, noise once
            main.rngs = None
            try:
                main.run_bank(bank, rows)
            finally:
                main.rngs = self.rngs
            for p, v in zip(self.plan.channels, self.rest):
                v.run_bank(p.banks[i], rows)
            self.dark.run_bank(bank, rows)
            out = (sum(v.E[rows, slots] for v in (main, *self.rest))
                   - len(self.rest) * self.dark.E[rows, slots])
            if self.rngs is not None and bank.component.noise is not None:
                for cell in bank.cells:
                    out[..., cell.pos] = bank.component.noise(cell.params, out[..., cell.pos],
                                                              self.rngs[cell.index])
        for v in (main, *self.rest):
            v.E[rows, slots] = out

    def outputs(self) -> np.ndarray:
        return self.main.outputs()

    def per_channel(self) -> list[tuple[Plan, Values]]:
        return list(zip((self.plan, *self.plan.channels), (self.main, *self.rest)))


def as_netlist(source, registry=None) -> Netlist:
    """The netlist behind a plan, compiled circuit, netlist, dict or path."""
    if isinstance(source, (Plan, CompiledCircuit)):
        return source.netlist
    if isinstance(source, Netlist):
        return source
    return load_netlist(source, registry)


def as_plan(source, registry=None, wavelength: float | None = None) -> Plan:
    """A :class:`Plan` from a plan, compiled circuit, netlist, dict or path."""
    if isinstance(source, Plan):
        return source
    return build_plan(source, registry=registry, wavelength=wavelength)


def static_entries(netlist) -> list[tuple[str, str, str, float, Model]]:
    """(instance, kind, mechanism, W, model) for every instance drawing static power."""
    out = []
    for name, inst in netlist.instances.items():
        for mech, watts, model in evaluate(inst.component, "static_power", inst.params,
                                           inst.given):
            out.append((name, inst.kind, mech, watts, model))
    return out


def static_rows(netlist) -> tuple[Rows, np.ndarray, dict]:
    """One row per instance and static mechanism (netlist order, zeros kept): the rows, the
    netlist's own values, and (instance, mechanism) -> row."""
    inst_, kind_, mech_, model_, base = [], [], [], [], []
    for name, inst in netlist.instances.items():
        for mech, watts, model in evaluate_many(inst.component, "static_power", inst.params,
                                                inst.given):
            inst_.append(name)
            kind_.append(inst.kind)
            mech_.append(mech)
            model_.append(model)
            base.append(float(watts))
    rows = Rows(tuple(inst_), tuple(kind_), tuple(mech_), np.ones(len(inst_), dtype=bool),
                tuple(model_))
    return rows, np.array(base), {(n, m): i for i, (n, m) in enumerate(zip(inst_, mech_))}


def _rate_param(p: Mapping[str, Any]) -> str | None:
    return next((r for r in RATE_PARAMS if r in p), None)


def _period(p: Mapping[str, Any]) -> int:
    r = _rate_param(p)
    return to_ticks(1.0 / p[r], "period") if r else 0


def _index(idx: list[int]):
    """A slice when the indices are contiguous (faster gathers), else an int array."""
    if idx and idx == list(range(idx[0], idx[0] + len(idx))):
        return slice(idx[0], idx[0] + len(idx))
    return np.asarray(idx, dtype=np.intp)


def _key(p: Mapping[str, Any]) -> tuple:
    return tuple(sorted(p.items()))


def build_plan(source: CompiledCircuit | Any, *, registry=None,
               wavelength: float | None = None) -> Plan:
    """Analyse a compiled circuit (or a netlist / dict / path, compiled first).  A
    netlist with several WDM channels and no ``wavelength`` gives a plan of every channel
    (``Plan.channels``); a compiled circuit or a given ``wavelength``, of that one."""
    if isinstance(source, CompiledCircuit) or wavelength is not None:
        return _build_plan(source, registry, wavelength)
    net = as_netlist(source, registry)
    lams = channel_wavelengths(net)
    if len(lams) == 1:
        return _build_plan(net, registry, None)
    plans = [_build_plan(net, registry, float(lam)) for lam in lams]
    return _with_channels(plans[0], plans[1:])


def _with_channels(plan: Plan, channels: list[Plan]) -> Plan:
    """``plan`` evaluating ``channels`` too: one bank layout, links at the longest time of
    flight over every channel."""
    net = plan.netlist
    for p in channels:
        if [(b.members, b.output[0]) for b in p.banks] != [(b.members, b.output[0])
                                                           for b in plan.banks]:
            raise NetlistError(Problem(
                f"the WDM channels at {plan.compiled.wavelength * 1e9:.3f} nm and "
                f"{p.compiled.wavelength * 1e9:.3f} nm do not share one bank layout "
                "(light reaches different parts at different wavelengths)", net.file))
        for bank, other in zip(plan.banks, p.banks):
            for u, link in other.upstream.items():
                bank.upstream[u] = max(bank.upstream.get(u, 0), link)
    plan.channels = channels
    return plan


def _laser_power(inst) -> float:
    """Optical power of a laser instance, every line of a multi-line source counted."""
    p = inst.params
    return float(lines_power(p)) if inst.component.name == MULTI_SOURCE else float(p["power"])


def _build_plan(source, registry, wavelength: float | None) -> Plan:
    compiled = source if isinstance(source, CompiledCircuit) else compile_netlist(
        source, wavelength, registry)
    net = compiled.netlist
    insts = net.instances
    where = net.file

    def fail(msg: str, hint: str | None = None):
        raise NetlistError(Problem(msg, where, hint=hint))

    # external ports: digital inputs are the columns of `inputs`, non-optical outputs the results
    input_names, output_names, feed = [], [], {}
    for ext, (inst, port) in net.ports.items():
        p = insts[inst].port_map[port]
        if p.domain == OPTICAL:
            continue  # optical inputs stay dark; light leaving the chip is not a result
        if p.direction == IN:
            if p.domain != DIGITAL:
                fail(f"external input {ext!r} is {p.domain}: simulate drives digital "
                     "inputs only", "put a dac behind it")
            feed[(inst, port)] = len(input_names)
            input_names.append(ext)
        else:
            output_names.append(ext)
    if not input_names:
        fail("the netlist has no digital input to drive", "expose DAC inputs under 'ports'")

    active = set(compiled.active)
    order = [n for n in insts if n in active]  # declaration order
    n_slots = len(input_names)
    slot_of: dict[tuple[str, str], int] = {}
    const_slots: dict[int, float] = {}
    const_fields: dict[int, complex] = {}
    parts: list[str] = []
    for name in order:
        inst = insts[name]
        comp = inst.component
        ins = [p for p in inst.ports if p.direction == IN]
        outs = [p for p in inst.ports if p.direction == OUT]
        if comp.signal is None:
            fail(f"instance {name!r} ({comp.name}) has no signal model: data cannot pass "
                 "through it in a pass", "digital work and memory are separate passes "
                 "(emulator.engine.digital_work)")
        for p in outs:
            if p.domain != OPTICAL:
                slot_of[(name, p.name)] = n_slots
                n_slots += 1
        if not ins:  # a source: evaluated once
            value = comp.signal(inst.params)
            for p in outs:
                if p.domain == OPTICAL:
                    const_fields[compiled.index_in[(name, p.name)]] = complex(value)
                else:
                    const_slots[slot_of[(name, p.name)]] = float(value)
            continue
        if len(outs) != 1:
            fail(f"instance {name!r} ({comp.name}) has {len(outs)} outputs; a signal part "
                 "needs exactly one")
        parts.append(name)
    part_set = set(parts)

    src_of = {(c.dst, c.dst_port): (c.src, c.src_port)
              for c in net.connections if c.domain != OPTICAL}
    for key, (s, sp) in src_of.items():
        feed[key] = slot_of[(s, sp)]

    # timing dependencies between signal parts: (producer, link seconds)
    deps: dict[str, list[tuple[str, float]]] = {n: [] for n in parts}
    finite = np.isfinite(compiled.delay)
    owner = [inst for inst, _ in compiled.region_in]
    for name in parts:
        for p in insts[name].ports:
            if p.direction != IN:
                continue
            if p.domain == OPTICAL:
                k = compiled.index_out[(name, p.name)]
                for i in np.flatnonzero(finite[k]):
                    if owner[i] in part_set:
                        deps[name].append((owner[i], float(compiled.delay[k, i])))
            else:
                src = src_of.get((name, p.name))
                if src and src[0] in part_set:
                    deps[name].append((src[0], 0.0))
    g = digraph(parts, ((u, v) for v, lst in deps.items() for u, _ in lst))
    generation = {n: i for i, gen in enumerate(nx.topological_generations(g)) for n in gen}

    groups: dict[tuple, list[str]] = {}
    for name in parts:
        inst = insts[name]
        key = (generation[name], inst.component.name,
               to_ticks(inst.component.delay(inst.params), f"delay of {name}"),
               _period(inst.params))
        groups.setdefault(key, []).append(name)

    banks: list[Bank] = []
    bank_of: dict[str, int] = {}
    n_cells = 0
    for (gen, _, delay, period), members in sorted(groups.items(), key=lambda kv: (
            kv[0][0], order.index(kv[1][0]))):
        first = insts[members[0]]
        comp = first.component
        in_ports = [p for p in first.ports if p.direction == IN]
        out_port = next(p for p in first.ports if p.direction == OUT)
        inputs = []
        for port in in_ports:
            if port.domain == OPTICAL:
                rows = [compiled.index_out[(m, port.name)] for m in members]
                mt = compiled.matrix[rows].T  # region inputs x members
                used = np.flatnonzero(np.any(mt != 0, axis=1)).tolist()  # lit columns only
                inputs.append(("F", (_index(used), np.ascontiguousarray(mt[used]))))
            else:
                inputs.append(("E", _index([feed[(m, port.name)] for m in members])))
        if out_port.domain == OPTICAL:
            output = ("F", _index([compiled.index_in[(m, out_port.name)] for m in members]))
        else:
            output = ("E", _index([slot_of[(m, out_port.name)] for m in members]))
        by_params: dict[tuple, list[int]] = {}
        for j, m in enumerate(members):
            by_params.setdefault(_key(insts[m].params), []).append(j)
        cells = []
        for pos in by_params.values():
            p = insts[members[pos[0]]].params
            ideal = {**p, "bits": IDEAL_BITS} if "bits" in p else p
            cells.append(Cell(n_cells, p, ideal, _index(pos)))
            n_cells += 1
        bank = Bank(len(banks), comp, tuple(members), gen, delay, period, inputs, output, cells)
        bank.energy = [[e for e in evaluate(comp, "energy", insts[m].params, insts[m].given)
                        if e[0] != "reprogram"] for m in members]
        for m in members:
            bank_of[m] = bank.index
        banks.append(bank)
    for bank in banks:
        for m in bank.members:
            for u, link in deps[m]:
                b = bank_of[u]
                bank.upstream[b] = max(bank.upstream.get(b, 0), to_ticks(link, "time of flight"))

    static = static_entries(net)
    laser_power = sum(_laser_power(i) for i in insts.values() if i.kind == "laser")

    missing = [e for e in output_names if net.ports[e] not in slot_of]
    if missing:
        fail(f"external outputs {missing} are not fed by a signal part")
    out_slots = np.array([slot_of[net.ports[e]] for e in output_names], dtype=np.intp)
    return Plan(compiled, banks, input_names, output_names, out_slots,
                n_slots, const_slots, const_fields, static, laser_power, n_cells)

