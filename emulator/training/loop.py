"""``train`` and ``evaluate``: the epoch loop around a method's step.

One seed drives everything through one ``numpy.random.Generator`` and the independent
child streams it spawns (initial weights, F, batch order, dropout/noise, hardware
errors, evaluation noise), so a run is reproducible and an ideal run and an in-situ run
with the same seed start from the same weights and see the batches in the same order.
"""

from __future__ import annotations

import contextlib
import math
import time
from numbers import Integral, Real

import numpy as np

from emulator.io.progress import epoch_bar
from emulator.data import Dataset, load_dataset
from components.errors import DivergenceError, Problem, UserError

from .activations import ACTIVATIONS, activation_name
from .history import History
from .methods import METHODS, StepOptions, method_class
from .network import DTYPE, Model, feedback_matrix, init_weights, one_hot_columns

OUTPUT_ERRORS = ("pass1", "pass2")
SINGLE_THREAD_MACS = 1 << 23  # largest layer's multiply-adds per step below which BLAS
# runs on one thread: small products gain nothing from threads, and on a busy machine
# OpenBLAS's spinning workers made small-network training 5-8× slower (measured)
MILESTONES = (0.6, 0.9)  # η × 0.1 at these fractions of the epochs
BLOWUP = 1e30  # |w| beyond this counts as overflow


def lr_at(epoch: int, epochs: int, lr: float, schedule: bool = True) -> float:
    """Learning rate of a 0-based epoch: η, then ×0.1 from 60 % and again from 90 %."""
    if not schedule:
        return lr
    drops = sum(epoch >= max(1, round(f * epochs)) for f in MILESTONES)
    return lr / 10 ** drops


def _check(problems, ok, path, message, hint=None):
    if not ok:
        problems.append(Problem(message, path=path, hint=hint))


def _is_int(v) -> bool:
    return isinstance(v, Integral) and not isinstance(v, bool)


def _is_real(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _validate(data: Dataset, layers, activation, method, epochs, lr, batch, seed, fscale,
              dropout, momentum, output_error):
    """Every problem with the arguments at once, as one UserError."""
    problems: list[Problem] = []
    for fn, value in ((method_class, method), (activation_name, activation)):
        try:
            fn(value)
        except UserError as err:
            problems.extend(err.problems)
    try:
        layers = [int(n) for n in layers]
        bad_layers = len(layers) < 2 or min(layers) < 1
    except (TypeError, ValueError):
        bad_layers = True
    if bad_layers:
        problems.append(Problem(f"layers must be at least two positive sizes, got {layers!r}",
                                path="layers", hint="e.g. [64, 32, 10]"))
    else:
        _check(problems, layers[0] == data.n_features, "layers",
               f"the first layer has {layers[0]} inputs but data set {data.name!r} has "
               f"{data.n_features} features", f"start the layers with {data.n_features}")
        _check(problems, layers[-1] == data.n_classes, "layers",
               f"the last layer has {layers[-1]} outputs but data set {data.name!r} has "
               f"{data.n_classes} classes", f"end the layers with {data.n_classes}")
    _check(problems, _is_int(epochs) and epochs >= 1, "epochs",
           f"epochs must be an integer >= 1, got {epochs!r}")
    _check(problems, _is_real(lr) and lr > 0, "lr",
           f"learning rate must be a finite number > 0, got {lr!r}")
    _check(problems, _is_int(batch) and batch >= 1, "batch",
           f"batch size must be an integer >= 1, got {batch!r}")
    _check(problems, _is_int(seed) and seed >= 0, "seed",
           f"seed must be an integer >= 0, got {seed!r}")
    _check(problems, _is_real(fscale) and fscale >= 0, "fscale",
           f"F scale must be a finite number >= 0, got {fscale!r}")
    _check(problems, _is_real(dropout) and 0 <= dropout < 1, "dropout",
           f"dropout must lie in [0, 1), got {dropout!r}")
    _check(problems, _is_real(momentum) and 0 <= momentum < 1, "momentum",
           f"momentum must lie in [0, 1), got {momentum!r}")
    _check(problems, output_error in OUTPUT_ERRORS, "output_error",
           f"output_error must be one of {', '.join(OUTPUT_ERRORS)}, got {output_error!r}")
    if problems:
        raise UserError(problems)
    return layers


def check_arguments(data, layers=(64, 32, 10), activation="relu", method="tpfp", epochs=100,
                    lr=0.1, batch=64, seed=1, fscale=0.05, dropout=0.0, momentum=0.9,
                    output_error="pass1", hardware=None, **_ignored) -> None:
    """Raise the UserError ``train`` would raise for these arguments, without training."""
    from .optical import HardwareSpec

    _validate(data, layers, activation, method, epochs, lr, batch, seed, fscale, dropout,
              momentum, output_error)
    HardwareSpec.parse(hardware)


def _locate_divergence(weights, activation, x_cols):
    """(layer number from 1, what) of the first layer whose weights or outputs blew up."""
    for l, w in enumerate(weights):
        if not np.all(np.isfinite(w)):
            return l + 1, "weights are NaN or infinite"
        if np.max(np.abs(w)) > BLOWUP:
            return l + 1, f"weights overflowed (|w| up to {np.max(np.abs(w)):.3g})"
    act = ACTIVATIONS[activation]
    x = np.array(x_cols, dtype=DTYPE)
    with np.errstate(all="ignore"):
        for l, w in enumerate(weights):
            x = np.matmul(w, x)
            if l < len(weights) - 1:
                act(x, x)
            if not np.all(np.isfinite(x)):
                return l + 1, "outputs are NaN or infinite"
    return len(weights), "output error is NaN or infinite"


def _diverged(epoch, lr, weights, activation, x_cols):
    layer, what = _locate_divergence(weights, activation, x_cols)
    return divergence_error(epoch, lr, layer, what)


def divergence_error(epoch: int, lr: float, layer, what: str) -> DivergenceError:
    """The message every trainer gives when weights or outputs turn NaN/inf."""
    return DivergenceError(Problem(
        f"training diverged in epoch {epoch}: layer {layer} {what}", path=f"layer {layer}",
        hint=f"try a smaller learning rate than lr={lr:g}, e.g. lr={lr / 10:g}"))


_controller = None


@contextlib.contextmanager
def _blas_threads(layers, batch: int):
    """One BLAS thread for small networks (see ``SINGLE_THREAD_MACS``), else as is."""
    global _controller
    macs = max(a * b for a, b in zip(layers[:-1], layers[1:])) * batch
    if macs >= SINGLE_THREAD_MACS:
        yield
        return
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - comes with scikit-learn
        yield
        return
    if _controller is None:
        _controller = ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield


def train(data, layers=(64, 32, 10), activation: str = "relu", method: str = "tpfp",
          epochs: int = 100, lr: float = 0.1, batch: int = 64, seed: int = 1,
          fscale: float = 0.05, dropout: float = 0.0, momentum: float = 0.9,
          output_error: str = "pass1", hardware=None, progress: bool = True,
          schedule: bool = True) -> History:
    """Train one network with one method and return its :class:`History`.

    ``data`` is a :class:`~emulator.data.Dataset` or a spec for
    :func:`~emulator.data.load_dataset` (split with ``seed``).  ``hardware`` (None, a dict
    or a :class:`~emulator.training.optical.HardwareSpec`) runs both forward passes of every
    step through emulated optical meshes (in-situ training); updates stay digital.
    ``batch`` larger than the training set means full batch.  Raises
    :class:`~components.errors.UserError` for bad arguments and
    :class:`~components.errors.DivergenceError` if the weights or outputs become NaN/inf.
    """
    data = load_dataset(data, seed) if not isinstance(data, Dataset) else data
    layers = _validate(data, layers, activation, method, epochs, lr, batch, seed, fscale,
                       dropout, momentum, output_error)
    activation = activation_name(activation)
    from .optical import HardwareSpec, build_device

    hw = HardwareSpec.parse(hardware)
    root = np.random.default_rng(seed)
    r_init, r_feedback, r_order, r_step, r_hw, r_eval = root.spawn(6)
    weights = init_weights(layers, r_init)
    F = feedback_matrix(layers[0], layers[-1], float(fscale), r_feedback)
    X, y = data.X_train, data.y_train
    n = len(X)
    b_full = min(int(batch), n)
    with _blas_threads(layers, b_full):
        device = build_device(weights, hw, r_hw) if hw is not None else None
    opts = StepOptions(activation=activation, momentum=float(momentum),
                       dropout=float(dropout), fscale=float(fscale), output_error=output_error)
    stepper = METHODS[method](weights, opts, r_step, device=device, feedback=F)
    model = Model(tuple(layers), activation, weights, device, _rng=r_eval)

    config = dict(data=data.name, layers=list(layers), activation=activation, method=method,
                  epochs=epochs, lr=float(lr), batch=int(batch), seed=seed,
                  fscale=float(fscale), dropout=float(dropout), momentum=float(momentum),
                  output_error=output_error, schedule=bool(schedule),
                  hardware=None if hw is None else hw.as_dict())
    hist = History(method=method, seed=seed, config=config, model=model)

    targets = one_hot_columns(y, layers[-1])
    same_sets = data.X_test is data.X_train and data.y_test is data.y_train
    steps = 0
    start = time.perf_counter()
    bar = epoch_bar(progress, method, epochs)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
                _blas_threads(layers, b_full):
            for epoch in range(epochs):
                rate = lr_at(epoch, epochs, float(lr), schedule)
                order = r_order.permutation(n)
                for s in range(0, n, b_full):
                    idx = order[s:s + b_full]
                    b = len(idx)
                    rows = np.take(X, idx, axis=0, out=stepper.buf("x-rows", (b, X.shape[1])))
                    t = np.take(targets, idx, axis=1, out=stepper.buf("t", (layers[-1], b)))
                    x_cols = stepper.buf("x", (X.shape[1], b))
                    np.copyto(x_cols, rows.transpose())
                    gamma = stepper.step(x_cols, t, rate)
                    steps += 1
                    if not np.isfinite(gamma.sum()):
                        raise _diverged(epoch + 1, float(lr), weights, activation, x_cols)
                    if device is not None:
                        device.after_update(steps)
                if device is not None and epoch == epochs - 1:
                    device.sync()  # the chip holds the final weights
                tr_acc, tr_loss = model.score(X, y)
                if same_sets:
                    te_acc, te_loss = tr_acc, tr_loss
                else:
                    te_acc, te_loss = model.score(data.X_test, data.y_test)
                if not (math.isfinite(tr_loss) and math.isfinite(te_loss)):
                    raise _diverged(epoch + 1, float(lr), weights, activation,
                                    X[:256].transpose())
                hist.record_epoch((tr_acc, tr_loss), (te_acc, te_loss), rate)
                if bar is not None:
                    bar.update(bar.task_ids[0], advance=1,
                               description=f"{method:>12} test {100 * te_acc:5.1f} %")
    finally:
        if bar is not None:
            bar.stop()
    hist.counters = {"steps": steps, "samples": n * epochs}
    if device is not None:
        hist.counters.update(device.counters)
    hist.seconds = time.perf_counter() - start
    return hist


def evaluate(model_or_history, X, y, rng=None) -> float:
    """Accuracy of a :class:`Model` (or a History's model) on rows ``X`` with labels ``y``.
    A model on emulated hardware runs through it (noise drawn from ``rng``)."""
    model = getattr(model_or_history, "model", model_or_history)
    if not isinstance(model, Model):
        raise UserError(Problem(f"evaluate needs a Model or a History, got "
                                f"{type(model_or_history).__name__}"))
    X = np.asarray(X, dtype=DTYPE)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != model.layers[0] or len(X) != len(y):
        raise UserError(Problem(f"X must be (N, {model.layers[0]}) with N labels; got X "
                                f"{X.shape} and {y.shape[0]} labels"))
    if rng is not None:
        rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    return float(np.mean(model.predict(X, rng) == y))
