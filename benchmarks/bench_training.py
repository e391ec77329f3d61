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
4. in-situ vs ideal on a 64×64 mesh: a TPFP step of 64-64-10 at batch 64 with both passes
   through meshes (8-bit phases, σ = 0.02 rad) and the phases re-mapped after the update,
   over the ideal step (target ≤ 3); with the breakdown (re-mapping vs passes) and the
   ratio when the phases are re-programmed only every K steps.

``--accuracy`` also runs the accuracy targets (3 seeds each; minutes): digits 64-32-10,
MNIST 5k 784-64-10, XOR (50 seeds), and in-situ TPFP / deployed BP on digits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import machine  # noqa: E402

from emulator.training.trainer import blas_threads  # noqa: E402
from emulator.training.methods import METHODS, StepOptions  # noqa: E402
from emulator.training.net import dense_net, feedback_matrix, init_weights  # noqa: E402
from emulator.training.optical import Device, HardwareSpec  # noqa: E402

ROUNDS = 15


def interleaved(fns: dict, rounds=ROUNDS, calls=None, best=None) -> dict:
    """Median seconds per call of each function, measured round-robin (the fastest
    round of each goes into ``best`` if given)."""
    calls = calls or {}
    times = {k: [] for k in fns}
    for f in fns.values():
        f()  # warm-up
    for _ in range(rounds):
        for k, f in fns.items():
            n = calls.get(k, 10)
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            times[k].append((time.perf_counter() - t0) / n)
    if best is not None:
        best.update({k: min(v) for k, v in times.items()})
    return {k: statistics.median(v) for k, v in times.items()}


def batch(n_in, n_out, b, rng):
    x = rng.random((n_in, b), dtype=np.float32)
    t = np.zeros((n_out, b), np.float32)
    t[rng.integers(0, n_out, b), np.arange(b)] = 1
    return x, t


def stepper(name, layers, rng_seed=1, device_spec=None, reuse=True):
    W = init_weights(layers, np.random.default_rng(rng_seed))
    F = feedback_matrix(layers[0], layers[-1], 0.05, np.random.default_rng(rng_seed + 1))
    device = None
    if device_spec is not None:
        device = Device(W, device_spec, np.random.default_rng(rng_seed + 2))
    m = METHODS[name](W, StepOptions(), np.random.default_rng(rng_seed + 3), device=device,
                      feedback=F)
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


def bench_in_situ() -> None:
    rng = np.random.default_rng(1)
    layers, b = [64, 64, 10], 64
    x, t = batch(64, 10, b, rng)
    spec = HardwareSpec(phase_bits=8, phase_sigma=0.02)
    with blas_threads(dense_net(layers), b):  # the regime train() runs this network in
        ideal = stepper("tpfp", layers)
        hw = stepper("tpfp", layers, device_spec=spec)

        def in_situ_step():
            hw.step(x, t, 1e-3)
            hw.device.program_all()  # re-map after the update (reprogram_every = 1)

        med = interleaved({"ideal": lambda: ideal.step(x, t, 1e-3),
                           "in-situ, passes only": lambda: hw.step(x, t, 1e-3),
                           "in-situ, re-map": hw.device.program_all,
                           "in-situ step": in_situ_step},
                          rounds=7, calls={"ideal": 200, "in-situ, passes only": 200,
                                           "in-situ, re-map": 3, "in-situ step": 3})
        from emulator.mesh.svd import svd_map
        weights64 = [np.asarray(w, dtype=np.float64) for w in hw.W]
        decompose = interleaved({"map": lambda: [svd_map(w) for w in weights64]},
                                rounds=5, calls={"map": 2})["map"]
    remap = med["in-situ, re-map"]
    print("in-situ TPFP step, 64-64-10, B=64, 8-bit phases, sigma 0.02 rad:")
    print(f"  ideal step {1e6 * med['ideal']:.0f} us; in-situ passes only "
          f"{1e6 * med['in-situ, passes only']:.0f} us; re-mapping both layers "
          f"{1e3 * remap:.1f} ms = SVD + Clements decompositions {1e3 * decompose:.1f} ms "
          f"+ perturbing and realising the matrices {1e3 * (remap - decompose):.1f} ms")
    ratio = med["in-situ step"] / med["ideal"]
    print(f"  in-situ / ideal, re-mapped every step: {ratio:.0f}x (target <= 3)")
    for k in (1, 2, 4, 8, 23, 100, 1000):
        amort = (med["in-situ, passes only"] + med["in-situ, re-map"] / k) / med["ideal"]
        print(f"  re-programmed every {k:4d} steps: {amort:7.1f}x")
    bench_in_situ_runs(layers, dict(phase_bits=8, phase_sigma=0.02))


def bench_in_situ_runs(layers, hw, seeds=(1, 2, 3)) -> None:
    """Whole 100-epoch digits runs: in situ (re-mapped every step, or on drift) vs ideal."""
    from emulator.data import load_dataset
    from emulator.training import train

    print(f"whole digits runs {'-'.join(map(str, layers))}, 100 epochs, B=64, in situ "
          f"{hw}, seeds {seeds}: wall time / ideal run (median), test accuracy (mean)")
    ideal_s, ideal_acc = [], []
    for s in seeds:
        h = train(load_dataset("digits", s), layers=layers, seed=s, progress=False)
        ideal_s.append(h.seconds)
        ideal_acc.append(h.test_accuracy)
    print(f"  ideal                    {np.median(ideal_s):6.2f} s          "
          f"accuracy {100 * np.mean(ideal_acc):6.2f} %")
    for drift in (None, 0.01, 0.03):
        secs, accs, rate = [], [], []
        for s in seeds:
            h = train(load_dataset("digits", s), layers=layers, seed=s, progress=False,
                      hardware=dict(hw, reprogram_drift=drift))
            secs.append(h.seconds)
            accs.append(h.test_accuracy)
            rate.append(h.counters["reprograms"] / (h.counters["steps"] * (len(layers) - 1)))
        label = "re-map every step" if drift is None else f"re-map on drift > {drift:g}"
        print(f"  {label:24s} {np.median(secs):6.2f} s = {np.median(secs) / np.median(ideal_s):5.1f}x "
              f"accuracy {100 * np.mean(accs):6.2f} % (re-mapped {100 * np.mean(rate):5.1f} % "
              f"of layer-steps)", flush=True)


def bench_accuracy() -> None:
    from emulator.data import load_dataset
    from emulator.training import deploy, evaluate, train

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
    print("digits 64-32-10, in situ on meshes (8-bit phases, sigma 0.02 rad), seeds 1-3:")
    hw = dict(phase_bits=8, phase_sigma=0.02)
    for s in (1, 2, 3):
        d = load_dataset("digits", s)
        kw = dict(layers=[64, 32, 10], seed=s, progress=False)
        ideal = train(d, **kw)
        insitu = train(d, hardware=hw, **kw)
        bp = train(d, method="bp", **kw)
        deployed = evaluate(deploy(bp.model, hw, seed=s), d.X_test, d.y_test)
        print(f"  seed {s}: tpfp ideal {100 * ideal.test_accuracy:.2f}, in situ "
              f"{100 * insitu.test_accuracy:.2f} ({insitu.seconds:.0f} s); bp ideal "
              f"{100 * bp.test_accuracy:.2f}, deployed without retraining "
              f"{100 * deployed:.2f}", flush=True)
    print("digits 64-32-10 in situ, phases re-programmed only every K steps (23 steps = "
          "1 epoch):")
    for k in (4, 23):
        accs = [train(load_dataset("digits", s), layers=[64, 32, 10], seed=s, progress=False,
                      hardware=dict(hw, reprogram_every=k)).test_accuracy for s in (1, 2, 3)]
        print(f"  K = {k:2d}: " + " ".join(f"{100 * a:6.2f}" for a in accs)
              + f"   mean {100 * np.mean(accs):6.2f} %", flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--accuracy", action="store_true", help="also run the accuracy targets")
    p.add_argument("--no-speed", action="store_true", help="skip the timing part")
    args = p.parse_args(argv)
    if not args.no_speed:
        bench_speed()
        bench_speed(threads=1)
        bench_in_situ()
    if args.accuracy:
        bench_accuracy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
