"""``train_conv``: the optical CNNs on the one trainer (:func:`emulator.training.trainer`).

``build_net`` turns the conv settings (declared once in
:data:`emulator.training.settings.CONV_FIELDS`) into a checked
:class:`~emulator.training.net.Net`; ``train_conv`` checks every argument at once and
calls ``fit`` with the same loop, score, divergence message and methods as dense
networks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from components.errors import Problem, UserError, did_you_mean
from emulator.data import Dataset, load_dataset
from emulator.training.activations import activation_name
from emulator.training.trainer import fit
from emulator.training.history import History
from emulator.training.loop import evaluate
from emulator.training.methods import METHODS, StepOptions
from emulator.training.onchip import hardware_config, parse_hardware
from emulator.training.net import Net
from emulator.training.settings import (CONV_FIELDS, MODEL_FIELDS, TRAINING_FIELDS,
                                        check_settings)

from .im2col import out_size
from .network import MODELS, column_strip, patch_conv
from .workload import tile_jobs as _tile_jobs
from .workload import workload as _workload

# model-specific settings and their defaults (None in the signature means "not given")
CONV_DEFAULTS = dict(kernel=[5], channels=[4], stride=[1], padding=[0], pool=[4],
                     pool_mode="avg", conv_norm="sqrt")
STRIP_DEFAULTS = dict(hidden=[28], readout="linear")
# measured on MNIST 5k, 100 epochs, seeds 1-3 (benchmarks/bench_conv.py --norms): with a
# square-law conv layer, F scale 0.02 gives 94.3 % against 93.5 % at 0.05 (the update's
# second-order term (W·FΓ)², which only grows the filters, shrinks faster than the useful
# first-order one); the column networks do best with a saturable absorber and 0.05
# (78 % against 72 % at 0.02), and a square-law strip diverged at every lr tried
MODEL_DEFAULTS = {"patch_conv": dict(activation="square", fscale=0.02),
                  "column_strip": dict(activation="saturable", fscale=0.05)}
PER_LAYER = ("kernel", "channels", "stride", "padding", "pool")
CONV_TRAINING = dict(TRAINING_FIELDS, activation=MODEL_FIELDS["activation"],
                     dropout=MODEL_FIELDS["dropout"])

evaluate_conv = evaluate  # the one evaluation, under the name the CNN API has used


@dataclass(eq=False)
class ConvHistory(History):
    """A :class:`~emulator.training.history.History` of a CNN; adds the hardware
    :meth:`workload` and the tiles to program."""

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


def image_shape(data: Dataset) -> tuple[int, int, int]:
    side = math.isqrt(data.n_features)
    if side * side != data.n_features or side < 2:
        raise UserError(Problem(
            f"the CNN models need square one-channel images, but data set {data.name!r} has "
            f"{data.n_features} features", path="data", hint="use mnist5k, mnist:FOLDER or "
            "digits"))
    return (1, side, side)


def _model_problems(model, given: dict) -> list[Problem]:
    if model not in MODELS:
        return [Problem(f"unknown CNN model {model!r}", path="model",
                        hint=did_you_mean(str(model), MODELS) or "one of " + ", ".join(MODELS))]
    other = "column_strip" if model == "patch_conv" else "patch_conv"
    return [Problem(f"{key} applies to model {other} only, not {model!r}", path=key,
                    hint=f"drop {key}, or use model={other!r}")
            for key in (STRIP_DEFAULTS if model == "patch_conv" else CONV_DEFAULTS)
            if given.get(key) is not None]


def _geometry(image, per: dict, n: int) -> list[Problem]:
    """Each conv layer's kernel, padding and pooling fit its input."""
    _, h, w = image
    for i in range(n):
        k, s, p, q = per["kernel"][i], per["stride"][i], per["padding"][i], per["pool"][i]
        where = f"conv layer {i + 1}"
        if k > min(h, w) + 2 * p:
            return [Problem(f"{where}: kernel {k} is larger than its {h}x{w} input "
                            f"(padding {p})", path="kernel",
                            hint=f"use a kernel <= {min(h, w) + 2 * p}")]
        if p >= k:
            return [Problem(f"{where}: padding {p} must be smaller than the kernel {k}",
                            path="padding")]
        ho, wo = out_size(h, k, s, p), out_size(w, k, s, p)
        if ho < q or wo < q:
            return [Problem(f"{where}: pooling {q}x{q} does not fit its {ho}x{wo} output",
                            path="pool", hint=f"use pool <= {min(ho, wo)}")]
        h, w = ho // q, wo // q
    return []


def build_net(data_or_image, model: str = "patch_conv", n_classes: int = 10, *, kernel=None,
              channels=None, stride=None, padding=None, pool=None, pool_mode=None,
              hidden=None, readout=None, head=(), conv_norm=None) -> Net:
    """The network ``train_conv`` would build, checked (a UserError lists every problem)."""
    image = (image_shape(data_or_image) if isinstance(data_or_image, Dataset)
             else tuple(data_or_image))
    given = dict(kernel=kernel, channels=channels, stride=stride, padding=padding, pool=pool,
                 pool_mode=pool_mode, hidden=hidden, readout=readout, head=head,
                 conv_norm=conv_norm)
    problems = _model_problems(model, given)
    if problems and problems[0].path == "model":
        raise UserError(problems)
    s = check_settings(CONV_FIELDS, given, extra=problems)
    if model == "column_strip":
        return column_strip(image, n_classes, s["hidden"] or STRIP_DEFAULTS["hidden"],
                            s["head"], s["readout"] or STRIP_DEFAULTS["readout"])
    lists = {k: s[k] or CONV_DEFAULTS[k] for k in PER_LAYER}
    lengths = {k: len(v) for k, v in lists.items() if len(v) > 1}
    if len(set(lengths.values())) > 1:
        raise UserError(Problem(
            "the per-layer settings disagree on the number of conv layers: "
            + ", ".join(f"{k} has {m}" for k, m in lengths.items()), path="/".join(lengths),
            hint="give one value for all conv layers, or one per layer"))
    n = max(len(v) for v in lists.values())
    per = {k: v * n if len(v) == 1 else v for k, v in lists.items()}
    problems = _geometry(image, per, n)
    if problems:
        raise UserError(problems)
    return patch_conv(image, n_classes, per["kernel"], per["channels"], per["stride"],
                      per["padding"], per["pool"], s["pool_mode"] or CONV_DEFAULTS["pool_mode"],
                      s["head"])


def train_conv(data, model: str = "patch_conv", method: str = "tpfp", epochs: int = 100,
               lr: float = 0.1, batch: int = 64, seed: int = 1, fscale: float | None = None,
               *, kernel=None, channels=None, stride=None, padding=None, pool=None,
               pool_mode: str | None = None, hidden=None, readout: str | None = None,
               head=(), activation: str | None = None, momentum: float = 0.9,
               output_error: str = "pass1", conv_norm: str | None = None,
               schedule: bool = True, progress: bool = True,
               dropout: float = 0.0, hardware=None) -> ConvHistory:
    """Train an optical CNN with one method and return its :class:`ConvHistory`.

    ``data``: a :class:`~emulator.data.Dataset` or a spec for
    :func:`~emulator.data.load_dataset` ("mnist5k", "mnist:FOLDER", "digits"), split
    with ``seed``.  ``model``: "patch_conv" (conv settings ``kernel``, ``channels``,
    ``stride``, ``padding``, ``pool`` — an int, or a list with one entry per conv layer —
    ``pool_mode`` "avg"|"max", and ``conv_norm``, TPFP's division of the summed conv
    update: "sqrt" (√positions, default), "mean" or "sum") or "column_strip" (``hidden``,
    the column networks' hidden size(s), default 28; ``readout`` of their scalar output,
    "linear" (coherent, default) or "activation").  ``head``: hidden sizes of the dense
    head (default none).  ``dropout``: rate of the hidden outputs' mask (per position and
    image; the same mask in both passes).  ``activation`` and ``fscale`` default per model: square-law and
    0.02 for patch_conv, saturable absorber and 0.05 for column_strip (measured best).
    ``method``: "tpfp", "bp", "frozen" or "bp_modulated".  ``hardware``: a chip
    (:func:`emulator.training.train`'s argument) every layer's product runs through, in
    situ: a conv layer's shared patch network and each strip block on the core's tiles,
    the activation applied after the read-out.  Bad arguments raise one
    :class:`~components.errors.UserError` listing every problem; NaN/overflow raises a
    :class:`~components.errors.DivergenceError` naming the epoch and layer.
    """
    defaults = MODEL_DEFAULTS.get(model if isinstance(model, str) else "",
                                  MODEL_DEFAULTS["patch_conv"])
    values = dict(method=method, epochs=epochs, lr=lr, batch=batch, seed=seed,
                  fscale=defaults["fscale"] if fscale is None else fscale, momentum=momentum,
                  output_error=output_error, schedule=schedule, dropout=dropout,
                  activation=defaults["activation"] if activation is None else activation)
    conv = dict(kernel=kernel, channels=channels, stride=stride, padding=padding, pool=pool,
                pool_mode=pool_mode, hidden=hidden, readout=readout, head=head,
                conv_norm=conv_norm)
    problems = _model_problems(model, conv)
    try:
        check_settings(CONV_FIELDS, conv)
    except UserError as err:
        problems += err.problems
    s = check_settings(CONV_TRAINING, values, extra=problems)
    data = load_dataset(data, s["seed"]) if not isinstance(data, Dataset) else data
    net = build_net(data, model, data.n_classes, **conv)
    activation = activation_name(s["activation"])
    conv_norm = conv_norm or CONV_DEFAULTS["conv_norm"]
    opts = StepOptions(activation=activation, momentum=s["momentum"], fscale=s["fscale"],
                       dropout=s["dropout"], output_error=s["output_error"],
                       conv_norm=conv_norm)
    config = dict(data=data.name, model=model, method=s["method"], epochs=s["epochs"],
                  lr=s["lr"], batch=s["batch"], seed=s["seed"], fscale=s["fscale"],
                  activation=activation, momentum=s["momentum"], dropout=s["dropout"],
                  output_error=s["output_error"], schedule=s["schedule"],
                  head=[l.n_out for l in net.layers if l.kind == "dense"][:-1])
    if model == "patch_conv":
        convs = [l for l in net.layers if l.kind == "conv"]
        config.update({k: [getattr(c, k) for c in convs]
                       for k in PER_LAYER}, pool_mode=convs[0].pool_mode, conv_norm=conv_norm)
    else:
        strips = [l for l in net.layers if l.kind == "strip"]
        config.update(hidden=[l.n_out for l in strips][:-1],
                      readout="activation" if strips[-1].activated else "linear")
    hw = parse_hardware(hardware)
    config["hardware"] = hardware_config(hw)
    return fit(data, net, s["method"], opts, seed=s["seed"], epochs=s["epochs"], lr=s["lr"],
               batch=s["batch"], schedule=s["schedule"], progress=progress, config=config,
               history=ConvHistory, label=f"{model} {s['method']}", hardware=hw)


__all__ = ["CONV_DEFAULTS", "ConvHistory", "METHODS", "MODEL_DEFAULTS", "build_net",
           "evaluate_conv", "image_shape", "train_conv"]
