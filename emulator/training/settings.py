"""Every trainer argument declared once, as :class:`emulator.schema.Field`\\ s.

``TRAINING_FIELDS`` (the loop), ``MODEL_FIELDS`` (the network) and ``CONV_FIELDS`` (the
optical CNNs' settings) are plain dicts so the scenario schema can reuse them.
:func:`check_settings` runs :func:`emulator.schema.check` over the arguments a trainer
was given and raises one :class:`~components.errors.UserError` listing every problem,
each at the argument's name.
"""

from __future__ import annotations

from components.errors import UserError
from emulator.schema import Field, check

from .activations import ACTIVATIONS, ALIASES
from .methods import METHODS

OUTPUT_ERRORS = ("pass1", "pass2")
CONV_NORMS = ("sqrt", "mean", "sum")
POOL_MODES = ("avg", "max")
READOUTS = ("linear", "activation")


def _positive(v):
    return None if v is None or v > 0 else f"must be > 0, got {v!r}"


def _int_or_list(lo: int, doc: str) -> Field:
    """An integer, or a list with one per layer (normalised to a list)."""
    return Field("list", None, doc, item=Field("int", lo=lo, hi=10_000), min_items=1,
                 nullable=True, alt=Field("int", lo=lo, hi=10_000),
                 coerce=lambda v: list(v) if isinstance(v, tuple)
                 else v if isinstance(v, list) else [v])


TRAINING_FIELDS: dict[str, Field] = {
    "method": Field("choice", "tpfp", "training rule", choices=tuple(METHODS)),
    "epochs": Field("int", 100, "passes over the training set", lo=1, hi=100_000),
    "lr": Field("float", 0.1, "learning rate η (×0.1 at 60 % and 90 % of the epochs)",
                lo=0, hi=100, check=_positive),
    "batch": Field("int", 64, "mini-batch size (larger than the set: full batch)", lo=1,
                   hi=1_000_000),
    "seed": Field("int", 1, "one seed for every random stream of the run", lo=0),
    "fscale": Field("float", 0.05, "scale s of TPFP's fixed feedback matrix F", lo=0,
                    hi=100),
    "momentum": Field("float", 0.9, "SGD momentum", lo=0, hi=0.999),
    "output_error": Field("choice", "pass1", "output-layer error from pass 1 or pass 2",
                          choices=OUTPUT_ERRORS),
    "schedule": Field("bool", True, "drop η ×0.1 at 60 % and 90 % of the epochs"),
}

MODEL_FIELDS: dict[str, Field] = {
    "layers": Field("list", [64, 32, 10], "layer sizes, input first (dense)",
                    item=Field("int", lo=1, hi=1_000_000), min_items=2,
                    coerce=lambda v: list(v) if isinstance(v, tuple) else v),
    "activation": Field("choice", "relu", "hidden-layer nonlinearity",
                        choices=(*ACTIVATIONS, *ALIASES)),
    "dropout": Field("float", 0.0, "dropout rate (mask shared by both passes)", lo=0,
                     hi=0.95),
}

CONV_FIELDS: dict[str, Field] = {
    "kernel": _int_or_list(1, "patch_conv: kernel size k (k×k patches), one or per layer"),
    "channels": _int_or_list(1, "patch_conv: output channels, one or per layer"),
    "stride": _int_or_list(1, "patch_conv: stride, one or per layer"),
    "padding": _int_or_list(0, "patch_conv: zero padding, one or per layer"),
    "pool": _int_or_list(1, "patch_conv: p×p pooling after the layer (1: none)"),
    "pool_mode": Field("choice", None, "patch_conv: pooling", choices=POOL_MODES,
                       nullable=True),
    "conv_norm": Field("choice", None, "patch_conv, TPFP: the summed conv update is "
                       "divided by √positions, positions or 1", choices=CONV_NORMS,
                       nullable=True),
    "hidden": _int_or_list(1, "column_strip: hidden size(s) of the column networks"),
    "readout": Field("choice", None, "column_strip: the column networks' scalar output, "
                     "coherent (linear) or through the activation", choices=READOUTS,
                     nullable=True),
    "head": Field("list", [], "hidden sizes of the dense head", item=Field("int", lo=1,
                  hi=1_000_000), alt=Field("int", lo=1, hi=1_000_000), coerce=lambda v: list(v) if isinstance(v, tuple)
                  else [] if v is None else v if isinstance(v, list) else [v]),
}


def check_settings(fields: dict[str, Field], values: dict, *, extra=()) -> dict:
    """The checked, converted values (``fields`` keys only); one UserError listing every
    problem of ``values`` and the ``extra`` problems found by the caller."""
    try:
        out = check(fields, values)
        problems = []
    except UserError as err:
        out, problems = None, list(err.problems)
    problems += list(extra)
    if problems:
        raise UserError(problems)
    return out
