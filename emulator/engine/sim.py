"""The event engine: a batch of input vectors through a netlist, in SimPy.

One SimPy process per bank (see :mod:`.plan`); the compiled optical region is no
process, only the time of flight on the links into the banks behind it, so the events
per pass scale with batch × banks (× time-multiplexing rounds), never with the number
of MZIs.  Time is integer ticks of 1 fs (:mod:`.timebase`).

Per vector, a bank (1) waits for the vector's arrival from each upstream bank, (2)
waits for a free slot — one vector per ``period`` — and (3) schedules the vector's
arrival at each downstream bank at ``now + delay + link``.  A stage is thereby
pipelined: it accepts vector b+1 one period after vector b even while b is still in
flight, so a batch of B vectors takes the single-vector latency plus (B − 1) times the
slowest period.

**Time multiplexing.**  ``converters={"dac": 4}`` gives the pass 4 physical DACs,
shared by every DAC instance of the netlist: a :class:`simpy.Container` of 4 units.
A bank of 16 DAC channels converts a vector in ⌈16/4⌉ = 4 rounds; each round takes 4
units (one SimPy ``get``), converts, and returns them one period later.  The vector is
complete when its last round is (outputs are held until then); the next vector's first
round starts when units come back.

**Values.**  Within a pass a bank's output depends on its inputs only, never on time,
so by default the engine moves no numbers in its events: after the event run, each
bank evaluates its whole block of vectors at once, in topological order — the same
:class:`~emulator.engine.plan.Values` code the fast path uses.  ``per_event=True``
instead evaluates each vector inside its event (slower; the tests check that both give
the fast path's numbers, noise included: every cell draws from its own stream).
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import simpy
from simpy.core import EmptySchedule
from simpy.events import NORMAL, Event, Timeout

from emulator.errors import Problem, UserError, did_you_mean

from .ledger import Ledger
from .plan import CONVERTER_KINDS, Plan, as_plan
from .result import PassResult, shot_noise_flag
from .timebase import to_seconds
from . import trace as tr


class Environment(simpy.Environment):
    """A SimPy environment on integer ticks that counts the events it processes."""

    def __init__(self):
        super().__init__(initial_time=0)
        self.processed = 0

    def run(self, until=None):
        """Without ``until``: process every scheduled event, counting them."""
        if until is not None:
            return super().run(until)
        step, n = self.step, 0
        try:
            while True:
                step()
                n += 1
        except EmptySchedule:
            pass
        finally:
            self.processed += n
        return None


def _fire(event: Event, delay: int) -> None:
    """Trigger an untriggered ``event`` to be processed ``delay`` ticks from now (what
    SimPy's own ``Timeout`` and ``run(until=...)`` do)."""
    event._ok = True
    event._value = None
    event.env.schedule(event, NORMAL, delay)


def check_converters(plan: Plan, converters: Mapping[str, int] | None) -> dict[str, int]:
    """``{kind: physical count}`` validated against the plan's banks."""
    if not converters:
        return {}
    if not isinstance(converters, Mapping):
        raise UserError(f"converters must map a kind to a count, e.g. {{'dac': 4}}, "
                        f"got {converters!r}")
    present = {b.kind for b in plan.banks}
    out = {}
    for kind, n in converters.items():
        if kind not in CONVERTER_KINDS:
            raise UserError(Problem(f"converters: {kind!r} cannot be time-multiplexed",
                                    hint=did_you_mean(str(kind), CONVERTER_KINDS)
                                    or f"kinds: {', '.join(CONVERTER_KINDS)}"))
        if kind not in present:
            raise UserError(f"converters: the netlist has no {kind!r} instances")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise UserError(f"converters: {kind} count must be a whole number >= 1, got {n!r}")
        out[kind] = int(n)
    return out


class _Run:
    """Shared state of one event run."""

    def __init__(self, plan: Plan, B: int, values, per_event: bool, trace: bool):
        self.plan, self.B = plan, B
        self.values = values if per_event else None
        self.log = [] if trace else None
        self.done = [[0] * B for _ in plan.banks]  # tick at which each vector left each bank
        self.edges = {(u, bank.index): [None] * B
                      for bank in plan.banks for u in bank.upstream}
        self.sends: list[list] = [[] for _ in plan.banks]
        for bank in plan.banks:
            for u, link in bank.upstream.items():
                self.sends[u].append((self.edges[(u, bank.index)], link))


def _bank(env: Environment, bank, run: _Run, pool: simpy.Container | None):
    """The process of one bank: every vector of the batch, in order.

    Per vector and upstream link there is one arrival event, shared by both sides:
    the producer creates it as a ``Timeout`` when it sends first, the consumer as a
    plain ``Event`` (fired by the producer later) when it has to wait first.
    """
    B = run.B
    waits = [run.edges[(u, bank.index)] for u in bank.upstream]
    sends = [(evs, bank.delay + link) for evs, link in run.sends[bank.index]]
    done = run.done[bank.index]
    period, delay, index = bank.period, bank.delay, bank.index
    values, log = run.values, run.log
    if pool is not None:
        size = pool.capacity
        rounds = [(slice(r, min(r + size, bank.size)), min(size, bank.size - r))
                  for r in range(0, bank.size, size)]
    free = 0
    if pool is None and values is None and log is None and len(waits) == 1 and len(sends) == 1:
        yield from _chain(env, waits[0], sends[0], done, period, delay, B)
        return
    for b in range(B):
        for evs in waits:
            ev = evs[b]
            if ev is None:  # the producer has not sent vector b yet
                ev = evs[b] = Event(env)
                yield ev
            elif ev.callbacks is not None:  # sent, not arrived yet
                yield ev
        if pool is None:
            now = env.now
            if free > now:
                yield Timeout(env, free - now)
                now = free
            free = now + period
            if log is not None:
                log.append((index, b, now, now + delay, None))
        else:
            for pos, m in rounds:
                yield pool.get(m)
                now = env.now
                Timeout(env, period).callbacks.append(lambda _, m=m: pool.put(m))
                if log is not None:
                    log.append((index, b, now, now + delay, pos))
        done[b] = now + delay
        for evs, d in sends:
            ev = evs[b]
            if ev is None:
                evs[b] = Timeout(env, d)
            else:  # the consumer is already waiting on it
                _fire(ev, d)
        if values is not None:
            values.run_bank(bank, b)


def _chain(env, arrivals, send, done, period, delay, B):
    """The loop of :func:`_bank` for its most common shape (one link in, one out, no
    converter pool, no per-event values, no trace), without the generality."""
    out, d = send
    free = 0
    for b in range(B):
        ev = arrivals[b]
        if ev is None:
            ev = arrivals[b] = Event(env)
            yield ev
        elif ev.callbacks is not None:
            yield ev
        now = env.now
        if free > now:
            yield Timeout(env, free - now)
            now = free
        free = now + period
        done[b] = now + delay
        ev = out[b]
        if ev is None:
            out[b] = Timeout(env, d)
        else:
            _fire(ev, d)


def simulate(netlist, inputs, *, seed=None, noise: bool = False, quantize: bool = True,
             converters: Mapping[str, int] | None = None, trace: bool = False,
             per_event: bool = False, registry=None) -> PassResult:
    """Push a batch of input vectors through ``netlist`` and report the pass.

    ``netlist``: a path, dict, :class:`~emulator.netlist.Netlist`,
    :class:`~emulator.compile.CompiledCircuit` or :class:`~emulator.engine.plan.Plan`
    (build a plan once with :func:`~emulator.engine.plan.build_plan` for repeated passes).
    ``inputs``: (B, n_in) digital codes in [-1, 1], one column per digital input port in
    declared order.  ``seed``: int or ``np.random.Generator`` (needed with ``noise``).
    ``quantize=False`` makes the converters ideal.  ``converters``: physical converters per
    kind, e.g. ``{"dac": 4, "adc": 4}`` (default: one per instance).  ``trace``: keep
    Chrome Trace events in ``result.trace_events``.
    """
    plan = as_plan(netlist, registry)
    x = plan.check_inputs(inputs)
    pools_spec = check_converters(plan, converters)
    values = plan.values(x, quantize=quantize, noise=noise, seed=seed)
    B = x.shape[0]

    env = Environment()
    run = _Run(plan, B, values, per_event, trace)
    pools = {k: simpy.Container(env, capacity=n, init=n) for k, n in pools_spec.items()}
    for bank in plan.banks:
        env.process(_bank(env, bank, run, pools.get(bank.kind)))
    env.run()
    if not per_event:
        for bank in plan.banks:
            values.run_bank(bank, slice(None))

    end = max((max(d) for d in run.done), default=0)
    latency = to_seconds(end)
    out_set = set(plan.out_slots.tolist())
    feeding = [b for b in plan.banks if b.output[0] == "E"
               and out_set & set(np.arange(plan.n_slots)[b.output[1]].tolist())]
    out_times = (np.max([run.done[b.index] for b in feeding], axis=0) * 1e-15 if feeding
                 else np.zeros(B))

    ledger = Ledger()
    for bank in plan.banks:
        for member, actions in zip(bank.members, bank.energy):
            for action, joules, model in actions:
                ledger.action(member, bank.kind, action, B, joules, model)
    for name, kind, mech, watts, model in plan.static:
        ledger.static(name, kind, mech, watts, latency, model)

    macs = B * plan.n_in * plan.n_out
    optical = plan.laser_power_w * latency
    result = PassResult("inference", values.outputs(), latency, ledger, env.processed, B,
                        macs, optical, out_times)
    result.flags += shot_noise_flag(result.optical_energy_per_mac_j)
    if trace:
        result.trace_events = _trace_events(plan, run)
    return result


def _trace_events(plan: Plan, run: _Run) -> list[dict]:
    names = [m for bank in plan.banks for m in bank.members]
    comp = plan.compiled
    meta, tid = tr.tracks(names, f"pass through {plan.netlist.name}",
                          f"optical region ({comp.passive_count} passive instances)")
    events = list(meta)
    banks = plan.banks
    for index, b, start, end, pos in run.log:
        bank = banks[index]
        members = bank.members if pos is None else bank.members[pos]
        for m in members:
            events.append(tr.slice_event(f"v{b}", bank.kind, tid[m], start, end, {"vector": b}))
    for bank in banks:
        for u, link in bank.upstream.items():
            if link and banks[u].output[0] == "F":
                for b, t in enumerate(run.done[u]):
                    events.append(tr.slice_event(f"v{b} flight", "optical", 0, t, t + link,
                                                 {"vector": b, "from": banks[u].component.name,
                                                  "to": bank.component.name}))
    return events
