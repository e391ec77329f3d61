"""Phase-shifter technology shared by phase_shifter, mzi and attenuator.

Three technologies, chosen with the ``tech`` parameter; its variant table fills in
the per-technology defaults of the other parameters:

* ``thermo``: a heater.  Holding a phase costs power: the data-dependent model
  (``hold_model="phase"``) charges ``(φ mod 2π)/π · P_π`` per shifter, the
  data-independent one (``"p_pi"``) a full ``P_π`` per shifter (an overestimate).
  Reprogramming has no separate switching energy: its cost is the hold power drawn
  while the new phase settles, which the caller accounts as power × time.
* ``eo``: electro-optic (LiNbO3).  A capacitive load: no hold power, a switching
  energy of tens of fJ and ns settling.
* ``mems``: electrostatic MEMS.  Holding a voltage leaks ~nW regardless of phase, so
  ``p_pi`` is 0 and the leak is the static ``hold_power``; moving the actuator costs
  its C·V² charging energy.

``hold_power`` (the parameter) is a static per-shifter power added for every shifter
on top of the phase-dependent part; ``driver_power`` is what the driver holding a
setting draws (a voltage-held EO or MEMS shifter is not free).  Every write of a
setting also costs one conversion of the driver's DAC (``driver_bits``).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..base import Param
from ..electronics.dac import FOM_REF as DAC_FOM

TECHS = ("thermo", "eo", "mems")

SHIFTER_PARAMS: tuple[Param, ...] = (
    Param("tech", "1", "thermo",
          source="convention: thermo-optic, the most common shifter (Harris et al. 2014)",
          doc="shifter technology", choices=TECHS),
    Param("p_pi", "W", 25e-3, 0.0, 1.0,
          "thermo Harris et al. 2014, P_π 24.8 mW (SimPhony, Yin et al. DAC 2025: 30 mW); "
          "eo, mems 0 (no phase-dependent draw)",
          "power for a π phase shift"),
    Param("settling", "s", 10e-6, 0.0, 1.0,
          "thermo SimPhony (Yin et al., DAC 2025) 10 µs; eo Wang et al. Nature 2018, ns; "
          "mems SimPhony 2 µs",
          "time for a new phase to settle"),
    Param("switch_energy", "J", 0.0, 0.0, 1e-6,
          "thermo 0 (cost is hold power while settling); eo Li et al. 2020, 22 fJ/bit; "
          "mems 4 pJ estimate: C·V² of ~10 fF actuator at ~20 V",
          "energy per reprogramming of one shifter"),
    Param("hold_power", "W", 0.0, 0.0, 1.0,
          "thermo 0 (all phase-dependent); eo 0 estimate: a capacitive load draws no DC; "
          "mems 1 nW, SimPhony (Yin et al., DAC 2025) ~nW",
          "static hold power per shifter, independent of phase"),
    Param("driver_power", "W", 0.0, 0.0, 1.0,
          "thermo 0 (the heater's drive is its hold power); eo, mems 0.1 mW estimate: a "
          "voltage-holding DAC per channel draws 0.05-1 mW in DAC surveys",
          "static power of the driver holding one shifter's setting"),
    Param("hold_model", "1", "phase", source="Harris et al. 2014: heater power ∝ phase, (φ/π)·P_π",
          doc="'phase': (φ mod 2π)/π·P_π; 'p_pi': P_π per shifter", choices=("phase", "p_pi")),
    # what the chip holds when a setting is written (read by the chip model, emulator.chip)
    Param("driver_bits", "bit", 12, 1, 24,
          "estimate: 12-bit driver DACs, usual in multichannel mesh controllers",
          "resolution of the driver: 2^bits phase levels over [0, 2π)", integer=True),
    Param("phase_error", "rad", 0.0, 0.0, 3.2,
          "convention: 0, trimmed after fabrication; set the residual to study it",
          "static fabrication phase error σ, drawn once per chip and shifter"),
    Param("crosstalk", "1", 0.0, 0.0, 0.5,
          "estimate: 0 with thermal isolation trenches, a few % without them",
          "fraction of a heater's phase reaching the nearest same-column shifter"),
)

TECH_DEFAULTS: dict[str, dict[str, float]] = {
    "thermo": {"p_pi": 25e-3, "settling": 10e-6, "switch_energy": 0.0, "hold_power": 0.0,
               "driver_power": 0.0},
    "eo": {"p_pi": 0.0, "settling": 1e-9, "switch_energy": 22e-15, "hold_power": 0.0,
           "driver_power": 0.1e-3},
    "mems": {"p_pi": 0.0, "settling": 2e-6, "switch_energy": 4e-12, "hold_power": 1e-9,
             "driver_power": 0.1e-3},
}


def tech_variants(extra: Mapping[str, Mapping[str, float]] | None = None) -> dict:
    """The ``{"tech": {...}}`` variant table, merged with per-tech ``extra`` defaults."""
    extra = extra or {}
    return {"tech": {t: {**TECH_DEFAULTS[t], **extra.get(t, {})} for t in TECHS}}


def _value(x):
    """A float for one instance, the array for many (an array evaluation)."""
    return float(x) if np.ndim(x) == 0 else x


def hold_power(p, phases):
    """Power [W] to hold the shifters at ``phases`` [rad]: a float for one instance's
    shifters (a list), or per instance when each phase is an array (one value per member
    of a bank, any shape): the shifters run along the first axis."""
    phases = np.asarray(phases, dtype=float)
    n = phases.shape[0] if phases.ndim else 1
    if p["hold_model"] == "p_pi":
        dynamic = n * p["p_pi"]
    else:
        dynamic = np.sum(np.mod(phases, 2.0 * np.pi), axis=0) / np.pi * p["p_pi"]
    return _value(dynamic + n * p["hold_power"])


def static(p, phases) -> dict:
    """Static power [W] of shifters held at ``phases``: the hold (heater or leak) and the
    drivers holding the settings (floats, or arrays as :func:`hold_power`)."""
    n = np.shape(phases)[0] if np.ndim(phases) else 1
    return {"hold": hold_power(p, phases), "driver": _value(n * p["driver_power"])}


def reprogram_energy(p, n_shifters: int) -> float:
    """Energy [J] to write ``n_shifters`` new settings: the shifters' switching energy
    (0 for thermo) plus one conversion of each driver DAC, 2·FoM·bits (the DAC model)."""
    return float(n_shifters * (p["switch_energy"] + 2.0 * DAC_FOM * p["driver_bits"]))


def settle(p) -> float:
    return float(p["settling"])


PHASE_LIMIT = 16.0 * np.pi  # wide enough for unwrapped phases after training updates


def phase_param(name: str, doc: str) -> Param:
    """A phase setting in rad (hold power wraps it mod 2π)."""
    return Param(name, "rad", 0.0, -PHASE_LIMIT, PHASE_LIMIT,
                 "convention: 0 rad = unpowered setting", doc)
