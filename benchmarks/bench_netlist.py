"""Netlist benchmark: build + validate + compile large Clements meshes, and the cost of
evaluating a compiled mesh against one dense complex matrix product (ratio, same run).

Targets (issue 2): 64x64 (2,016 MZIs) under 1 s; 256x256 (32,640 MZIs) under 10 s;
evaluation of a compiled 64x64 mesh on 1,024 vectors at most 2x the dense product.

    python benchmarks/bench_netlist.py
"""

from __future__ import annotations

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
    timings = {}
    t0 = time.perf_counter()
    data = clements(n, seed=seed, mzi={"loss": 0.0}, out_phase_shifters=True)
    timings["generate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    net = load_netlist(data)
    timings["load+validate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    compiled = compile_netlist(net)
    timings["compile"] = time.perf_counter() - t0
    timings["total"] = sum(timings.values())
    return {"timings": timings, "compiled": compiled,
            "mzis": sum(1 for i in net.instances.values() if i.component.name == "mzi")}


def main() -> None:
    print(f"machine: {machine()}")
    build(4)  # warm: imports and first-call costs are not part of the figure
    for n, target in [(64, 1.0), (256, 10.0)]:
        r = build(n)
        t = r["timings"]
        print(f"clements {n}x{n} ({r['mzis']} MZIs): generate {t['generate']:.3f} s, "
              f"load+validate {t['load+validate']:.3f} s, compile {t['compile']:.3f} s, "
              f"total {t['total']:.3f} s (target < {target:g} s: "
              f"{'ok' if t['total'] < target else 'MISSED'})")
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
