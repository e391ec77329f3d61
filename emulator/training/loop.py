"""``train`` (dense networks) and ``evaluate``: checked arguments around :func:`fit`."""

from __future__ import annotations

import numpy as np

from components.errors import Problem, UserError
from emulator.data import Dataset, Rows, load_dataset

from .activations import activation_name
from .trainer import divergence_error, fit, lr_at
from .history import History
from .methods import StepOptions
from .net import DTYPE, dense_net
from .network import Model
from .onchip import hardware_config, parse_hardware
from .settings import MODEL_FIELDS, TRAINING_FIELDS, check_settings

DENSE_FIELDS = {**TRAINING_FIELDS, **MODEL_FIELDS}


def _settings(data: Dataset, values: dict) -> dict:
    """The checked arguments of ``train``: one UserError listing every problem."""
    extra = []
    layers = values.get("layers")
    if isinstance(layers, (list, tuple)) and len(layers) >= 2 and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in layers):
        if layers[0] != data.n_features:
            extra.append(Problem(f"the first layer has {layers[0]} inputs but data set "
                                 f"{data.name!r} has {data.n_features} features", path="layers",
                                 hint=f"start the layers with {data.n_features}"))
        if layers[-1] != data.n_classes:
            extra.append(Problem(f"the last layer has {layers[-1]} outputs but data set "
                                 f"{data.name!r} has {data.n_classes} classes", path="layers",
                                 hint=f"end the layers with {data.n_classes}"))
    try:
        parse_hardware(values.get("hardware"))
    except UserError as err:
        extra += err.problems
    out = check_settings(DENSE_FIELDS, {k: v for k, v in values.items() if k in DENSE_FIELDS},
                         extra=extra)
    out["activation"] = activation_name(out["activation"])
    return out


def check_arguments(data, layers=(64, 32, 10), activation="relu", method="tpfp", epochs=100,
                    lr=0.1, batch=64, seed=1, fscale=0.05, dropout=0.0, momentum=0.9,
                    output_error="pass1", hardware=None, **_ignored) -> None:
    """Raise the UserError ``train`` would raise for these arguments, without training."""
    _settings(data, dict(layers=layers, activation=activation, method=method, epochs=epochs,
                         lr=lr, batch=batch, seed=seed, fscale=fscale, dropout=dropout,
                         momentum=momentum, output_error=output_error, hardware=hardware))


def train(data, layers=(64, 32, 10), activation: str = "relu", method: str = "tpfp",
          epochs: int = 100, lr: float = 0.1, batch: int = 64, seed: int = 1,
          fscale: float = 0.05, dropout: float = 0.0, momentum: float = 0.9,
          output_error: str = "pass1", hardware=None, progress: bool = True,
          schedule: bool = True) -> History:
    """Train one dense network with one method and return its :class:`History`.

    ``data`` is a :class:`~emulator.data.Dataset` or a spec for
    :func:`~emulator.data.load_dataset` (split with ``seed``).  ``hardware`` (None, a dict
    such as ``{"core": "netlists/onn_core_16.yaml", "cores": 4}``, a
    :class:`~emulator.chip.spec.ChipSpec` or a :class:`~emulator.chip.Chip`) runs both
    forward passes of every step through that core netlist's chip (in-situ training, see
    :mod:`emulator.training.onchip`); updates stay digital.
    ``batch`` larger than the training set means full batch.  Raises
    :class:`~components.errors.UserError` for bad arguments and
    :class:`~components.errors.DivergenceError` if the weights or outputs become NaN/inf.
    """
    data = load_dataset(data, seed) if not isinstance(data, Dataset) else data
    s = _settings(data, dict(layers=layers, activation=activation, method=method,
                             epochs=epochs, lr=lr, batch=batch, seed=seed, fscale=fscale,
                             dropout=dropout, momentum=momentum, output_error=output_error,
                             schedule=schedule, hardware=hardware))
    hw = parse_hardware(hardware)
    opts = StepOptions(activation=s["activation"], momentum=s["momentum"],
                       dropout=s["dropout"], fscale=s["fscale"],
                       output_error=s["output_error"])
    config = dict(data=data.name, layers=s["layers"], activation=s["activation"],
                  method=s["method"], epochs=s["epochs"], lr=s["lr"], batch=s["batch"],
                  seed=s["seed"], fscale=s["fscale"], dropout=s["dropout"],
                  momentum=s["momentum"], output_error=s["output_error"],
                  schedule=s["schedule"], hardware=hardware_config(hw))
    return fit(data, dense_net(s["layers"]), s["method"], opts, seed=s["seed"],
               epochs=s["epochs"], lr=s["lr"], batch=s["batch"], schedule=s["schedule"],
               hardware=hw, progress=progress, config=config)


def evaluate(model_or_history, X, y, rng=None) -> float:
    """Accuracy of a :class:`Model` (or a History's model) on rows ``X`` with labels ``y``,
    any net.  A model on emulated hardware runs through it, its read-out noise drawn from
    ``rng`` (a Generator or a seed) or else from the model's own stream."""
    model = model_or_history
    if isinstance(model_or_history, History):
        model = model_or_history.model
    if not isinstance(model, Model):
        raise UserError(Problem(f"evaluate needs a Model or a History, got "
                                f"{type(model_or_history).__name__}"))
    X = X if isinstance(X, Rows) else np.asarray(X, dtype=DTYPE)  # Rows: a batch at a time
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != model.n_features or len(X) != len(y):
        raise UserError(Problem(f"X must be (N, {model.n_features}) with N labels; got X "
                                f"{X.shape} and {y.shape[0]} labels"))
    if rng is not None and not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    return float(np.mean(model.predict(X, rng) == y))


__all__ = ["check_arguments", "divergence_error", "evaluate", "lr_at", "train"]
