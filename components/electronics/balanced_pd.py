"""Balanced photodetector pair: two diodes whose currents are subtracted.

``I = R·(|E+|² − |E−|²)`` from in0 (E+) and in1 (E−): the two dark currents cancel in the
mean, so a signed optical dot product (weights on two rails) reads out in one current.
Noise over the band B (``noise_bandwidth`` if set, else the diodes'): the shot noise of
both diodes, ``2·q·(R·(|E+|² + |E−|²) + 2·I_dark)·B``, and unless a TIA reads the pair
(``load: tia``) the thermal noise ``4·k·T·B/R_load`` of the load.  Each diode draws
``bias_power`` (the per-detector figure of accelerator papers).
"""

from __future__ import annotations

import numpy as np

from ..base import ELECTRICAL, IN, OPTICAL, OUT, Component, Param, Port
from .photodetector import shot_and_load_variance


def signal(p, plus, minus) -> np.ndarray:
    return p["responsivity"] * (np.abs(np.asarray(plus)) ** 2 - np.abs(np.asarray(minus)) ** 2)


def noise_variance(p, plus_power, minus_power) -> np.ndarray:
    """Current-noise variance [A²] for the optical powers on the two diodes [W]: both
    diodes' direct current through the single diode's noise model."""
    i_dc = p["responsivity"] * (np.asarray(plus_power) + np.asarray(minus_power))
    return shot_and_load_variance(p, i_dc + 2.0 * p["dark_current"])


def noise(p, current, rng: np.random.Generator) -> np.ndarray:
    """Noisy copy of ``current``; the diodes' DC is bounded below by |I|/R (the difference)."""
    current = np.asarray(current, dtype=float)
    power = np.abs(current) / p["responsivity"] if p["responsivity"] else 0.0 * current
    sigma = np.sqrt(noise_variance(p, power, 0.0))
    return current + sigma * rng.standard_normal(current.shape)


BALANCED_PHOTODETECTOR = Component(
    name="balanced_photodetector",
    kind="detector",
    doc="Balanced photodiode pair: I = R(|in0|² − |in1|²) on e_out.",
    params=(
        Param("responsivity", "A/W", 1.0, 0.0, 2.0,
              "SimPhony (Yin et al., DAC 2025), Lightening-Transformer (Zhu et al., HPCA 2024): "
              "1 A/W", "responsivity R of each diode"),
        Param("bandwidth", "Hz", 20e9, 1e6, 1e12,
              "photontorch defaults 20 GHz (SimPhony: 20-34 GHz)", "electrical bandwidth"),
        Param("dark_current", "A", 50e-9, 0.0, 1e-3,
              "SimPhony (Yin et al., DAC 2025), Lightening-Transformer (Zhu et al., HPCA 2024): "
              "25-60 nA", "dark current of each diode"),
        Param("sensitivity", "W", 10 ** (-25 / 10) * 1e-3, 0.0, 1.0,
              "Lightening-Transformer (Zhu et al., HPCA 2024): -25 dBm",
              "minimum detectable power (for the link budget)"),
        Param("bias_power", "W", 1.1e-3, 0.0, 1.0,
              "Lightening-Transformer (Zhu et al., HPCA 2024): 1.1 mW per photodetector",
              "power drawn by each diode"),
        Param("r_load", "Ohm", 166.0, 1.0, 1e9, "photontorch defaults: 166 Ohm load",
              "load resistance (thermal noise)"),
        Param("temperature", "K", 300.0, 0.0, 1000.0, "estimate: room temperature",
              "noise temperature of the load"),
        Param("noise_bandwidth", "Hz", 0.0, 0.0, 1e12,
              "convention: 0 = the diodes' bandwidth", "band the noise is integrated over"),
        Param("load", "1", "resistor", source="convention: a load resistor; 'tia' when a TIA "
              "reads the pair", choices=("resistor", "tia"),
              doc="what reads the current"),
    ),
    ports=lambda p: (Port("in0", OPTICAL, IN), Port("in1", OPTICAL, IN),
                     Port("e_out", ELECTRICAL, OUT)),
    delay=lambda p: 0.35 / p["bandwidth"],
    static_power=lambda p: {"bias": 2.0 * p["bias_power"]},
    noise=noise,
    signal=signal,
    stateful=True,
)
