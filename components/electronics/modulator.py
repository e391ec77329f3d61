"""Optical amplitude modulator driven by an electrical signal.

Signal model (ideal, linear, signed): ``out = in · amplitude(loss) · clip(V/v_fs, −1, 1)``.
A modulator biased at null (push-pull MZM, or a ring used with a balanced scheme) maps
the drive to a signed field amplitude; the sine response, chirp and the finite
extinction ratio are not modelled in the signal.  ``extinction`` is used by the link
budget (laser power ×1/(1 − 10^(−ER/10))).

Latency: the electro-optic rise time ``0.35/bandwidth`` plus the light's time of flight
through the device, ``n_g·length/c`` (a travelling-wave MZM is millimetres long).
"""

from __future__ import annotations

import numpy as np

from scipy.constants import c as C_LIGHT

from components.units import db_to_amplitude

from ..base import ELECTRICAL, IN, OPTICAL, OUT, Component, Param, Port


def signal(p, field, drive) -> np.ndarray:
    level = np.clip(np.asarray(drive, dtype=float) / p["v_fs"], -1.0, 1.0)
    field = np.asarray(field)  # a real field (real laser light) stays real
    return field * (db_to_amplitude(p["loss"]) * level)


MODULATOR = Component(
    name="modulator",
    kind="modulator",
    doc="Amplitude modulator (MZM or microring): in0 -> out0, electrical drive on `drive`.",
    params=(
        Param("type", "1", "mzm", source="convention: Si MZM (Baehr-Jones et al. 2012)",
              choices=("mzm", "ring"), doc="modulator type"),
        Param("energy_per_symbol", "J", 450e-15, 0.0, 1e-9,
              "mzm Baehr-Jones et al. 2012 (200-450 fJ/bit, upper end); ring Timurdogan et al. "
              "2014 and Lightening-Transformer (Zhu et al., HPCA 2024): 1-42 fJ/bit, upper end",
              "drive energy per symbol"),
        Param("driver_energy", "J", 1e-12, 0.0, 1e-9,
              "estimate: silicon photonic transmitters spend 1-3 pJ/bit in the driver at "
              "25-50 Gb/s, beyond the modulator itself; lower end",
              "electrical driver energy per symbol"),
        Param("symbol_rate", "Hz", 25e9, 1e6, 1e12,
              "mzm Baehr-Jones et al. 2012, 25 Gb/s; ring estimate: taken equal to the MZM",
              "symbol rate"),
        Param("bandwidth", "Hz", 12.5e9, 1e6, 1e12,
              "mzm Lightening-Transformer (Zhu et al., HPCA 2024) 12.5 GHz; "
              "ring estimate: taken equal to the MZM",
              "electro-optic 3 dB bandwidth"),
        Param("loss", "dB", 1.2, 0.0, 30.0,
              "Lightening-Transformer (Zhu et al., HPCA 2024): mzm 1.2 dB, ring 0.95 dB",
              "insertion loss"),
        Param("extinction", "dB", 10.0, 0.0, 60.0,
              "mzm Lightening-Transformer (Zhu et al., HPCA 2024) 10 dB; "
              "ring 7 dB estimate: a ring's notch is shallower than an MZM's", "extinction ratio"),
        Param("lock_power", "W", 0.0, 0.0, 1.0,
              "mzm 0 (nothing to lock); ring Lightening-Transformer (Zhu et al., HPCA 2024) 1.2 mW",
              "static power to hold the operating point (ring thermal lock)"),
        Param("v_fs", "V", 1.0, 1e-3, 100.0,
              "estimate: 1 V, matches the DAC's full scale",
              "drive voltage giving full field transmission"),
        Param("length", "m", 3e-3, 0.0, 0.1,
              "mzm estimate: silicon travelling-wave MZMs are 2-4 mm long (25 Gb/s class, "
              "Baehr-Jones et al. 2012); ring estimate: a ~10 µm-radius ring and its bus, "
              "50 µm",
              "optical path length through the device (for the time of flight)"),
        Param("n_g", "1", 3.4, 1.0, 5.0, "SAX and photontorch defaults: n_g 3.4", "group index"),
    ),
    ports=lambda p: (Port("in0", OPTICAL, IN), Port("out0", OPTICAL, OUT),
                     Port("drive", ELECTRICAL, IN)),
    delay=lambda p: 0.35 / p["bandwidth"] + p["n_g"] * p["length"] / C_LIGHT,
    energy=lambda p: {"symbol": p["energy_per_symbol"], "driver": p["driver_energy"]},
    static_power=lambda p: {"lock": p["lock_power"]},
    signal=signal,
    variants={"type": {
        "mzm": {"energy_per_symbol": 450e-15, "loss": 1.2, "extinction": 10.0, "lock_power": 0.0,
                "length": 3e-3},
        "ring": {"energy_per_symbol": 42e-15, "loss": 0.95, "extinction": 7.0,
                 "lock_power": 1.2e-3, "length": 50e-6},
    }},
    stateful=True,
)
