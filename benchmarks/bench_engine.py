"""Benchmark of the event engine (run: ``python benchmarks/bench_engine.py``).

Prints, all measured in this one run:

1. events per second of the engine over those of a bare SimPy timeout loop (target
   >= 0.5), for the event loop alone and for whole passes (setup, numerics and energy
   ledger included); the two are measured alternately, medians of several repetitions;
2. SimPy events per pass for cores of N = 8, 16, 64 (must be equal: the passive optics
   is one compiled region, whatever its number of MZIs);
3. wall time of one pass of 1,024 vectors through a 64×64 core (SVD layer, ~4,000 MZIs,
   with converters and detectors; target < 1 s), with the one-off netlist load, compile
   and plan shown separately.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.compile import compile_netlist  # noqa: E402
from _util import machine  # noqa: E402
from emulator.engine import build_plan, simulate  # noqa: E402
from emulator.netlist.generators.cores import core_netlist  # noqa: E402
from emulator.netlist import load_netlist  # noqa: E402

REPEAT = 7


def bare_loop_seconds_per_event(n: int) -> float:
    def proc(env):
        for _ in range(n):
            yield env.timeout(1)

    env = simpy.Environment()
    env.process(proc(env))
    t = time.perf_counter()
    env.run()
    return (time.perf_counter() - t) / n


def event_rate() -> None:
    plan = build_plan(core_netlist(16))
    x = np.random.default_rng(0).uniform(-1, 1, (20_000, 16))
    bare, loop, whole, events = [], [], [], 0
    for _ in range(REPEAT):  # alternate, so that load on the machine hits both alike
        bare.append(bare_loop_seconds_per_event(100_000))
        r = simulate(plan, x)
        events = r.events
        loop.append(r.wall_s["events"] / r.events)
        whole.append(r.wall_s["total"] / r.events)
    b, lo, wh = (statistics.median(v) for v in (bare, loop, whole))
    print(f"1. event rate (16x16 core, batch 20,000: {events:,} events per pass)")
    print(f"   bare SimPy timeout loop : {1 / b:12,.0f} events/s  ({b * 1e6:.3f} us/event)")
    print(f"   engine, event loop      : {1 / lo:12,.0f} events/s  ratio {b / lo:.2f}"
          "  (target >= 0.5)")
    print(f"   engine, whole pass      : {1 / wh:12,.0f} events/s  ratio {b / wh:.2f}"
          "  (incl. setup, numerics, ledger)")


def events_per_core() -> None:
    B = 64
    print(f"2. SimPy events per pass (batch {B})")
    counts = {}
    for n in (8, 16, 64):
        net = load_netlist(core_netlist(n))
        mzis = net.counts().get("mzi", 0)
        counts[n] = simulate(net, np.zeros((B, n))).events
        shared = simulate(net, np.zeros((B, n)), converters={"dac": n // 4, "adc": n // 4})
        print(f"   N = {n:2d} ({mzis:5d} MZIs): {counts[n]:6d} events; with N/4 shared "
              f"converters (4 rounds): {shared.events:6d}")
    print(f"   equal for N = 8, 16, 64: {len(set(counts.values())) == 1}")


def big_pass() -> None:
    t = time.perf_counter()
    net = load_netlist(core_netlist(64))
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    compiled = compile_netlist(net)
    t_compile = time.perf_counter() - t
    t = time.perf_counter()
    plan = build_plan(compiled)
    t_plan = time.perf_counter() - t
    x = np.random.default_rng(1).uniform(-1, 1, (1024, 64))
    walls, r = [], None
    for _ in range(REPEAT):
        t = time.perf_counter()
        r = simulate(plan, x)
        walls.append(time.perf_counter() - t)
    t = time.perf_counter()
    simulate(net, x)  # from the loaded netlist: compile and plan included
    t_cold = time.perf_counter() - t
    wall = statistics.median(walls)
    print(f"3. one pass, 1,024 vectors through a 64x64 core "
          f"({net.counts().get('mzi', 0)} MZIs, {len(net.instances)} instances)")
    print(f"   netlist load {t_load:.3f} s, compile {t_compile:.3f} s, plan {t_plan:.3f} s "
          "(once per circuit)")
    print(f"   pass (plan built): median {wall * 1e3:.1f} ms of {REPEAT}  (target < 1 s)"
          f"   {r.events} events")
    print(f"   pass from a loaded netlist (compile + plan + pass): {t_cold:.3f} s")
    print(f"   simulated: latency {r.latency_s * 1e9:.2f} ns, energy {r.energy_j * 1e6:.3f} uJ, "
          f"average power {r.avg_power_w:.1f} W, optical energy/MAC "
          f"{r.optical_energy_per_mac_j * 1e15:.3f} fJ")


if __name__ == "__main__":
    print(f"machine: {machine()}")
    event_rate()
    events_per_core()
    big_pass()
