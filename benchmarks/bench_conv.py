"""Benchmark of the optical CNNs (run: ``python benchmarks/bench_conv.py [--accuracy] [--norms]``).

Speed (always, unless ``--no-speed``): median wall time of one training epoch on the
4,000 MNIST-5k training images (batch 64, 63 steps), steps only and as ``train_conv``
runs it (steps + scoring the 4,000 train and 1,000 test images), for patch_conv
(k 5, 4 channels, square-law, 4×4 average pooling) with tpfp / bp / frozen and for
column_strip (28 → 28 → 1 per column) with tpfp; with the BLAS's configured threads
and with one thread.  Target: a patch_conv tpfp epoch under 20 s on a 2-core machine.

``--accuracy``: test accuracy of every model/method, seeds 1-3 (80/20 split of MNIST 5k,
100 epochs, batch 64), beside the dense 784-64-10 ReLU network trained by
``emulator.training.train`` on the same splits.  Minutes.

``--norms``: the TPFP conv update's normalisation over the P output positions (sum ÷ √P,
÷ P, ÷ 1) and the F scale, with 4 channels and with 1 channel, against the frozen conv;
prints the accuracy and how far the conv weights moved from their init
(‖W − W₀‖ / ‖W₀‖).  Minutes.

Measured (Xeon, 2 cores, OpenBLAS 1 thread; test %, mean of seeds 1-3, 100 epochs):

    epoch, patch_conv tpfp: 0.15 s steps only, 0.22 s with scoring (target < 20 s)
    patch_conv   tpfp 94.27   frozen conv 94.10   bp (lr 0.03) 96.70
    column_strip tpfp 78.07   frozen      66.50   bp (lr 0.03) 88.00
    dense 784-64-10 relu      tpfp 90.97   frozen 81.23   bp 94.33
    conv update ÷ √P: 94.27 (F 0.02), 93.47 (F 0.05); ÷ P: 94.07 / 94.03 (the conv
    weights move < 1 %: a frozen conv in effect); ÷ 1: diverges.  With 1 channel,
    ÷ √P beats the frozen conv by 2.0-2.3 points on every seed; with 4 it does not.
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

from emulator.conv import train_conv  # noqa: E402
from emulator.conv.train import build_net  # noqa: E402
from emulator.data import load_dataset  # noqa: E402
from emulator.rng import stream  # noqa: E402
from emulator.training.methods import METHODS, StepOptions  # noqa: E402
from emulator.training.net import feedback_matrix, init_weights, one_hot_columns  # noqa: E402

SEEDS = (1, 2, 3)
ROUNDS = 5


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, numpy {np.__version__}"


def epoch_of_steps(data, model: str, method: str, **kw):
    """A function running one epoch of steps (as the loop does), and its step count."""
    net = build_net(data, model, data.n_classes, **kw)
    rng = np.random.default_rng(1)
    W = init_weights(net, rng)
    act = "square" if model == "patch_conv" else "saturable"
    F = feedback_matrix(data.n_features, data.n_classes, 0.02, rng)
    stepper = METHODS[method](W, StepOptions(activation=act), feedback=F, net=net)
    targets = one_hot_columns(data.y_train, data.n_classes)
    n = len(data.X_train)
    lr = 0.01 if method == "bp" else 0.1

    def run():
        order = rng.permutation(n)
        for s in range(0, n, 64):
            idx = order[s:s + 64]
            stepper.step(np.ascontiguousarray(data.X_train[idx].transpose()),
                         targets[:, idx], lr)
    return run, -(-n // 64)


def bench_speed(label: str) -> None:
    data = load_dataset("mnist5k", 1)
    cases = [("patch_conv", "tpfp"), ("patch_conv", "bp"), ("patch_conv", "frozen"),
             ("column_strip", "tpfp")]
    fns = {c: epoch_of_steps(data, *c)[0] for c in cases}
    times = {c: [] for c in cases}
    for f in fns.values():
        f()  # warm-up
    load0 = os.getloadavg()[0]
    for _ in range(ROUNDS):  # interleaved, so a busy machine slows every case alike
        for c, f in fns.items():
            t0 = time.perf_counter()
            f()
            times[c].append(time.perf_counter() - t0)
    full = []
    for _ in range(3):
        h = train_conv(data, epochs=1, progress=False)
        full.append(h.seconds)
    load1 = os.getloadavg()[0]
    print(f"[{label}] {machine()}; load average {load0:.2f} -> {load1:.2f}")
    print(f"  epoch = {len(data.X_train)} training images, batch 64; medians of {ROUNDS}")
    for c in cases:
        print(f"  {c[0]:13s} {c[1]:7s} steps only   {statistics.median(times[c]):7.3f} s/epoch")
    print(f"  patch_conv    tpfp    train_conv epoch (steps + scoring 5,000 images) "
          f"{statistics.median(full):.3f} s   (target < 20 s)")


def with_threads(n, fn, *a):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(n, user_api="blas"):
        return fn(*a)


def mean_runs(fn, seeds=SEEDS):
    accs = []
    for s in seeds:
        accs.append(fn(s))
    return accs


def show(label: str, accs, extra: str = "") -> None:
    print(f"  {label:44s} " + " ".join(f"{100 * a:6.2f}" for a in accs)
          + f"   mean {100 * np.mean(accs):6.2f} %{extra}", flush=True)


def bench_accuracy(epochs: int = 100) -> None:
    from emulator.training import train

    print(f"MNIST 5k, 80/20 split, {epochs} epochs, batch 64, test accuracy, seeds "
          f"{', '.join(map(str, SEEDS))}:")
    runs = [
        ("patch_conv tpfp (k5, 4 ch, square, avg 4x4)", "patch_conv", "tpfp", 0.1),
        ("patch_conv frozen conv (head trained)", "patch_conv", "frozen", 0.1),
        ("patch_conv bp (lr 0.03)", "patch_conv", "bp", 0.03),
        ("column_strip tpfp (28-28-1, saturable)", "column_strip", "tpfp", 0.1),
        ("column_strip frozen", "column_strip", "frozen", 0.1),
        ("column_strip bp (lr 0.03)", "column_strip", "bp", 0.03),
    ]
    for label, model, method, lr in runs:
        show(label, mean_runs(lambda s: train_conv(
            load_dataset("mnist5k", s), model=model, method=method, lr=lr, epochs=epochs,
            seed=s, progress=False).test_accuracy))
    for method in ("tpfp", "frozen", "bp"):
        show(f"dense 784-64-10 relu {method}", mean_runs(lambda s: train(
            load_dataset("mnist5k", s), layers=[784, 64, 10], method=method, epochs=epochs,
            seed=s, progress=False).test_accuracy))


def bench_norms(epochs: int = 100) -> None:
    print(f"TPFP conv normalisation, MNIST 5k, {epochs} epochs, lr 0.1, seeds "
          f"{', '.join(map(str, SEEDS))}; conv weight change ||W - W0|| / ||W0|| in brackets:")
    for channels in (4, 1):
        cases = [(f"frozen conv, {channels} ch", "frozen", None, 0.02)]
        for fscale in (0.05, 0.02):
            cases += [(f"tpfp {norm:4s} F {fscale}, {channels} ch", "tpfp", norm, fscale)
                      for norm in ("sqrt", "mean", "sum")]
        for label, method, norm, fscale in cases:
            accs, moved = [], []
            for s in SEEDS:
                d = load_dataset("mnist5k", s)
                kw = dict(channels=channels, epochs=epochs, seed=s, progress=False)
                if method == "tpfp":
                    kw.update(conv_norm=norm, fscale=fscale)
                w0 = init_weights(build_net(d, channels=channels),
                                  stream(s, "init"))[0]
                try:
                    h = train_conv(d, method=method, **kw)
                except Exception as exc:  # divergence is a result here
                    accs.append(float("nan"))
                    moved.append(float("nan"))
                    print(f"    seed {s}: {str(exc).splitlines()[0][:90]}")
                    continue
                accs.append(h.test_accuracy)
                moved.append(float(np.linalg.norm(h.weights[0] - w0) / np.linalg.norm(w0)))
            show(label, accs, "   [" + " ".join(f"{m:.3f}" for m in moved) + "]")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--accuracy", action="store_true", help="model/method accuracy table")
    p.add_argument("--norms", action="store_true", help="conv normalisation study")
    p.add_argument("--no-speed", action="store_true", help="skip the timing part")
    p.add_argument("--epochs", type=int, default=100)
    args = p.parse_args(argv)
    if not args.no_speed:
        bench_speed("BLAS threads as configured")
        with_threads(1, bench_speed, "BLAS limited to 1 thread")
    if args.accuracy:
        bench_accuracy(args.epochs)
    if args.norms:
        bench_norms(args.epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
