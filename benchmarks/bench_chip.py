"""Training on the chip of a core netlist (run: ``python benchmarks/bench_chip.py
[--runs] [--seeds 3]``).  Everything is measured in this one run; medians over
interleaved rounds, so a busy machine slows every contender alike.

1. A TPFP step of 784-64-10 at batch 64 on 16-port tiles of ``onn_core_16`` (4 cores,
   200 tiles, read-out noise on, no re-writing) over the ideal step (target ≤ 5), with
   the chip's compiled loops on 1 thread and on every core (the ideal step's BLAS on 1
   thread, as training runs it), also as the median of 41 short interleaved (ideal,
   chip) pairs' own ratios; one 784-input pass broken down (input conversion,
   read-out kernel, the rest); what one tile write (map, realise, calibrate) costs, alone
   and per tile when k tiles are written together (``Chip.program_many``, k = 1, 4, 16).
2. ``--runs``: whole 100-epoch digits runs, 64-32-10 on four ``onn_core_16`` cores at the
   shipped parameters (noise on, 8-bit converters, re-writing on drift > 1 %): the wall
   time over the ideal run's (target ≤ 10) and the accuracy of TPFP (calibrated and not,
   F scale 0.05 and 0.2) and of the frozen control, against the ideal runs; then the
   whole-run ratio of issue 12: TPFP at F scale 0.2 on the chip over the same ideal run,
   from the seeds' medians and from 7 interleaved (ideal, chip) pairs on seed 1.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _util import interleaved, machine  # noqa: E402

from emulator.chip import Chip  # noqa: E402
from emulator.chip.core import Core  # noqa: E402
from emulator.chip.device import ChipDevice  # noqa: E402
from emulator.training.methods import METHODS, StepOptions  # noqa: E402
from emulator.training.net import dense_net, feedback_matrix, init_weights  # noqa: E402
from emulator.training.trainer import blas_threads  # noqa: E402

CORE = ROOT / "netlists" / "onn_core_16.yaml"
BATCHES = (1, 4, 16)
ROUNDS = 7  # interleaved (ideal, chip) pairs for the whole-run ratio
PAIRS = 41  # interleaved (20 ideal steps, 4 chip steps) pairs for the step ratio


def bench_step() -> None:
    layers, b = [784, 64, 10], 64
    rng = np.random.default_rng(1)
    x = rng.random((784, b), dtype=np.float32)
    t = np.zeros((10, b), np.float32)
    t[rng.integers(0, 10, b), np.arange(b)] = 1
    chip = Chip.of(Core.load(CORE), cores=4, seed=1)

    def stepper(device=None):
        W = init_weights(layers, np.random.default_rng(1))
        F = feedback_matrix(784, 10, 0.05, np.random.default_rng(2))
        if device is not None:
            device = ChipDevice(W, chip, drift=None)
        return METHODS["tpfp"](W, StepOptions(), np.random.default_rng(3), device=device,
                               feedback=F, noise=np.random.default_rng(4))

    with blas_threads(dense_net(layers), b):
        ideal = stepper()
        onchip = stepper(device=True)
        tile = np.random.default_rng(5).normal(size=(16, 16))
        first = onchip.device.layers[0]
        out = np.empty((64, b), np.float32)
        noise = np.random.default_rng(6)
        scale = float(np.max(np.abs(x)))
        s = first._stream
        stacks = {k: np.random.default_rng(6).normal(size=(k, 16, 16)) for k in BATCHES}
        fns = {"ideal": lambda: ideal.step(x, t, 1e-3),
               "chip": lambda: onchip.step(x, t, 1e-3),
               "pass": lambda: first.forward(x, out=out, rng=noise),
               "input conversion": lambda: s.fields(x, scale),
               "read-out kernel": lambda: s.read(s.fields(x, scale), out, scale, noise),
               "tile write": lambda: chip.program(tile, 0)}
        calls = {"ideal": 50, "tile write": 20}
        med = {}
        # one group per thread count (threaded loops leave their threads spinning for a
        # while: interleaving them with serial runs would slow those)
        pairs = {}
        for n in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            for layer in onchip.device.layers:
                layer.set_threads(n)
            med[n] = interleaved(fns, rounds=7, calls={k: calls.get(k, 10) for k in fns})
            # the headline ratio: many short (ideal, chip) pairs, each pair's own ratio, so
            # a busy spell of the shared machine slows both sides of the pairs it hits
            r = [interleaved({"ideal": fns["ideal"], "chip": fns["chip"]}, rounds=1,
                             calls={"ideal": 20, "chip": 4}) for _ in range(PAIRS)]
            pairs[n] = sorted(x["chip"] / x["ideal"] for x in r)
        writes = interleaved({f"{k} tiles": functools.partial(
            chip.program_many, stacks[k], [i % 4 for i in range(k)]) for k in BATCHES},
            rounds=7, calls={f"{k} tiles": max(2, 20 // k) for k in BATCHES})
    n_tiles = onchip.device.counters["tiles"]
    print(f"TPFP step 784-64-10, batch 64, on {n_tiles} tiles of onn_core_16 (4 cores), "
          "read-out noise on, no re-writing:")
    for n, m in med.items():
        q = pairs[n]
        print(f"  ideal {1e3 * m['ideal']:.2f} ms (BLAS on 1 thread), on the chip "
              f"{1e3 * m['chip']:.2f} ms, compiled loops on {n} thread(s): "
              f"{m['chip'] / m['ideal']:.1f}x the ideal step; over {PAIRS} interleaved pairs "
              f"median {np.median(q):.1f}x (quartiles {q[len(q) // 4]:.1f}-"
              f"{q[3 * len(q) // 4]:.1f}x; target <= 5)")
        conv, whole = m["input conversion"], m["pass"]
        kernel = m["read-out kernel"] - conv
        print(f"    per 784-input pass {1e3 * whole:.3f} ms: input conversion (DAC + "
              f"modulator table) {1e3 * conv:.3f}, read-out kernel (product, noise, ADC, "
              f"decode, sums) {1e3 * kernel:.3f}, rest {1e3 * (whole - conv - kernel):.3f}")
    print(f"  one tile write (SVD, 2 Clements decompositions, held phases, realised matrix, "
          f"calibration): {1e3 * med[1]['tile write']:.2f} ms; all {n_tiles} tiles "
          f"{n_tiles * med[1]['tile write']:.2f} s")
    print("  tiles written together (Chip.program_many), per tile: " + ", ".join(
        f"k={k} {1e3 * writes[f'{k} tiles'] / k:.3f} ms" for k in BATCHES))


def bench_runs(seeds) -> None:
    from emulator.data import load_dataset
    from emulator.training import train

    chip = dict(core=str(CORE), cores=4)
    cases = [("ideal tpfp (F scale 0.05)", dict(method="tpfp"), None),
             ("ideal tpfp (F scale 0.2)", dict(method="tpfp", fscale=0.2), None),
             ("ideal frozen", dict(method="frozen"), None),
             ("chip tpfp, F scale 0.05", dict(method="tpfp"), chip),
             ("chip tpfp, F scale 0.2", dict(method="tpfp", fscale=0.2), chip),
             ("chip tpfp, F 0.2, uncalibrated", dict(method="tpfp", fscale=0.2),
              dict(chip, calibrate=False)),
             ("chip frozen", dict(method="frozen"), chip)]
    print(f"digits 64-32-10, 100 epochs, batch 64, seeds {list(seeds)}; chip: 4x "
          "onn_core_16 at its shipped parameters, noise on, re-writing on drift > 1 %")
    ideal_s = None
    wall = {}
    for label, kw, hw in cases:
        accs, secs, writes = [], [], []
        for s in seeds:
            h = train(load_dataset("digits", s), layers=[64, 32, 10], seed=s,
                      progress=False, hardware=hw, **kw)
            accs.append(h.test_accuracy)
            secs.append(h.seconds)
            if hw is not None:
                c = h.counters
                writes.append((c["tile_writes"] - c["tiles"]) / (c["steps"] * c["tiles"]))
        wall[label] = float(np.median(secs))
        if ideal_s is None:
            ideal_s = wall[label]
        extra = (f"; {np.median(secs) / ideal_s:5.1f}x the ideal run's time, "
                 f"{100 * np.mean(writes):4.1f} % of tiles re-written per step"
                 if hw is not None else "")
        print(f"  {label:32s} {100 * np.mean(accs):6.2f} %  (" + " ".join(
            f"{100 * a:.2f}" for a in accs) + f"), {np.median(secs):5.2f} s{extra}",
            flush=True)
    ratio = wall["chip tpfp, F scale 0.2"] / wall["ideal tpfp (F scale 0.2)"]
    print(f"  whole run, TPFP F 0.2, drift 1 %: chip {wall['chip tpfp, F scale 0.2']:.2f} s "
          f"over ideal {wall['ideal tpfp (F scale 0.2)']:.2f} s = {ratio:.1f}x (target <= 10)")
    # the same ratio from interleaved pairs (ideal run, chip run) on seed 1: a busy spell
    # of the machine slows both runs of a pair
    data = load_dataset("digits", 1)
    ratios = []
    for _ in range(ROUNDS):
        pair = [train(data, layers=[64, 32, 10], seed=1, progress=False, hardware=hw,
                      method="tpfp", fscale=0.2).seconds for hw in (None, chip)]
        ratios.append(pair[1] / pair[0])
    print(f"  the same, {ROUNDS} interleaved pairs on seed 1: median {np.median(ratios):.1f}x "
          f"(range {min(ratios):.1f}-{max(ratios):.1f}x; target <= 10)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", action="store_true", help="also the whole training runs")
    p.add_argument("--seeds", type=int, default=3, help="seeds for --runs (default 3)")
    args = p.parse_args(argv)
    print(machine())
    bench_step()
    if args.runs:
        bench_runs(range(1, args.seeds + 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
