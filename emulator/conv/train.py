"""``train_conv``: the epoch loop of the optical CNNs, with the dense loop's conventions.

One seed drives everything through one ``numpy.random.Generator`` and the child streams
it spawns (initial weights, F, batch order), in the same order as the dense loop.  The
learning rate drops ×0.1 at 60 % and 90 % of the epochs; SGD with momentum 0.9.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from emulator.io.progress import epoch_bar
from emulator.training.loop import divergence_error
from emulator.data import Dataset, load_dataset
from components.errors import Problem, UserError, did_you_mean
from emulator.training.activations import ACTIVATIONS, activation_name
from emulator.training.history import History
from emulator.training.loop import lr_at
from emulator.training.network import DTYPE, feedback_matrix, one_hot_columns

from .bp import ConvBP
from .frozen import ConvFrozen
from .im2col import POOL_MODES, out_size
from .method import CONV_NORMS, ConvOptions
from .network import MODELS, ConvModel, Net, as_map, column_strip, init_weights, patch_conv
from .tpfp import ConvTPFP
from .workload import tile_jobs as _tile_jobs
from .workload import workload as _workload

METHODS = {m.name: m for m in (ConvTPFP, ConvBP, ConvFrozen)}
OUTPUT_ERRORS = ("pass1", "pass2")
BLOWUP = 1e30
# model-specific settings and their defaults (None in the signature means "not given")
CONV_DEFAULTS = dict(kernel=5, channels=4, stride=1, padding=0, pool=4, pool_mode="avg",
                     conv_norm="sqrt")
STRIP_DEFAULTS = dict(hidden=28, readout="linear")
READOUTS = ("linear", "activation")
# measured on MNIST 5k, 100 epochs, seeds 1-3 (benchmarks/bench_conv.py --norms): with a
# square-law conv layer, F scale 0.02 gives 94.3 % against 93.5 % at 0.05 (the update's
# second-order term (W·FΓ)², which only grows the filters, shrinks faster than the useful
# first-order one); the column networks do best with a saturable absorber and 0.05
# (78 % against 72 % at 0.02), and a square-law strip diverged at every lr tried
MODEL_DEFAULTS = {"patch_conv": dict(activation="square", fscale=0.02),
                  "column_strip": dict(activation="saturable", fscale=0.05)}
PER_LAYER = ("kernel", "channels", "stride", "padding", "pool")


@dataclass(eq=False)
class ConvHistory(History):
    """A :class:`~emulator.training.history.History` whose ``model`` is a
    :class:`~emulator.conv.network.ConvModel`; adds the hardware :meth:`workload`."""

    def workload(self, *, ports: int = 32, cores: int = 1, ports_out: int | None = None):
        """Per-image, per-pass work on optical cores (:func:`emulator.conv.workload`)."""
        return _workload(self.model.net, ports=ports, cores=cores, ports_out=ports_out,
                         activation=self.model.activation)

    def tile_jobs(self, *, ports: int = 32, ports_out: int | None = None):
        """The trained tiles to program (:func:`emulator.conv.workload.tile_jobs`)."""
        return _tile_jobs(self.model.net, self.weights, ports=ports, ports_out=ports_out)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["model"] = self.model.net.describe()
        return out


# ------------------------------------------------------------------------ validation
def _is_int(v) -> bool:
    return isinstance(v, Integral) and not isinstance(v, bool)


def _is_real(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _ints(value, key, problems, minimum, hint):
    """A list of ints from an int or a sequence of ints, each >= minimum."""
    seq = list(value) if isinstance(value, (list, tuple)) else [value]
    if not seq or not all(_is_int(v) and v >= minimum for v in seq):
        problems.append(Problem(f"{key} must be an integer >= {minimum} or a list of them, "
                                f"got {value!r}", path=key, hint=hint))
        return None
    return [int(v) for v in seq]


def image_shape(data: Dataset) -> tuple[int, int, int]:
    side = math.isqrt(data.n_features)
    if side * side != data.n_features or side < 2:
        raise UserError(Problem(
            f"the CNN models need square one-channel images, but data set {data.name!r} has "
            f"{data.n_features} features", path="data", hint="use mnist5k, mnist:FOLDER or "
            "digits"))
    return (1, side, side)


def build_net(data_or_image, model: str = "patch_conv", n_classes: int = 10, *, kernel=None,
              channels=None, stride=None, padding=None, pool=None, pool_mode=None,
              hidden=None, readout=None, head=()) -> Net:
    """The network ``train_conv`` would build, checked (a UserError lists every problem)."""
    image = (image_shape(data_or_image) if isinstance(data_or_image, Dataset)
             else tuple(data_or_image))
    problems: list[Problem] = []
    given = dict(kernel=kernel, channels=channels, stride=stride, padding=padding, pool=pool,
                 pool_mode=pool_mode, hidden=hidden, readout=readout)
    if model not in MODELS:
        raise UserError(Problem(f"unknown CNN model {model!r}", path="model",
                                hint=did_you_mean(str(model), MODELS) or "one of "
                                + ", ".join(MODELS)))
    other_model = "column_strip" if model == "patch_conv" else "patch_conv"
    for key in (STRIP_DEFAULTS if model == "patch_conv" else CONV_DEFAULTS):
        if given.get(key) is not None:
            problems.append(Problem(f"{key} applies to model {other_model} only, not "
                                    f"{model!r}", path=key,
                                    hint=f"drop {key}, or use model={other_model!r}"))
    head_sizes = [] if head is None or (isinstance(head, (list, tuple)) and not head) \
        else _ints(head, "head", problems, 1, "hidden sizes of the dense head, e.g. [32]")
    if model == "column_strip":
        h = STRIP_DEFAULTS["hidden"] if hidden is None else hidden
        hid = _ints(h, "hidden", problems, 1, "e.g. hidden=28 (the authors' 28 -> 28 -> 1)")
        ro = STRIP_DEFAULTS["readout"] if readout is None else readout
        if ro not in READOUTS:
            problems.append(Problem(f"unknown readout {ro!r}", path="readout",
                                    hint=did_you_mean(str(ro), READOUTS)
                                    or "linear or activation"))
        if problems:
            raise UserError(problems)
        return column_strip(image, n_classes, hid, head_sizes, ro)

    vals = {k: (CONV_DEFAULTS[k] if given[k] is None else given[k]) for k in PER_LAYER}
    hints = {"kernel": "e.g. 5", "channels": "e.g. 4", "stride": "e.g. 1",
             "padding": "e.g. 0", "pool": "1 for none, e.g. 4"}
    lists = {k: _ints(v, k, problems, 0 if k == "padding" else 1, hints[k])
             for k, v in vals.items()}
    mode = CONV_DEFAULTS["pool_mode"] if pool_mode is None else pool_mode
    if mode not in POOL_MODES:
        problems.append(Problem(f"unknown pool_mode {mode!r}", path="pool_mode",
                                hint=did_you_mean(str(mode), POOL_MODES) or "avg or max"))
    if problems:
        raise UserError(problems)
    n = max(len(v) for v in lists.values())
    lengths = {k: len(v) for k, v in lists.items() if len(v) > 1}
    if len(set(lengths.values())) > 1:
        raise UserError(Problem(
            "the per-layer settings disagree on the number of conv layers: "
            + ", ".join(f"{k} has {m}" for k, m in lengths.items()), path="/".join(lengths),
            hint="give one value for all conv layers, or one per layer"))
    per = {k: v * n if len(v) == 1 else v for k, v in lists.items()}
    _, h, w = image
    for i in range(n):
        k, s, p, q = per["kernel"][i], per["stride"][i], per["padding"][i], per["pool"][i]
        where = f"conv layer {i + 1}"
        if k > min(h, w) + 2 * p:
            problems.append(Problem(f"{where}: kernel {k} is larger than its {h}x{w} input "
                                    f"(padding {p})", path="kernel",
                                    hint=f"use a kernel <= {min(h, w) + 2 * p}"))
            break
        if p >= k:
            problems.append(Problem(f"{where}: padding {p} must be smaller than the kernel "
                                    f"{k}", path="padding"))
            break
        ho, wo = out_size(h, k, s, p), out_size(w, k, s, p)
        if ho < q or wo < q:
            problems.append(Problem(f"{where}: pooling {q}x{q} does not fit its {ho}x{wo} "
                                    f"output", path="pool", hint=f"use pool <= {min(ho, wo)}"))
            break
        h, w = ho // q, wo // q
    if problems:
        raise UserError(problems)
    return patch_conv(image, n_classes, per["kernel"], per["channels"], per["stride"],
                      per["padding"], per["pool"], mode, head_sizes)


def _validate(method, activation, epochs, lr, batch, seed, fscale, momentum, output_error,
              conv_norm):
    problems: list[Problem] = []
    if method not in METHODS:
        problems.append(Problem(f"unknown training method {method!r} for the CNN models",
                                path="method", hint=did_you_mean(str(method), METHODS)
                                or "one of " + ", ".join(METHODS)))
    try:
        activation_name(activation)
    except UserError as err:
        problems.extend(err.problems)
    checks = (
        (_is_int(epochs) and epochs >= 1, "epochs", f"epochs must be an integer >= 1, got "
                                                    f"{epochs!r}"),
        (_is_real(lr) and lr > 0, "lr", f"learning rate must be a finite number > 0, got "
                                        f"{lr!r}"),
        (_is_int(batch) and batch >= 1, "batch", f"batch size must be an integer >= 1, got "
                                                 f"{batch!r}"),
        (_is_int(seed) and seed >= 0, "seed", f"seed must be an integer >= 0, got {seed!r}"),
        (_is_real(fscale) and fscale >= 0, "fscale", f"F scale must be a finite number >= 0, "
                                                     f"got {fscale!r}"),
        (_is_real(momentum) and 0 <= momentum < 1, "momentum", f"momentum must lie in "
                                                               f"[0, 1), got {momentum!r}"),
        (output_error in OUTPUT_ERRORS, "output_error", f"output_error must be one of "
                                                        f"{', '.join(OUTPUT_ERRORS)}, got "
                                                        f"{output_error!r}"),
        (conv_norm is None or conv_norm in CONV_NORMS, "conv_norm",
         f"conv_norm must be one of {', '.join(CONV_NORMS)}, got {conv_norm!r}"),
    )
    problems += [Problem(msg, path=path) for ok, path, msg in checks if not ok]
    return problems


# ------------------------------------------------------------------------ the loop
def _locate_divergence(model: ConvModel, x_cols):
    """Name of the first layer whose weights or outputs blew up, and what happened."""
    net = model.net
    for layer, w in zip(net.layers, model.weights):
        if not np.all(np.isfinite(w)):
            return layer.name, "weights are NaN or infinite"
        if np.max(np.abs(w)) > BLOWUP:
            return layer.name, f"weights overflowed (|w| up to {np.max(np.abs(w)):.3g})"
    f = ACTIVATIONS[model.activation]
    x = as_map(net, np.array(x_cols, dtype=DTYPE))
    with np.errstate(all="ignore"):
        for l, (layer, w) in enumerate(zip(net.layers, model.weights)):
            z = layer.linear(w, layer.unfold(x))
            if not np.all(np.isfinite(z)):
                return layer.name, "outputs are NaN or infinite"
            if l < len(net.layers) - 1:
                x = layer.fold(f(z, z) if layer.activated else z)
    return net.layers[-1].name, "output error is NaN or infinite"


def _diverged(epoch: int, lr: float, model: ConvModel, x_cols):
    name, what = _locate_divergence(model, x_cols)
    return divergence_error(epoch, lr, name, what)


def train_conv(data, model: str = "patch_conv", method: str = "tpfp", epochs: int = 100,
               lr: float = 0.1, batch: int = 64, seed: int = 1, fscale: float | None = None,
               *, kernel=None, channels=None, stride=None, padding=None, pool=None,
               pool_mode: str | None = None, hidden=None, readout: str | None = None,
               head=(), activation: str | None = None, momentum: float = 0.9,
               output_error: str = "pass1", conv_norm: str | None = None,
               schedule: bool = True, progress: bool = True) -> ConvHistory:
    """Train an optical CNN with one method and return its :class:`ConvHistory`.

    ``data``: a :class:`~emulator.data.Dataset` or a spec for
    :func:`~emulator.data.load_dataset` ("mnist5k", "mnist:FOLDER", "digits"), split
    with ``seed``.  ``model``: "patch_conv" (conv settings ``kernel``, ``channels``,
    ``stride``, ``padding``, ``pool`` — an int, or a list with one entry per conv layer —
    ``pool_mode`` "avg"|"max", and ``conv_norm``, TPFP's division of the summed conv
    update: "sqrt" (√positions, default), "mean" or "sum") or "column_strip" (``hidden``,
    the column networks' hidden size(s), default 28; ``readout`` of their scalar output,
    "linear" (coherent, default) or "activation").  ``head``: hidden sizes of the dense
    head (default none).  ``activation`` and ``fscale`` default per model: square-law and
    0.02 for patch_conv, saturable absorber and 0.05 for column_strip (measured best).
    ``method``: "tpfp", "bp" or "frozen".  Bad arguments raise one
    :class:`~components.errors.UserError` listing every problem; NaN/overflow raises a
    :class:`~components.errors.DivergenceError` naming the epoch and layer.
    """
    defaults = MODEL_DEFAULTS.get(model if isinstance(model, str) else "",
                                  MODEL_DEFAULTS["patch_conv"])
    activation = defaults["activation"] if activation is None else activation
    fscale = defaults["fscale"] if fscale is None else fscale
    problems = _validate(method, activation, epochs, lr, batch, seed, fscale, momentum,
                         output_error, conv_norm)
    if model not in MODELS:
        problems.append(Problem(f"unknown CNN model {model!r}", path="model",
                                hint=did_you_mean(str(model), MODELS)
                                or "one of " + ", ".join(MODELS)))
    if conv_norm is not None and model == "column_strip":
        problems.append(Problem("conv_norm applies to model patch_conv only, not "
                                "'column_strip'", path="conv_norm", hint="drop conv_norm"))
    if problems:
        raise UserError(problems)
    data = load_dataset(data, seed) if not isinstance(data, Dataset) else data
    net = build_net(data, model, data.n_classes, kernel=kernel, channels=channels,
                    stride=stride, padding=padding, pool=pool, pool_mode=pool_mode,
                    hidden=hidden, readout=readout, head=head)
    activation = activation_name(activation)
    conv_norm = CONV_DEFAULTS["conv_norm"] if conv_norm is None else conv_norm

    root = np.random.default_rng(seed)
    r_init, r_feedback, r_order = root.spawn(3)
    weights = init_weights(net, r_init)
    F = feedback_matrix(data.n_features, data.n_classes, float(fscale), r_feedback)
    opts = ConvOptions(activation=activation, momentum=float(momentum), fscale=float(fscale),
                       output_error=output_error, conv_norm=conv_norm)
    stepper = METHODS[method](net, weights, opts, feedback=F)
    cmodel = ConvModel(net, activation, weights)

    config = dict(data=data.name, model=model, method=method, epochs=epochs, lr=float(lr),
                  batch=int(batch), seed=seed, fscale=float(fscale), activation=activation,
                  momentum=float(momentum), output_error=output_error, schedule=bool(schedule),
                  head=[l.n_out for l in net.layers if l.kind == "dense"][:-1])
    if model == "patch_conv":
        convs = [l for l in net.layers if l.kind == "conv"]
        config.update(kernel=[c.kernel for c in convs], channels=[c.channels for c in convs],
                      stride=[c.stride for c in convs], padding=[c.padding for c in convs],
                      pool=[c.pool for c in convs], pool_mode=convs[0].pool_mode,
                      conv_norm=conv_norm)
    else:
        strips = [l for l in net.layers if l.kind == "strip"]
        config.update(hidden=[l.n_out for l in strips][:-1],
                      readout="activation" if strips[-1].activated else "linear")
    hist = ConvHistory(method=method, seed=seed, config=config, model=cmodel)

    X, y = data.X_train, data.y_train
    n = len(X)
    b_full = min(int(batch), n)
    targets = one_hot_columns(y, data.n_classes)
    same_sets = data.X_test is data.X_train and data.y_test is data.y_train
    steps = 0
    start = time.perf_counter()
    bar = epoch_bar(progress, f"{model} {method}", epochs)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(epochs):
                rate = lr_at(epoch, epochs, float(lr), schedule)
                order = r_order.permutation(n)
                for s in range(0, n, b_full):
                    idx = order[s:s + b_full]
                    x_cols = np.ascontiguousarray(X[idx].transpose())
                    gamma = stepper.step(x_cols, targets[:, idx], rate)
                    steps += 1
                    if not np.isfinite(gamma.sum()):
                        raise _diverged(epoch + 1, float(lr), cmodel, x_cols)
                tr_acc, tr_loss = cmodel.score(X, y)
                te_acc, te_loss = ((tr_acc, tr_loss) if same_sets
                                   else cmodel.score(data.X_test, data.y_test))
                if not (math.isfinite(tr_loss) and math.isfinite(te_loss)):
                    raise _diverged(epoch + 1, float(lr), cmodel,
                                    np.ascontiguousarray(X[:256].transpose()))
                hist.record_epoch((tr_acc, tr_loss), (te_acc, te_loss), rate)
                if bar is not None:
                    bar.update(bar.task_ids[0], advance=1,
                               description=f"{model} {method} test {100 * te_acc:5.1f} %")
    finally:
        if bar is not None:
            bar.stop()
    hist.counters = {"steps": steps, "samples": n * epochs}
    hist.seconds = time.perf_counter() - start
    return hist


def evaluate_conv(model_or_history, X, y) -> float:
    """Accuracy of a :class:`ConvModel` (or a ConvHistory's model) on rows ``X``."""
    model = getattr(model_or_history, "model", model_or_history)
    if not isinstance(model, ConvModel):
        raise UserError(Problem(f"evaluate_conv needs a ConvModel or a ConvHistory, got "
                                f"{type(model_or_history).__name__}"))
    X = np.asarray(X, dtype=DTYPE)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != model.n_features or len(X) != len(y):
        raise UserError(Problem(f"X must be (N, {model.n_features}) with N labels; got X "
                                f"{X.shape} and {y.shape[0]} labels"))
    return float(np.mean(model.predict(X) == y))
