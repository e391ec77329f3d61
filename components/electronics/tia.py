"""Transimpedance amplifier: current in, voltage out."""

from __future__ import annotations

import numpy as np

from ..base import ELECTRICAL, IN, OUT, Component, Param, Port


def noise_sigma(p) -> float:
    """Output voltage noise [V]: input current density · √B · gain, over the receiver's
    band (``noise_bandwidth``) or else the TIA's own bandwidth."""
    band = p["noise_bandwidth"] or p["bandwidth"]
    return p["noise_density"] * np.sqrt(band) * p["gain"]


def noise(p, voltage, rng: np.random.Generator) -> np.ndarray:
    voltage = np.asarray(voltage, dtype=float)
    return voltage + noise_sigma(p) * rng.standard_normal(voltage.shape, dtype=np.float32)


TIA = Component(
    name="tia",
    kind="tia",
    doc="Linear TIA: V = gain·I (e_in -> e_out), input-referred white current noise.",
    params=(
        Param("gain", "Ohm", 1e3, 1.0, 1e7,
              "estimate: puts typical photocurrents near the ADC range",
              "transimpedance"),
        Param("bandwidth", "Hz", 40e9, 1e6, 1e12,
              "the IHP 40 GHz TIA in SimPhony (Yin et al., DAC 2025)",
              "3 dB bandwidth"),
        Param("power", "W", 10e-3, 0.0, 1.0,
              "SimPhony device library (Yin et al., DAC 2025): 3-10 mW, upper end",
              "bias power"),
        Param("noise_density", "A/rtHz", 10e-12, 0.0, 1e-9,
              "~10 pA/rtHz: the IHP 40 GHz TIA in SimPhony (Yin et al., DAC 2025)",
              "input-referred current noise density"),
        Param("noise_bandwidth", "Hz", 0.0, 0.0, 1e12,
              "convention: 0 = the TIA's bandwidth; compiling sets the receiver's",
              "band the noise is integrated over"),
    ),
    ports=lambda p: (Port("e_in", ELECTRICAL, IN), Port("e_out", ELECTRICAL, OUT)),
    delay=lambda p: 0.35 / p["bandwidth"],
    static_power=lambda p: {"bias": p["power"]},
    noise=noise,
    signal=lambda p, current: p["gain"] * np.asarray(current, dtype=float),
    stateful=True,
)
