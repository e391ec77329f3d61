"""Single phase shifter on one waveguide."""

from __future__ import annotations

import numpy as np
from scipy.constants import c as C_LIGHT

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports
from . import _shifter


def transfer(p, wavelength: float) -> np.ndarray:
    """``t = amplitude(loss) · e^{iφ}``."""
    return np.array([[db_to_amplitude(p["loss"]) * np.exp(1j * p["phase"])]])


PHASE_SHIFTER = Component(
    name="phase_shifter",
    kind="phase_shifter",
    doc="Phase shifter of technology `tech` setting phase `phase` (in0 -> out0).",
    params=(
        _shifter.phase_param("phase", "phase shift φ"),
        *_shifter.SHIFTER_PARAMS,
        Param("loss", "dB", 0.25, 0.0, 30.0,
              "thermo 0.25 dB, mems 0.33 dB: SimPhony (Yin et al., DAC 2025); "
              "eo 0.5 dB estimate: the coupler loss range of the same library", "insertion loss"),
        Param("length", "m", 100e-6, 0.0, 0.1,
              "estimate: a ~100 µm heater section (Harris et al. 2014 scale)",
              "length of the shifter section (for the time of flight)"),
        Param("n_g", "1", 3.4, 1.0, 5.0, "SAX and photontorch defaults: n_g 3.4", "group index"),
    ),
    ports=lambda p: optical_ports(1, 1),
    transfer=transfer,
    delay=lambda p: p["n_g"] * p["length"] / C_LIGHT,
    energy=lambda p: {"reprogram": _shifter.reprogram_energy(p, 1)},
    static_power=lambda p: _shifter.static(p, [p["phase"]]),
    settle=_shifter.settle,
    variants=_shifter.tech_variants(
        {"thermo": {"loss": 0.25}, "eo": {"loss": 0.5}, "mems": {"loss": 0.33}}),
)
