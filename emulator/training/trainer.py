"""``fit``: the one epoch loop of every trainer (dense networks and optical CNNs).

Every random draw comes from a named stream of the seed (:func:`emulator.rng.stream`):
``init`` (weights), ``feedback`` (F), ``order`` (batches), ``masks`` (dropout),
``chip`` (static hardware errors), ``cell_noise`` (read-out noise while training) and
``eval_noise`` (read-out noise while scoring).  So a run is reproducible, and an ideal
run and an in-situ run with the same seed start from the same weights and see the
batches in the same order.  The learning rate drops ×0.1 at 60 % and 90 % of the epochs.
"""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np

from components.errors import DivergenceError, Problem
from emulator.io.progress import epoch_bar
from emulator.rng import stream

from .history import History
from .methods import METHODS, StepOptions
from .net import Net, feedback_matrix, init_weights, locate_divergence, one_hot_columns
from .network import Model
from .onchip import make_device

SINGLE_THREAD_MACS = 1 << 23  # largest layer's multiply-adds per step below which BLAS
# runs on one thread: small products gain nothing from threads, and on a busy machine
# OpenBLAS's spinning workers made small-network training 5-8× slower (measured)
MILESTONES = (0.6, 0.9)  # η × 0.1 at these fractions of the epochs


def lr_at(epoch: int, epochs: int, lr: float, schedule: bool = True) -> float:
    """Learning rate of a 0-based epoch: η, then ×0.1 from 60 % and again from 90 %."""
    if not schedule:
        return lr
    drops = sum(epoch >= max(1, round(f * epochs)) for f in MILESTONES)
    return lr / 10 ** drops


def divergence_error(epoch: int, lr: float, layer, what: str) -> DivergenceError:
    """The message every trainer gives when weights or outputs turn NaN/inf."""
    return DivergenceError(Problem(
        f"training diverged in epoch {epoch}: layer {layer} {what}", path=f"layer {layer}",
        hint=f"try a smaller learning rate than lr={lr:g}, e.g. lr={lr / 10:g}"))


def blas_threads(net: Net, batch: int):
    """A context limiting BLAS to one thread for small networks (see
    ``SINGLE_THREAD_MACS``); a new controller per call, nothing kept between runs."""
    macs = max(int(np.prod(layer.weight_shape)) * layer.positions for layer in net.layers)
    if macs * batch >= SINGLE_THREAD_MACS:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def fit(data, net: Net, method: str, opts: StepOptions, *, seed: int, epochs: int,
        lr: float, batch: int, schedule: bool = True, hardware=None, progress: bool = True,
        config: dict | None = None, history=History, label: str | None = None) -> History:
    """Train ``net`` on a checked :class:`~emulator.data.Dataset` with one method.

    ``hardware`` (a parsed :class:`~emulator.chip.spec.ChipSpec`, a
    :class:`~emulator.chip.Chip` or None) runs both forward passes of every step through
    that chip (dense nets).  Raises
    :class:`~components.errors.DivergenceError` naming the epoch and layer if the weights
    or outputs become NaN/inf.
    """
    weights = init_weights(net, stream(seed, "init"))
    F = feedback_matrix(net.n_features, net.n_classes, opts.fscale, stream(seed, "feedback"))
    r_order = stream(seed, "order")
    X, y = data.X_train, data.y_train
    n = len(X)
    b_full = min(int(batch), n)
    with blas_threads(net, b_full):
        device = None if hardware is None else make_device(
            weights, hardware, seed, opts.activation, method, net.dense)
        stepper = METHODS[method](weights, opts, stream(seed, "masks"), device=device,
                                  feedback=F, net=net, noise=stream(seed, "cell_noise"))
    model = Model(net, opts.activation, weights, device,
                  rng=None if device is None else stream(seed, "eval_noise"))
    hist = history(method=method, seed=seed, config=dict(config or {}), model=model)
    label = label or method
    targets = one_hot_columns(y, net.n_classes)
    same_sets = data.X_test is data.X_train and data.y_test is data.y_train
    d = X.shape[1]
    steps = 0
    start = time.perf_counter()
    bar = epoch_bar(progress, label, epochs)

    def diverged(epoch, x_cols):
        name, what = locate_divergence(net, weights, opts.activation, x_cols)
        return divergence_error(epoch, float(lr), name, what)

    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
                blas_threads(net, b_full):
            for epoch in range(epochs):
                rate = lr_at(epoch, epochs, float(lr), schedule)
                order = r_order.permutation(n)
                for s in range(0, n, b_full):
                    idx = order[s:s + b_full]
                    b = len(idx)
                    # float32 rows of the batch (a Rows set converts just these)
                    rows = X.take(idx, axis=0, out=stepper.buf("x-rows", (b, d)))
                    t = np.take(targets, idx, axis=1,
                                out=stepper.buf("t", (net.n_classes, b)))
                    x_cols = stepper.buf("x", (d, b))
                    np.copyto(x_cols, rows.transpose())
                    gamma = stepper.step(x_cols, t, rate)
                    steps += 1
                    if not np.isfinite(gamma.sum()):
                        raise diverged(epoch + 1, x_cols)
                    if device is not None:
                        device.after_update(steps)
                if device is not None and epoch == epochs - 1:
                    device.sync()  # the chip holds the final weights
                tr = model.score(X, y)
                te = tr if same_sets else model.score(data.X_test, data.y_test)
                if not (math.isfinite(tr[1]) and math.isfinite(te[1])):
                    raise diverged(epoch + 1, X[:256].transpose())
                hist.record_epoch(tr, te, rate)
                if bar is not None:
                    bar.update(bar.task_ids[0], advance=1,
                               description=f"{label:>12} test {100 * te[0]:5.1f} %")
    finally:
        if bar is not None:
            bar.stop()
    hist.counters = {"steps": steps, "samples": n * epochs}
    if device is not None:
        hist.counters.update(device.counters)
        hist.chip = device.describe()
    hist.seconds = time.perf_counter() - start
    return hist
