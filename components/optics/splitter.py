"""Ideal 1×N splitter and N×1 combiner (MMI / Y-branch tree)."""

from __future__ import annotations

import numpy as np

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports


def _params(role: str) -> tuple[Param, ...]:
    return (
        Param("n", "1", 2, 2, 1024,
              "convention: 2-way (a Y-branch)", f"number of {role}", integer=True),
        Param("loss", "dB", 0.2, 0.0, 30.0,
              "SimPhony device library (Yin et al., DAC 2025): 1×N MMI 0.2 dB",
              "excess insertion loss")
    )


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
)

COMBINER = Component(
    name="combiner",
    kind="passive",
    doc="Nx1 combiner: in0..in{n-1} -> out0; in-phase equal inputs combine without loss.",
    params=_params("inputs"),
    ports=lambda p: optical_ports(int(p["n"]), 1),
    transfer=_combine,
)
