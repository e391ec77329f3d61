"""Directional coupler with any power split."""

from __future__ import annotations

import numpy as np

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports


def transfer(p, wavelength: float) -> np.ndarray:
    """``out = t · [[√(1−c), i√c], [i√c, √(1−c)]] · in`` with t the loss amplitude."""
    c = p["coupling"]
    s, k = np.sqrt(1.0 - c), np.sqrt(c)
    return db_to_amplitude(p["loss"]) * np.array([[s, 1j * k], [1j * k, s]], dtype=complex)


COUPLER = Component(
    name="coupler",
    kind="passive",
    doc="2x2 directional coupler; power coupling `coupling` crosses to the other arm.",
    params=(
        Param("coupling", "1", 0.5, 0.0, 1.0,
              "convention: 50:50, the mesh building block",
              "power coupling ratio c"),
        Param("loss", "dB", 0.33, 0.0, 30.0,
              "SimPhony device library (Yin et al., DAC 2025): 0.33-0.5 dB",
              "insertion loss"),
    ),
    ports=lambda p: optical_ports(2, 2),
    transfer=transfer,
)
