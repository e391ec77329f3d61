"""Continuous-wave laser source."""

from __future__ import annotations

import numpy as np

from ..base import OPTICAL, OUT, Component, Param, Port


def signal(p) -> np.ndarray:
    """Output field amplitude ``√power`` [√W], real phase reference."""
    return np.asarray(np.sqrt(p["power"]), dtype=complex)


LASER = Component(
    name="laser",
    kind="laser",
    doc="CW laser emitting optical power `power` at out0; draws power/wpe from the wall.",
    params=(
        Param("power", "W", 10e-3, 0.0, 10.0,
              "estimate: 10 mW, a typical CW source; size it from the link budget",
              "optical output power"),
        Param("wpe", "1", 0.2, 0.01, 1.0,
              "SimPhony (Yin et al., DAC 2025) and Lightening-Transformer (Zhu et al., HPCA "
              "2024): 0.2",
              "wall-plug efficiency"),
        Param("wavelength", "m", 1.55e-6, 0.4e-6, 2.0e-6, "estimate: 1550 nm, the telecom C band",
              "emission wavelength"),
    ),
    ports=lambda p: (Port("out0", OPTICAL, OUT),),
    static_power=lambda p: {"wall_plug": p["power"] / p["wpe"]},
    signal=signal,
)
