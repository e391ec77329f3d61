"""Benchmark of costing at scale (run: ``python benchmarks/bench_scale.py [--quick]``).

Prints, all measured in this one run:

1. ``scenarios/mnist_large.yaml`` (784-1024-10 on 64 cores, 3,200 tiles) end to end, once,
   first (so its peak memory is not the 10,000-tile costing's below): wall time by stage,
   the time beyond training (target <= 10 s), the process's peak resident memory over
   that run (target <= 400 MB), then the costing's and outputs' peak Python memory
   (tracemalloc, on a repeat: tracing's own tables raise the resident figure after it,
   which is printed too);
2. the scenario cost time (:func:`emulator.scenario.run.cost_step`: tiling, each tile's
   static power, the SimPy schedule of the four passes, the trace) of one layer cut into
   100, 1,000, 3,200 and 10,000 tiles of a 16×16 EO core on 64 cores, median of several
   repetitions; per tile [ms] (target <= 1 ms) and the growth ratio between consecutive
   sizes (time ratio over tile ratio: 1 is linear).
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _util import machine, median_time  # noqa: E402
from emulator.scenario import load_scenario  # noqa: E402
from emulator.scenario.run import cost_step  # noqa: E402
from emulator.scenario.step import Block  # noqa: E402

SCENARIO = ROOT / "scenarios" / "mnist_large.yaml"
SHAPES = {100: (10, 10), 1_000: (20, 50), 3_200: (64, 50), 10_000: (100, 100)}


def cost_vs_tiles(quick: bool) -> None:
    sc = load_scenario(SCENARIO, {})
    rng = np.random.default_rng(0)
    print("tiles   cost [s]   per tile [ms]   CPU per tile [ms]   growth (time ratio / tile "
          "ratio)")
    prev = None
    for tiles, (r, c) in SHAPES.items():
        blocks = [[Block(rng.normal(0, 0.3, (16 * r, 16 * c)))]]
        repeat = 1 if quick else (5 if tiles <= 1_000 else 3)
        cpu = []

        def run():
            c0 = time.process_time()
            cost_step(sc, blocks, 16 * c, trace=True)
            cpu.append(time.process_time() - c0)

        t = median_time(run, repeat=repeat)
        growth = "" if prev is None else f"{(t / prev[1]) / (tiles / prev[0]):.2f}"
        print(f"{tiles:6d}   {t:8.3f}   {1e3 * t / tiles:13.3f}   "
              f"{1e3 * statistics.median(cpu) / tiles:17.3f}   {growth}", flush=True)
        prev = (tiles, t)


def peak_resident_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def large_scenario() -> None:
    from emulator.data import load_dataset
    from emulator.scenario import run as R
    from emulator.scenario.report import build_report

    stages = {}

    def stage(name, fn):
        t0 = time.perf_counter()
        out = fn()
        stages[name] = time.perf_counter() - t0
        return out

    t_all = time.perf_counter()
    sc = stage("load scenario", lambda: load_scenario(SCENARIO, {}))
    data = stage("load data", lambda: load_dataset(sc.config["data"], sc.config["seed"]))
    hist = stage("training", lambda: R.train_methods(sc, data, quiet=True))
    step = stage("costing", lambda: R.cost_step(sc, R.blocks_of(hist["tpfp"][0]),
                                                data.n_features, trace=True))
    report = stage("report", lambda: build_report(sc, data, hist, {}, step, "tpfp",
                                                  wall_time_s=0.0, versions={}))
    tmp = tempfile.TemporaryDirectory()
    stage("plots, trace, files", lambda: R.write_outputs(Path(tmp.name) / "run", report, hist,
                                                          step, sc.config))
    total = time.perf_counter() - t_all
    resident = peak_resident_mb()  # the run's own peak, before the traced repeat below
    del step
    tracemalloc.start()  # again, for memory only (tracing slows Python several times)
    step = R.cost_step(sc, R.blocks_of(hist["tpfp"][0]), data.n_features, trace=True)
    R.write_outputs(Path(tmp.name) / "again", report, hist, step, sc.config)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tmp.cleanup()
    for name, s in stages.items():
        print(f"  {name:22s} {s:7.2f} s")
    beyond = total - stages["training"]
    print(f"total {total:.2f} s; beyond training {beyond:.2f} s (target <= 10 s)")
    print(f"process peak resident {resident:.0f} MB over the run (target <= 400 MB); "
          f"{peak_resident_mb():.0f} MB after the traced repeat of costing and outputs, "
          f"whose peak Python memory is {peak / 2**20:.0f} MB")
    print(f"tiles {len(step.tiles)}; trace {report.get('trace')}")


if __name__ == "__main__":
    print(machine())
    # the scenario first: its peak memory is the process's before 10,000 tiles raise it
    print(f"{SCENARIO.name}, end to end:")
    large_scenario()
    print()
    cost_vs_tiles("--quick" in sys.argv)
