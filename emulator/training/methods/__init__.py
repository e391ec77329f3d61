"""Training methods by name: ``tpfp`` (the rule), ``bp``, ``frozen``, ``bp_modulated``."""

from __future__ import annotations

from components.errors import Problem, UserError, did_you_mean

from .base import Method, StepOptions
from .bp import BP
from .bp_modulated import BPModulated
from .frozen import Frozen
from .tpfp import TPFP

METHODS: dict[str, type[Method]] = {m.name: m for m in (TPFP, BP, Frozen, BPModulated)}


def method_class(name: str) -> type[Method]:
    if name not in METHODS:
        raise UserError(Problem(f"unknown training method {name!r}", path="method",
                                hint=did_you_mean(name, METHODS)
                                or "one of " + ", ".join(METHODS)))
    return METHODS[name]


__all__ = ["METHODS", "Method", "StepOptions", "method_class"]
