"""Waveguide crossing: in0 -> out0 and in1 -> out1 straight through."""

from __future__ import annotations

import numpy as np

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports


def transfer(p, wavelength: float) -> np.ndarray:
    """``t·[[√(1−x), i√x], [i√x, √(1−x)]]`` with power crosstalk ``x = 10^(xt/10)``."""
    x = 10.0 ** (p["crosstalk"] / 10.0)
    s, k = np.sqrt(1.0 - x), np.sqrt(x)
    return db_to_amplitude(p["loss"]) * np.array([[s, 1j * k], [1j * k, s]], dtype=complex)


CROSSING = Component(
    name="crossing",
    kind="passive",
    doc="Waveguide crossing with insertion loss and power crosstalk into the other path.",
    params=(
        Param("loss", "dB", 0.2, 0.0, 30.0,
              "SimPhony device library (Yin et al., DAC 2025): 0.13-0.25 dB",
              "insertion loss"),
        Param("crosstalk", "dB", -40.0, -100.0, 0.0,
              "SimPhony device library (Yin et al., DAC 2025): -30 to -45 dB",
              "power leaking into the crossing path"),
    ),
    ports=lambda p: optical_ports(2, 2),
    transfer=transfer,
)
