"""Benchmark of the WDM cores (run: ``python benchmarks/bench_wdm.py``).

Prints, measured in this one run:

1. load, and compile per wavelength, of a 12×12×12 DOTA crossbar (2,544 instances; target
   < 1 s per wavelength), medians of 3;
2. SimPy events per pass of DOTA crossbars of 2×2, 4×4 and 8×8 nodes (must be equal: the
   passive optics is one compiled region, whatever its number of rings and nodes);
3. the event engine over every channel of a 4×4×4 and a 12×12×12 crossbar (4 and 12
   wavelengths): SimPy events per pass (equal: one optical propagation per vector, not
   per channel or node) and the W-channel engine's time over the fast path's on the same
   plan and batch, medians of interleaved rounds;
4. the DOTA-B power breakdown (published convention and ours).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import interleaved, machine, median_time  # noqa: E402
from emulator.breakdown import report  # noqa: E402
from emulator.compile import compile_netlist  # noqa: E402
from emulator.compile.channels import channel_wavelengths  # noqa: E402
from emulator.engine import build_plan, simulate  # noqa: E402
from emulator.fastpath import evaluate  # noqa: E402
from emulator.netlist import load_netlist  # noqa: E402
from emulator.netlist.generators import dota_crossbar  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(fn) -> float:
    return median_time(fn, repeat=3)


def main() -> None:
    print(machine())
    spec = dota_crossbar(12)
    load_s = median_seconds(lambda: load_netlist(spec))
    net = load_netlist(spec)
    lams = channel_wavelengths(net)
    per = [median_seconds(lambda lam=lam: compile_netlist(net, float(lam))) for lam in lams[:3]]
    print(f"12x12x12 DOTA crossbar: {len(net.instances)} instances, load {load_s:.3f} s, "
          f"compile per wavelength {statistics.median(per):.3f} s (target < 1 s), "
          f"{len(lams)} wavelengths")
    for hw in (2, 4, 8):
        x = np.random.default_rng(0).uniform(-1, 1, (16, 2 * hw * 2))
        r = simulate(dota_crossbar(hw, hw, 2), x)
        print(f"{hw}x{hw} nodes x 2 wavelengths: {r.events} SimPy events per pass of 16 vectors")
    for n in (4, 12):
        plan = build_plan(dota_crossbar(n))
        x = np.random.default_rng(0).uniform(-1, 1, (64, plan.n_in))
        t = interleaved({"engine": lambda: simulate(plan, x),
                         "fast": lambda: evaluate(plan, x)}, rounds=7)
        r = simulate(plan, x)
        print(f"{n}x{n}x{n} crossbar, {len(plan.wavelengths)} wavelengths: {r.events} SimPy "
              f"events per pass of 64 vectors; engine {t['engine'] * 1e3:.2f} ms, fast path "
              f"{t['fast'] * 1e3:.2f} ms per pass: engine / fast path = "
              f"{t['engine'] / t['fast']:.2f}")
    r = report(ROOT / "scenarios" / "validation" / "dota_b_4bit.yaml")
    for cv, table in r["conventions"].items():
        print(f"DOTA-B 4-bit, {cv}: {table['total']:.4g} W")


if __name__ == "__main__":
    main()
