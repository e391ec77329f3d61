"""Multi-wavelength source: a laser array or a microcomb, ``lines`` lines at ``power`` each.

Lines sit at ``wavelength + k·spacing``, k = 0 … lines−1, on out0 (one bus carrying all
of them).  The compiled circuit is evaluated one wavelength at a time, so at any one line
the source is a laser of ``power``: :func:`signal` returns that line's field.

Wall-plug power: ``lines·power / (wpe·conversion)``.  A laser array converts at its
wall-plug efficiency (``conversion`` 1); a Kerr microcomb is pumped by one laser whose
light reaches the lines at the comb's pump-to-comb ``conversion`` efficiency.
"""

from __future__ import annotations

import numpy as np

from ..base import OPTICAL, OUT, Component, Param, Port


def line_wavelengths(p) -> np.ndarray:
    return p["wavelength"] + p["spacing"] * np.arange(int(p["lines"]))


def optical_power(p) -> float:
    """Total optical output over every line [W]."""
    return int(p["lines"]) * p["power"]


def wall_plug(p) -> float:
    return optical_power(p) / (p["wpe"] * p["conversion"])


MULTI_LASER = Component(
    name="multi_laser",
    kind="laser",
    doc="Multi-wavelength source (laser array or microcomb): `lines` lines of `power` "
        "each on out0; draws lines·power/(wpe·conversion) from the wall.",
    params=(
        Param("type", "1", "array", source="convention: an array of DFB lasers",
              choices=("array", "comb"), doc="laser array or microcomb"),
        Param("lines", "1", 12, 1, 1024,
              "Lightening-Transformer DOTA (Zhu et al., HPCA 2024): 12 wavelengths",
              "number of lines", integer=True),
        Param("power", "W", 1e-3, 0.0, 10.0,
              "estimate: 1 mW per line; size it from the link budget", "optical power per line"),
        Param("wavelength", "m", 1.55e-6, 0.4e-6, 2.0e-6,
              "estimate: C band, line 0 at 1550 nm", "wavelength of line 0"),
        Param("spacing", "m", 0.8e-9, 1e-12, 1e-7,
              "convention: the ITU-T G.694.1 100 GHz grid, 0.8 nm at 1550 nm", "line spacing"),
        Param("wpe", "1", 0.2, 0.01, 1.0,
              "SimPhony (Yin et al., DAC 2025) and Lightening-Transformer (Zhu et al., HPCA "
              "2024): 0.2", "wall-plug efficiency of the laser(s)"),
        Param("conversion", "1", 1.0, 1e-4, 1.0,
              "array: 1 (each line is a laser); comb: Xue et al., Laser Photonics Rev. 11 "
              "(2017), dark-pulse Kerr comb ~30 % pump-to-comb",
              "fraction of the lasers' light that reaches the lines"),
    ),
    ports=lambda p: (Port("out0", OPTICAL, OUT),),
    static_power=lambda p: {"wall_plug": wall_plug(p)},
    signal=lambda p: np.asarray(np.sqrt(p["power"]), dtype=complex),
    variants={"type": {"array": {"conversion": 1.0}, "comb": {"conversion": 0.3}}},
)
