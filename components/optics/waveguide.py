"""Straight waveguide: propagation loss, phase and time of flight."""

from __future__ import annotations

import numpy as np
from scipy.constants import c as C_LIGHT

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports


def n_eff(p, wavelength: float) -> float:
    """Effective index to first order in λ from the group index (as SAX's ``straight``):
    ``n_eff(λ) = n_eff − (λ − λ₀)·(n_g − n_eff)/λ₀``, since ``n_g = n_eff − λ·dn_eff/dλ``."""
    lam0 = p["wavelength0"]
    return p["n_eff"] - (wavelength - lam0) * (p["n_g"] - p["n_eff"]) / lam0


def transfer(p, wavelength: float) -> np.ndarray:
    """``t = 10^(−(loss + α·L)/20) · exp(i·2π·n_eff(λ)·L/λ)``."""
    length = p["length"]
    amp = db_to_amplitude(p["loss"] + p["loss_per_length"] * length)
    return np.array([[amp * np.exp(2j * np.pi * n_eff(p, wavelength) * length / wavelength)]])


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
              "effective index at wavelength0"),
        Param("n_g", "1", 3.4, 1.0, 5.0, "SAX and photontorch defaults: n_g 3.4",
              "group index (sets the delay and, to first order, the dispersion of n_eff)"),
        Param("wavelength0", "m", 1.55e-6, 0.4e-6, 2.0e-6, "SAX defaults: wl0 1.55 µm, the C band",
              "wavelength λ₀ at which n_eff is given"),
        Param("loss", "dB", 0.0, 0.0, 30.0, "convention: no extra loss",
              "extra lumped loss (bends, transitions)"),
    ),
    ports=lambda p: optical_ports(1, 1),
    transfer=transfer,
    delay=delay,
)
