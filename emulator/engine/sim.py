"""The event engine: a batch of input vectors through a netlist, in SimPy.

One event-driven process per bank (see :mod:`.plan`); the compiled optical region is
no process, only the time of flight on the links into the banks behind it, so the
events per pass scale with batch × links between banks (× time-multiplexing rounds),
never with the number of MZIs.  Time is integer ticks of 1 fs (:mod:`.timebase`).

The event of the engine is an *arrival*: vector b reaching a bank over one link, a
``Timeout`` whose value is b.  When a vector has arrived over every link into a bank,
the bank accepts it at the next free slot — ``max(now, previous start + period)`` —
and schedules its arrivals downstream at ``start + delay + link``.  A bank is a
deterministic FIFO server, so it needs no event of its own to wait for that slot.
Each stage is thereby pipelined: it accepts vector b+1 one period after vector b even
while b is still in flight, so B vectors take the single-vector latency plus (B − 1)
times the slowest period.  A bank without inputs (the DACs fed from memory) accepts
vector b at ``b·period``, scheduling at most ``AHEAD`` vectors ahead of the clock to keep
the event heap small.

A bank process is written as callbacks on its events — SimPy's own mechanism, on
which its generator processes are built — rather than as a generator: a generator
resume per event costs about as much again as the event itself, and this is the
engine's hot loop (see ``benchmarks/bench_engine.py``).

**Time multiplexing.**  ``converters={"dac": 4}`` gives the pass 4 physical DACs,
shared by every DAC instance of the netlist: a :class:`simpy.Container` of 4 units.
A bank of 16 DAC channels converts a vector in ⌈16/4⌉ = 4 rounds; each round takes 4
units (one SimPy ``get``), converts, and gives them back one period later.  A vector
is complete when its last round is (the earlier channels hold their values); the next
vector's first round starts when units come back.

**Values.**  Within a pass a bank's output depends on its inputs only, never on time,
so by default the engine moves no numbers in its events: after the event run, each
bank evaluates its whole block of vectors at once, in topological order — the same
:class:`~emulator.engine.plan.Values` code the fast path uses.  ``per_event=True``
instead evaluates each vector when its bank accepts it (slower; the tests check that
both give the fast path's numbers, noise included: every cell draws from its own
stream).

**WDM.**  A netlist with W channels runs every channel's own transfer
(:class:`~emulator.engine.plan.ChannelValues`: detector currents add across channels,
dark current and noise once, on the sum), but its events are the first channel's bank
processes: one optical propagation per vector whatever W, its links the longest time of
flight over the channels.  The ledger charges each device once per vector and the
optical energy counts every laser line.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Mapping

import numpy as np
import simpy
from scipy.constants import c as C_LIGHT
from scipy.constants import h as H_PLANCK
from simpy.core import EmptySchedule
from simpy.events import Timeout

from components.errors import Problem, UserError, did_you_mean
from emulator.schema import Field, check

from . import trace as tr
from emulator.ledger import Ledger
from emulator.graph.budget import with_link_budget

from .noise import perturb_phases, phase_rng
from .plan import CONVERTER_KINDS, Bank, Plan, as_netlist, as_plan
from emulator.ledger.result import PassResult, shot_noise_flag
from .timebase import to_seconds

AHEAD = 8  # a bank without inputs schedules at most this many vectors ahead


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


CONVERTERS = {kind: Field("int", None, f"physical {kind.upper()}s per core (fewer than "
                          "channels: time-multiplexed)", lo=1, hi=1_000_000, nullable=True)
              for kind in CONVERTER_KINDS}  # the scenario's hardware.converters too


def check_converters(plan: Plan, converters: Mapping[str, int] | None) -> dict[str, int]:
    """``{kind: physical count}`` checked by the :data:`CONVERTERS` schema and against
    the plan's banks."""
    if not converters:
        return {}
    out = check(CONVERTERS, converters, at=("converters",), partial=True,
                unknown="{key!r} cannot be time-multiplexed")
    present = {b.kind for b in plan.banks}
    missing = [Problem(f"the netlist has no {kind!r} instances", path=f"converters.{kind}")
               for kind in out if kind not in present]
    if missing:
        raise UserError(missing)
    return {k: int(v) for k, v in out.items() if v is not None}


class BankProcess:
    """One bank in the event run: accepts vectors in order, one per period (or one
    round of shared converters at a time), and sends them downstream."""

    def __init__(self, env: Environment, bank: Bank, B: int, pool: simpy.Container | None,
                 values=None, log: list | None = None):
        self.env, self.bank, self.B = env, bank, B
        self.period, self.delay = bank.period, bank.delay
        self.need = len(bank.upstream)  # arrivals per vector
        self.got = [0] * B if self.need > 1 else None
        self.early: set[int] = set()  # complete vectors waiting for an earlier one
        self.next = 0  # next vector to accept
        self.free = 0  # earliest tick of the next slot
        self.links: list[tuple] = []  # (consumer's callback, delay + link ticks)
        self.done = [0] * B  # tick at which each vector's output is available
        self.values, self.log = values, log
        self.pool = pool
        self.paced = False  # a source that schedules AHEAD vectors at a time (see start)
        if pool is not None:
            size = pool.capacity
            self.rounds = [(slice(r, min(r + size, bank.size)), min(size, bank.size - r))
                           for r in range(0, bank.size, size)]
            self.queue: deque[int] = deque()  # complete vectors waiting for converters
            self.busy = False

    # -- arrivals ------------------------------------------------------------------
    def arrive(self, event) -> None:
        """Callback of an arrival event (its value is the vector), for a bank with
        several links in or on shared converters; see :meth:`callback`."""
        b = event.value
        if self.got is not None:  # several links in: act on the last arrival only
            n = self.got[b] = self.got[b] + 1
            if n < self.need:
                return
            if b != self.next:  # completed in the same tick as an earlier vector
                self.early.add(b)
                return
            self._ready()
            while self.next in self.early:
                self.early.discard(self.next)
                self._ready()
            return
        self._ready()

    @property
    def callback(self):
        """What an arrival into this bank calls.  One link in and its own converters:
        vectors arrive in order, so :meth:`_take` needs nothing from the event."""
        return self._take if self.got is None and self.pool is None else self.arrive

    def start(self) -> None:
        """Begin a bank without inputs: every vector is available at tick 0."""
        self.paced = self.pool is None and bool(self.links)
        for _ in range(min(AHEAD, self.B) if self.paced else self.B):
            self._ready()

    def _ready(self, event=None) -> None:
        """The next vector has arrived over every link: take it or queue it."""
        if self.pool is None:
            self._take()
            return
        self.queue.append(self.next)
        self.next += 1
        if not self.busy:
            self._begin()

    def _take(self, event=None) -> None:
        """Own converters: accept the next vector at the next free slot, send it on."""
        b = self.next
        self.next = b + 1
        now = self.env.now
        start = self.free if self.free > now else now
        self.free = start + self.period
        if self.log is not None:
            self.log.append((self.bank.index, b, start, start + self.delay, None))
        self._send(b, start, now)

    def _send(self, b: int, start: int, now: int) -> None:
        """Vector b's last conversion started at ``start``: schedule its arrivals."""
        self.done[b] = start + self.delay
        env, ahead = self.env, start - now
        for callback, d in self.links:
            sent = Timeout(env, ahead + d, b)
            sent.callbacks.append(callback)
        if self.paced and b + AHEAD < self.B:
            sent.callbacks.append(self._ready)  # a source keeps AHEAD vectors in flight
        if self.values is not None:
            self.values.run_bank(self.bank, b)

    # -- shared converters --------------------------------------------------------------
    def _begin(self) -> None:
        self.busy = True
        self.vector, self.round = self.queue.popleft(), 0
        self._request()

    def _request(self) -> None:
        self.pool.get(self.rounds[self.round][1]).callbacks.append(self._granted)

    def _granted(self, event) -> None:
        pos, m = self.rounds[self.round]
        now = self.env.now
        Timeout(self.env, self.period).callbacks.append(lambda _: self.pool.put(m))
        if self.log is not None:
            self.log.append((self.bank.index, self.vector, now, now + self.delay, pos))
        self.round += 1
        if self.round < len(self.rounds):
            self._request()
            return
        self._send(self.vector, now, now)
        self.busy = False
        if self.queue:
            self._begin()


def detected_energy(plan: Plan, values) -> float:
    """Optical energy [J] reaching the detectors while the vectors stream: each vector's
    detected power Σ|E|² (summed over the WDM channels) held for one vector period (the
    slowest part's period)."""
    period_s = max((b.period for b in plan.banks), default=0) * 1e-15
    total = 0.0
    for channel, vals in values.per_channel():
        for bank in channel.banks:
            if bank.kind != "detector":
                continue
            for src, where in bank.inputs:
                if src == "F":
                    fields = vals.F[:, where[0]] @ where[1]
                    total += float(np.sum(np.abs(fields) ** 2))
    return total * period_s


def simulate(netlist, inputs, *, seed=None, noise: bool = False, quantize: bool = True,
             converters: Mapping[str, int] | None = None, trace: bool = False,
             per_event: bool = False, phase_noise: float = 0.0, laser: str = "set",
             allow_over_budget: bool = False,
             registry=None) -> PassResult:
    """Push a batch of input vectors through ``netlist`` and report the pass.

    ``netlist``: a path, dict, :class:`~emulator.netlist.Netlist`,
    :class:`~emulator.compile.CompiledCircuit` or :class:`~emulator.engine.plan.Plan`
    (build a plan once with :func:`~emulator.engine.plan.build_plan` for repeated passes).
    ``inputs``: (B, n_in) digital codes in [-1, 1], one column per digital input port in
    declared order.  ``seed``: int or ``np.random.Generator`` (needed with ``noise``).
    ``quantize=False`` makes the converters ideal.  ``converters``: physical converters per
    kind, e.g. ``{"dac": 4, "adc": 4}`` (default: one per instance).  ``trace``: keep
    Chrome Trace events in ``result.trace_events``.  ``phase_noise``: std [rad] of a
    per-pass Gaussian jitter on every phase setting (needs ``seed``; see ``noise.py``).
    ``laser="link_budget"`` sets each laser to its link budget; a budget beyond the laser's
    range or the waveguide's power limit is an error unless ``allow_over_budget``.
    """
    t0 = time.perf_counter()
    if laser not in ("set", "link_budget"):
        raise UserError(Problem(f"laser must be 'set' or 'link_budget', got {laser!r}",
                                hint=did_you_mean(str(laser), ("set", "link_budget"))))
    if laser == "link_budget":
        netlist = with_link_budget(as_netlist(netlist, registry), allow_over_budget)
    if phase_noise:
        netlist = perturb_phases(as_netlist(netlist, registry), float(phase_noise),
                                 phase_rng(seed))
    plan = as_plan(netlist, registry)
    x = plan.check_inputs(inputs)
    pools_spec = check_converters(plan, converters)
    values = plan.values(x, quantize=quantize, noise=noise, seed=seed)
    B = x.shape[0]

    env = Environment()
    pools = {k: simpy.Container(env, capacity=n, init=n) for k, n in pools_spec.items()}
    log = [] if trace else None
    procs = [BankProcess(env, bank, B, pools.get(bank.kind), values if per_event else None,
                         log) for bank in plan.banks]
    for bank in plan.banks:
        for u, link in bank.upstream.items():
            procs[u].links.append((procs[bank.index].callback, procs[u].delay + link))
    for proc in procs:
        if proc.need == 0:
            proc.start()
    t1 = time.perf_counter()
    env.run()
    t2 = time.perf_counter()
    if not per_event:
        for bank in plan.banks:
            values.run_bank(bank, slice(None))
    done = [p.done for p in procs]

    end = max((max(d) for d in done), default=0)
    latency = to_seconds(end)
    out_set = set(plan.out_slots.tolist())
    feeding = [b for b in plan.banks if b.output[0] == "E"
               and out_set & set(np.arange(plan.n_slots)[b.output[1]].tolist())]
    out_times = (np.max([done[b.index] for b in feeding], axis=0) * 1e-15 if feeding
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
    result.detected_energy_j = detected_energy(plan, values)
    result.photon_energy_j = float(np.mean([H_PLANCK * C_LIGHT / lam
                                            for lam in plan.wavelengths]))
    result.flags += shot_noise_flag(result.optical_energy_per_mac_j)
    if trace:
        result.trace_events = _trace_events(plan, log, done)
    result.wall_s = {"setup": t1 - t0, "events": t2 - t1,
                     "total": time.perf_counter() - t0}
    return result


def _trace_events(plan: Plan, log: list, done: list) -> list[dict]:
    names = [m for bank in plan.banks for m in bank.members]
    comp = plan.compiled
    meta, tid = tr.tracks(names, f"pass through {plan.netlist.name}",
                          f"optical region ({comp.passive_count} passive instances)")
    events = list(meta)
    banks = plan.banks
    for index, b, start, end, pos in log:
        bank = banks[index]
        members = bank.members if pos is None else bank.members[pos]
        for m in members:
            events.append(tr.slice_event(f"v{b}", bank.kind, tid[m], start, end, {"vector": b}))
    for bank in banks:
        for u, link in bank.upstream.items():
            if link and banks[u].output[0] == "F":
                for b, t in enumerate(done[u]):
                    events.append(tr.slice_event(f"v{b} flight", "optical", 0, t, t + link,
                                                 {"vector": b, "from": banks[u].component.name,
                                                  "to": bank.component.name}))
    return events
