"""Benchmark of sweep throughput on Dask (run: ``python benchmarks/bench_sweep.py``).

A sweep of ``POINTS`` CPU-bound points (digits, both passes through the emulated mesh,
about 1-2 s each) runs through :func:`emulator.sweep.run_sweep` on a LocalCluster of 1
worker and on one of 2 workers (one thread each, BLAS pinned to one thread), alternately,
``REPEAT`` times each, every time into a fresh output folder (so the whole machinery is
timed: submission, results, point files, table, reports).  Cluster start-up is outside
the timing; a warm-up sweep first loads the emulator in every worker.

Prints, all measured in this one run: the time of one point in this process, the median
wall time and throughput (points per second) per worker count, and the ratio of the two
throughputs (target >= 1.7 on a 2-core machine).  Each timed sweep also reports how much
CPU other programs took meanwhile (Linux), since a busy machine makes the ratio meaningless.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import machine  # noqa: E402

POINTS = 8
REPEAT = 3
EPOCHS = 2
TARGET = 1.7

BASE = f"""\
version: 1
seed: 1
data: digits
model: {{layers: [64, 32, 10]}}
hardware: {{core: {(ROOT / 'netlists' / 'onn_core_8.yaml').as_posix()}}}
training: {{methods: [tpfp], epochs: {EPOCHS}}}
nonideal: {{insitu: true}}
outputs: {{plots: false, trace: false}}
"""


def sweep_text(seeds: list[int], name: str) -> str:
    return (f"version: 1\nname: {name}\nbase: base.yaml\n"
            f"parameters: {{seed: {seeds}}}\nmetrics: [test_accuracy, energy_per_inference_j]\n")


def busy_seconds() -> float | None:
    """CPU time [core-seconds] the whole machine has been busy (Linux /proc/stat)."""
    try:
        fields = open("/proc/stat").readline().split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_seconds(client) -> float:
    """CPU time of this process and of the client's worker processes."""
    return time.process_time() + sum(client.run(time.process_time).values())


def main() -> int:
    from emulator.sweep import dask_client, load_sweep, run_sweep
    from emulator.sweep.worker import run_point

    work = Path(tempfile.mkdtemp(prefix="bench_sweep-"))
    try:
        (work / "base.yaml").write_text(BASE)
        (work / "warm.yaml").write_text(sweep_text([101, 102], "warm"))
        (work / "bench.yaml").write_text(sweep_text(list(range(1, POINTS + 1)), "bench"))
        warm, bench = load_sweep(work / "warm.yaml"), load_sweep(work / "bench.yaml")

        print(f"machine: {machine()}")
        run_point(str(bench.base), bench.points[0].overrides)  # imports, data set cache
        t0 = time.perf_counter()
        one = run_point(str(bench.base), bench.points[0].overrides)
        print(f"one point in this process: {time.perf_counter() - t0:.2f} s "
              f"(status {one['status']})")

        times: dict[int, list[float]] = {1: [], 2: []}
        with dask_client(1) as c1, dask_client(2) as c2:
            clients = {1: c1, 2: c2}
            for n, c in clients.items():
                env = c.run(lambda: os.environ.get("OPENBLAS_NUM_THREADS"))
                threads = sum(w["nthreads"] for w in c.scheduler_info()["workers"].values())
                print(f"{n} worker(s): {threads} thread(s), OPENBLAS_NUM_THREADS="
                      f"{sorted(set(env.values()))}")
                run_sweep(warm, work / f"warm-{n}", client=c)
            others = []
            for r in range(REPEAT):
                for n in (1, 2):  # alternate, so a change of machine load hits both alike
                    out = work / f"run-{n}-{r}"
                    busy0, own0 = busy_seconds(), own_seconds(clients[n])
                    t0 = time.perf_counter()
                    res = run_sweep(bench, out, client=clients[n])
                    dt = time.perf_counter() - t0
                    busy1, own1 = busy_seconds(), own_seconds(clients[n])
                    assert res.ran == POINTS and not res.failed, res.failed
                    times[n].append(dt)
                    note = ""
                    if busy0 is not None:  # CPU that other programs took meanwhile
                        others.append(max(0.0, (busy1 - busy0) - (own1 - own0)) / dt)
                        note = f"  (other processes used {others[-1]:.2f} cores meanwhile)"
                    print(f"  repeat {r + 1}: {n} worker(s) {dt:6.2f} s{note}")
        med = {n: statistics.median(v) for n, v in times.items()}
        thr = {n: POINTS / med[n] for n in med}
        print(f"sweep of {POINTS} points, median of {REPEAT}:")
        for n in (1, 2):
            print(f"  {n} worker(s): {med[n]:6.2f} s  ({thr[n]:.3f} points/s, "
                  f"{med[n] / POINTS:.2f} s per point)")
        ratio = thr[2] / thr[1]
        print(f"throughput ratio 2 workers / 1 worker: {ratio:.2f} "
              f"(target >= {TARGET}: {'met' if ratio >= TARGET else 'NOT met'})")
        if others and max(others) > 0.2:
            print(f"warning: other programs used up to {max(others):.2f} cores during the "
                  "timed sweeps; the ratio is only meaningful on an otherwise idle machine")
        print(f"machine after: {machine()}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
