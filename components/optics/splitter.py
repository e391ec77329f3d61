"""Ideal 1×N splitter and N×1 combiner (MMI / Y-branch tree).

Time of flight: a tree of ``ceil(log2 N)`` 1×2 stages, each ``stage_length`` long
(the MMI or Y-branch and the S-bends fanning out to the next stage), ``n_g·L/c``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.constants import c as C_LIGHT

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports


def _params(role: str) -> tuple[Param, ...]:
    return (
        Param("n", "1", 2, 2, 1024,
              "convention: 2-way (a Y-branch)", f"number of {role}", integer=True),
        Param("loss", "dB", 0.2, 0.0, 30.0,
              "SimPhony device library (Yin et al., DAC 2025): 1×N MMI 0.2 dB",
              "excess insertion loss"),
        Param("stage_length", "m", 100e-6, 0.0, 0.1,
              "estimate: a 1×2 MMI or Y-branch (10-30 µm) plus the S-bends fanning out to "
              "the next stage",
              "length of one 1×2 stage of the tree (for the time of flight)"),
        Param("n_g", "1", 3.4, 1.0, 5.0, "SAX and photontorch defaults: n_g 3.4", "group index"),
    )


def delay(p) -> float:
    """Time of flight through the ``ceil(log2 n)`` stages of the tree [s]."""
    return math.ceil(math.log2(int(p["n"]))) * p["stage_length"] * p["n_g"] / C_LIGHT


def _split(p, wavelength: float) -> np.ndarray:
    n = int(p["n"])
    return db_to_amplitude(p["loss"]) / np.sqrt(n) * np.ones((n, 1), dtype=complex)


def _combine(p, wavelength: float) -> np.ndarray:
    n = int(p["n"])
    return db_to_amplitude(p["loss"]) / np.sqrt(n) * np.ones((1, n), dtype=complex)


SPLITTER = Component(
    name="splitter",
    kind="passive",
    doc="1xN power splitter: in0 -> out0..out{n-1}, equal split.",
    params=_params("outputs"),
    ports=lambda p: optical_ports(1, int(p["n"])),
    transfer=_split,
    delay=delay,
)

COMBINER = Component(
    name="combiner",
    kind="passive",
    doc="Nx1 combiner: in0..in{n-1} -> out0; in-phase equal inputs combine without loss.",
    params=_params("inputs"),
    ports=lambda p: optical_ports(int(p["n"]), 1),
    transfer=_combine,
    delay=delay,
)
