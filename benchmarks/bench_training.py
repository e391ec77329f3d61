"""Benchmark of training (run: ``python benchmarks/bench_training.py [--accuracy]``).

Prints, all measured in this one run (medians over interleaved rounds, so a busy
machine slows every contender alike):

1. the machine's fp32 GEMM rate (numpy matmul, 2048³) and, for reference, the rate of a
   GEMM of the step's own shape (1024×784 · 784×64); items 1-3 run twice, with the BLAS's
   configured threads and with one thread (one thread is immune to the thread-sync
   stalls a busy shared machine causes, so its ratios are the steadier figure);
2. a TPFP step on 784-1024-10 at batch 64: GFLOP/s counting the FLOPs of two forward
   passes plus the updates (3 · 2·B·Σ n_l·n_{l-1}), over the GEMM rate (target ≥ 0.6);
   for the default step, which reuses pass 1 for pass 2's first layer, and for the
   literal step that multiplies W_1 (x + FΓ) again;
3. the TPFP/BP step-time ratio (target ≤ 1.3);

Training on a chip (in situ) is measured by ``bench_chip.py``.

``--accuracy`` also runs the accuracy targets (3 seeds each; minutes): digits 64-32-10,
MNIST 5k 784-64-10, XOR (50 seeds).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import interleaved, machine  # noqa: E402

from emulator.training.methods import METHODS, StepOptions  # noqa: E402
from emulator.training.net import feedback_matrix, init_weights  # noqa: E402

ROUNDS = 15


def batch(n_in, n_out, b, rng):
    x = rng.random((n_in, b), dtype=np.float32)
    t = np.zeros((n_out, b), np.float32)
    t[rng.integers(0, n_out, b), np.arange(b)] = 1
    return x, t


def stepper(name, layers, rng_seed=1, device=None, reuse=True, weights=None):
    W = weights if weights is not None else init_weights(layers,
                                                          np.random.default_rng(rng_seed))
    F = feedback_matrix(layers[0], layers[-1], 0.05, np.random.default_rng(rng_seed + 1))
    m = METHODS[name](W, StepOptions(), np.random.default_rng(rng_seed + 3), device=device,
                      feedback=F, noise=np.random.default_rng(rng_seed + 4))
    m.reuse_first_layer = reuse
    return m


def bench_speed(threads=None) -> None:
    """Step rates with the BLAS's own thread count (None) or limited to ``threads``."""
    if threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(threads, user_api="blas"):
            return bench_speed_run(f"BLAS limited to {threads} thread(s)")
    return bench_speed_run("BLAS threads as configured")


def bench_speed_run(label: str) -> None:
    rng = np.random.default_rng(0)
    b, layers = 64, [784, 1024, 10]
    x, t = batch(784, 10, b, rng)
    A = rng.random((2048, 2048), dtype=np.float32)
    C = np.empty_like(A)
    Wb = rng.random((1024, 784), dtype=np.float32)
    Zb = np.empty((1024, b), np.float32)
    steps = {n: stepper(n, layers, reuse=r) for n, r in
             (("tpfp", True), ("bp", True), ("frozen", True))}
    literal = stepper("tpfp", layers, reuse=False)
    fns = {
        "gemm 2048^3": lambda: np.matmul(A, A, out=C),
        "gemm 1024x784x64": lambda: np.matmul(Wb, x, out=Zb),
        "tpfp step": lambda: steps["tpfp"].step(x, t, 1e-3),
        "tpfp step (literal pass 2)": lambda: literal.step(x, t, 1e-3),
        "bp step": lambda: steps["bp"].step(x, t, 1e-3),
        "frozen step": lambda: steps["frozen"].step(x, t, 1e-3),
    }
    load0 = os.getloadavg()[0]
    fastest: dict = {}
    med = interleaved(fns, calls={"gemm 2048^3": 2}, best=fastest)
    load1 = os.getloadavg()[0]
    peak = 2 * 2048 ** 3 / med["gemm 2048^3"] / 1e9
    same = 2 * 1024 * 784 * b / med["gemm 1024x784x64"] / 1e9
    P = sum(a * c for a, c in zip(layers[:-1], layers[1:]))
    nominal = 3 * 2 * b * P  # two forward passes + the updates
    performed = nominal - 2 * b * 1024 * 784 + 2 * 1024 * 784 * 10  # pass-2 layer 1 reused
    from emulator.training.kernels import fused_available

    print(f"[{label}] machine: {machine()}; load average {load0:.2f} -> {load1:.2f}; "
          f"fused momentum sgemm {'on' if fused_available() else 'off'}")
    print(f"fp32 GEMM 2048^3:            {peak:7.1f} GFLOP/s   (step-shaped GEMM "
          f"1024x784x64: {same:.1f} GFLOP/s)")
    for k in ("tpfp step", "tpfp step (literal pass 2)", "bp step", "frozen step"):
        print(f"{k:28s} {1e3 * med[k]:7.3f} ms")
    r_def = nominal / med["tpfp step"] / 1e9
    r_lit = nominal / med["tpfp step (literal pass 2)"] / 1e9
    print(f"TPFP 784-1024-10, B=64: {nominal / 1e6:.0f} MFLOP nominal per step")
    print(f"  default step: {r_def:6.1f} GFLOP/s = {r_def / peak:.2f} x GEMM rate "
          f"(target >= 0.6); FLOPs actually performed {performed / 1e6:.0f} M "
          f"-> {performed / med['tpfp step'] / 1e9:.1f} GFLOP/s")
    print(f"  literal step: {r_lit:6.1f} GFLOP/s = {r_lit / peak:.2f} x GEMM rate")
    print(f"TPFP / BP step time: {med['tpfp step'] / med['bp step']:.2f} (target <= 1.3); "
          f"literal {med['tpfp step (literal pass 2)'] / med['bp step']:.2f}")
    fb = 2 * 2048 ** 3 / fastest["gemm 2048^3"] / 1e9
    print(f"  fastest rounds (least disturbed by other processes): GEMM {fb:.1f} GFLOP/s; "
          f"TPFP {nominal / fastest['tpfp step'] / 1e9 / fb:.2f} x GEMM (literal "
          f"{nominal / fastest['tpfp step (literal pass 2)'] / 1e9 / fb:.2f}); TPFP/BP "
          f"{fastest['tpfp step'] / fastest['bp step']:.2f}")


def bench_accuracy() -> None:
    from emulator.data import load_dataset
    from emulator.training import train

    def runs(data_name, layers, methods, seeds=(1, 2, 3), **kw):
        for m in methods:
            accs = []
            for s in seeds:
                d = load_dataset(data_name, s)
                accs.append(train(d, layers=layers, method=m, seed=s, progress=False,
                                  **kw).test_accuracy)
            a = 100 * np.array(accs)
            more = (f"; seeds 1-{len(a)} mean {a.mean():6.2f} % ± {a.std(ddof=1) / np.sqrt(len(a)):.2f}"
                    f" (s.e.)" if len(a) > 3 else "")
            print(f"  {m:13s} " + " ".join(f"{v:5.1f}" for v in a)
                  + f"   mean of seeds 1-3 {a[:3].mean():6.2f} %{more}", flush=True)

    print("digits 64-32-10 ReLU, 100 epochs, lr 0.1, batch 64, test accuracy, seeds 1-3:")
    runs("digits", [64, 32, 10], ["tpfp", "frozen", "bp", "bp_modulated"])
    print("MNIST 5k 784-64-10 ReLU, 100 epochs, lr 0.1, batch 64, seeds 1-10 (a 3-seed mean "
          "has a standard error of ~0.35 points here):")
    runs("mnist5k", [784, 64, 10], ["tpfp", "frozen", "bp"], seeds=range(1, 11))
    print("XOR (x1, x2, 1), 2 hidden units, full batch, lr 0.1, 3000 epochs, 50 seeds:")
    xor = load_dataset("xor")
    for act, methods in (("square", ("tpfp", "frozen", "bp")), ("tanh", ("tpfp", "frozen")),
                         ("identity", ("tpfp",))):
        for m in methods:
            solved = sum(train(xor, layers=[3, 2, 2], activation=act, method=m, epochs=3000,
                               lr=0.1, batch=4, seed=s, progress=False).train_accuracy == 1.0
                         for s in range(1, 51))
            print(f"  {act:8s} {m:7s} solved {solved}/50 = {2 * solved} %", flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--accuracy", action="store_true", help="also run the accuracy targets")
    p.add_argument("--no-speed", action="store_true", help="skip the timing part")
    args = p.parse_args(argv)
    if not args.no_speed:
        bench_speed()
        bench_speed(threads=1)
    if args.accuracy:
        bench_accuracy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
