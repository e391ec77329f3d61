"""Straight waveguide: propagation loss, phase and time of flight."""

from __future__ import annotations

import numpy as np
from scipy.constants import c as C_LIGHT

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports


def transfer(p, wavelength: float) -> np.ndarray:
    """``t = 10^(−(loss + α·L)/20) · exp(i·2π·n_eff·L/λ)``."""
    length = p["length"]
    amp = db_to_amplitude(p["loss"] + p["loss_per_length"] * length)
    return np.array([[amp * np.exp(2j * np.pi * p["n_eff"] * length / wavelength)]])


def delay(p) -> float:
    """Group delay ``n_g·L/c``."""
    return p["n_g"] * p["length"] / C_LIGHT


WAVEGUIDE = Component(
    name="waveguide",
    kind="passive",
    doc="Straight single-mode waveguide of length `length` (in0 -> out0).",
    params=(
        Param("length", "m", 1e-3, 0.0, 1.0, "estimate: a 1 mm on-chip route",
              "physical length"),
        Param("loss_per_length", "dB/m", 11.0, 0.0, 1e4,
              "SimPhony device library (Yin et al., DAC 2025): 0.11 dB/cm",
              "propagation loss (3.6 dB/cm for a strip guide, Vlasov & McNab 2004)"),
        Param("n_eff", "1", 2.34, 1.0, 4.0,
              "SAX and photontorch defaults: n_eff 2.34",
              "effective index"),
        Param("n_g", "1", 3.4, 1.0, 5.0, "SAX and photontorch defaults: n_g 3.4", "group index"),
        Param("loss", "dB", 0.0, 0.0, 30.0, "convention: no extra loss",
              "extra lumped loss (bends, transitions)"),
    ),
    ports=lambda p: optical_ports(1, 1),
    transfer=transfer,
    delay=delay,
)
