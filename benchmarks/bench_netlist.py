"""Netlist benchmark: build + validate + compile large Clements meshes, and the cost of
evaluating a compiled mesh against one dense complex matrix product (ratio, same run).

Targets: 64x64 (2,016 MZIs) under 1 s; 256x256 (32,640 MZIs) build (generate) +
load/validate + compile under 2 s (it took 8.3 s before the array-and-dict route:
load+validate 3.9 s, compile 4.1 s); each stage is the median of ``--repeat`` builds
(default 5). Evaluation of a compiled 64x64 mesh on 1,024 vectors at most 2x the dense
product.

    python benchmarks/bench_netlist.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import machine, median_time  # noqa: E402

from emulator.compile import compile_netlist  # noqa: E402
from emulator.netlist import load_netlist  # noqa: E402
from emulator.netlist.generators import clements  # noqa: E402


def build(n: int, seed: int = 0) -> dict:
    """Wall and CPU seconds of each stage (CPU time: this process alone, the steadier
    figure on a shared machine)."""
    timings, cpu = {}, {}

    def stage(name, fn):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        timings[name] = time.perf_counter() - t0
        cpu[name] = time.process_time() - c0
        return out

    data = stage("generate", lambda: clements(n, seed=seed, mzi={"loss": 0.0},
                                              out_phase_shifters=True))
    net = stage("load+validate", lambda: load_netlist(data))
    compiled = stage("compile", lambda: compile_netlist(net))
    timings["total"] = sum(timings.values())
    cpu["total"] = sum(cpu.values())
    return {"timings": timings, "cpu": cpu, "compiled": compiled,
            "mzis": sum(1 for i in net.instances.values() if i.component.name == "mzi")}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="builds per size (medians)")
    repeat = max(1, ap.parse_args(argv).repeat)
    print(f"machine: {machine()}")
    build(4)  # warm: imports and first-call costs are not part of the figure
    for n, target in [(64, 1.0), (256, 2.0)]:
        runs = []
        for _ in range(repeat):  # keep the figures, not the circuits (a fresh heap each)
            r = build(n)
            runs.append({k: r[k] for k in ("timings", "cpu", "mzis")})
            del r
        t = {k: statistics.median(r["timings"][k] for r in runs) for k in runs[0]["timings"]}
        print(f"clements {n}x{n} ({runs[0]['mzis']} MZIs), medians of {repeat}: generate "
              f"{t['generate']:.3f} s, load+validate {t['load+validate']:.3f} s, compile "
              f"{t['compile']:.3f} s, total {t['total']:.3f} s (target < {target:g} s: "
              f"{'ok' if t['total'] < target else 'MISSED'})")
        c = {k: statistics.median(r["cpu"][k] for r in runs) for k in runs[0]["cpu"]}
        print(f"  CPU time of this process: generate {c['generate']:.3f} s, load+validate "
              f"{c['load+validate']:.3f} s, compile {c['compile']:.3f} s, total "
              f"{c['total']:.3f} s")
        del runs
    compiled = build(64)["compiled"]
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(1024, 64)) + 1j * rng.normal(size=(1024, 64)))
    dense = rng.normal(size=(64, 64)) + 1j * rng.normal(size=(64, 64))
    dense_t = np.ascontiguousarray(dense.T)
    compiled.evaluate(x)  # warm
    t_mesh = median_time(lambda: compiled.evaluate(x), repeat=15, number=20)
    t_dense = median_time(lambda: x @ dense_t, repeat=15, number=20)
    ratio = t_mesh / t_dense
    print(f"evaluate compiled 64x64 mesh on 1024 vectors: {t_mesh * 1e6:.1f} us; dense complex "
          f"64x64 product: {t_dense * 1e6:.1f} us; ratio {ratio:.2f} (target <= 2: "
          f"{'ok' if ratio <= 2 else 'MISSED'})")


if __name__ == "__main__":
    main()
