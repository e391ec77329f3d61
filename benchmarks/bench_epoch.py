"""Benchmark of one full-size training epoch (run: ``python benchmarks/bench_epoch.py``).

A 784-1024-10 TPFP epoch at batch 64 on 60,000 synthetic images of MNIST's shape
(uint8 28×28, 10 classes, drawn from ``--seed``; no download), written as the four
standard IDX files to a temporary folder and read back as ``mnist:FOLDER`` — so the
pixels stay uint8 in a memory map and each batch is converted to float32 on the fly
(:class:`emulator.data.Rows`).  Prints, medians of ``--repeat`` epochs, once with the
BLAS's configured threads and once with one thread (as ``bench_training.py``: one
thread is immune to the thread-sync stalls of a busy shared machine):

1. the machine's fp32 GEMM rate (numpy matmul 2048³), measured around every epoch in
   this same run;
2. the epoch's wall time as ``fit`` runs it (938 steps, then scoring the 60,000 training
   and 10,000 test images), and the steps alone;
3. its rate: the FLOPs the epoch performs — TPFP's nominal 3·2·Σ n_l·n_{l-1} per training
   sample (two forward passes plus the updates, as ``bench_training.py`` counts a step)
   and one forward pass, 2·Σ n_l·n_{l-1}, per scored image — over the epoch's time,
   against the GEMM rate (target ≥ 0.6); also the steps alone and the rate with the
   scoring's FLOPs left out (its time kept), the stricter reading;
4. the peak resident memory of this process (target ≤ 1 GB), beside the 188 MB one
   float32 copy of the training images alone would take.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import machine  # noqa: E402

from emulator.data import load_dataset  # noqa: E402
from emulator.training import train  # noqa: E402

LAYERS = [784, 1024, 10]
BATCH = 64


def write_idx(path: Path, array: np.ndarray) -> None:
    """An uncompressed uint8 IDX file: 0, 0, 0x08, ndim, big-endian sizes, the bytes."""
    head = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape)
    with open(path, "wb") as f:
        f.write(head)
        f.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def synthetic_mnist(folder: Path, seed: int, n_train: int = 60_000, n_test: int = 10_000):
    rng = np.random.default_rng(seed)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte",
                  rng.integers(0, 10, n, dtype=np.uint8))


def gemm_rate(rounds: int = 5) -> float:
    """Median GFLOP/s of a 2048³ fp32 matmul."""
    rng = np.random.default_rng(0)
    A = rng.random((2048, 2048), dtype=np.float32)
    C = np.empty_like(A)
    np.matmul(A, A, out=C)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        np.matmul(A, A, out=C)
        times.append(time.perf_counter() - t0)
    return 2 * 2048 ** 3 / statistics.median(times) / 1e9


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def run(args) -> None:
    with tempfile.TemporaryDirectory(prefix="bench_epoch_") as tmp:
        synthetic_mnist(Path(tmp), args.seed)
        data = load_dataset(f"mnist:{tmp}")
        print(f"machine: {machine()}")
        print(f"data: {len(data.X_train)} + {len(data.X_test)} synthetic uint8 28x28 images "
              f"(seed {args.seed}), stored as {data.X_train!r}")
        for threads in ([args.threads] if args.threads else [None, 1]):
            if threads is None:
                epochs(data, args, "BLAS threads as configured")
                continue
            from threadpoolctl import threadpool_limits

            with threadpool_limits(threads, user_api="blas"):
                epochs(data, args, f"BLAS limited to {threads} thread(s)")
        peak = peak_rss_mb()
        n = len(data.X_train)
        print(f"peak resident memory: {peak:.0f} MB (target <= 1024 MB: "
              f"{'ok' if peak <= 1024 else 'MISSED'}); one float32 copy of the training "
              f"images would be {n * 784 * 4 / 2**20:.0f} MB")


def epochs(data, args, label: str) -> None:
    n = len(data.X_train)
    P = sum(a * b for a, b in zip(LAYERS[:-1], LAYERS[1:]))
    nominal = 3 * 2 * P * n  # FLOPs of the epoch's steps
    scored = 2 * P * (n + len(data.X_test))  # one forward pass per scored image
    gemm, epoch, score = [gemm_rate()], [], []
    print(f"[{label}]")
    for r in range(args.repeat):
        h = train(data, layers=LAYERS, method="tpfp", epochs=1, batch=BATCH,
                  seed=args.seed + r, progress=False)
        epoch.append(h.seconds)
        t0 = time.perf_counter()
        h.model.score(data.X_train, data.y_train)
        h.model.score(data.X_test, data.y_test)
        score.append(time.perf_counter() - t0)
        gemm.append(gemm_rate())
        print(f"  epoch {r + 1}: {h.seconds:.2f} s (its scoring {score[-1]:.2f} s), GEMM "
              f"{gemm[-1]:.1f} GFLOP/s, load average {os.getloadavg()[0]:.2f}", flush=True)
    g, e, s = (statistics.median(x) for x in (gemm, epoch, score))
    steps = max(e - s, 1e-9)
    ratio = (nominal + scored) / e / 1e9 / g
    print(f"  fp32 GEMM 2048^3: {g:.1f} GFLOP/s (median of {len(gemm)} measurements around "
          f"the epochs)")
    print(f"  TPFP 784-1024-10 epoch, batch {BATCH}, {-(-n // BATCH)} steps: {e:.2f} s "
          f"(median of {len(epoch)}; steps alone ~{steps:.2f} s, scoring {s:.2f} s)")
    print(f"  rate over the whole epoch (steps and scoring): {(nominal + scored) / e / 1e9:.1f} "
          f"GFLOP/s = {ratio:.2f} x GEMM rate (target >= 0.6: "
          f"{'ok' if ratio >= 0.6 else 'MISSED'}); steps alone {nominal / steps / 1e9 / g:.2f} x;"
          f" scoring's FLOPs left out {nominal / e / 1e9 / g:.2f} x")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="epochs to time (medians)")
    p.add_argument("--seed", type=int, default=1, help="seed of the synthetic images")
    p.add_argument("--threads", type=int, default=None,
                   help="only this many BLAS threads (default: as configured, then 1)")
    args = p.parse_args(argv)
    args.repeat = max(1, args.repeat)
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
