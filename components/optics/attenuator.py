"""Variable optical attenuator realised by one MZI (see :mod:`.mzi`).

The attenuator is the in0 -> out0 (bar) element of an MZI, ``|T00| = sin(θ/2)``, so a
field transmission ``t`` needs ``θ = 2·asin(t)``: full transmission is the bar state
θ = π and costs P_π of hold power in a thermo-optic part, blocking (t = 0) is free.
Only the θ shifter is charged.  The transfer is the MZI's bar element itself,
``amplitude(loss)·t·i·e^{iθ/2}`` (:func:`field`): its output phase ``π/2 + asin(t)``
(:func:`output_phase`) depends on the setting, and the SVD mapping absorbs it into the
output phase screen of the mesh before it (``emulator.mesh.svd.svd_map``).
"""

from __future__ import annotations

import numpy as np

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports
from . import _shifter
from ._mzi_matrix import mzi_elements


def theta(p):
    """Internal MZI phase that realises the field transmission ``p["transmission"]`` (a
    float, or an array for an array of transmissions)."""
    t = 2.0 * np.arcsin(np.clip(p["transmission"], 0.0, 1.0))
    return float(t) if np.ndim(t) == 0 else t


def field(t):
    """Field transmission (before insertion loss) at amplitude ``t``: the bar element
    T00 of the MZI at θ = 2·asin(t) and φ = 0, ``t·i·e^{i·asin(t)}``; elementwise."""
    return mzi_elements(2.0 * np.arcsin(np.clip(t, 0.0, 1.0)), 0.0)[0]


def output_phase(t):
    """Phase [rad] the attenuator adds at amplitude ``t``: π/2 + asin(t)."""
    return 0.5 * np.pi + np.arcsin(np.clip(t, 0.0, 1.0))


def transfer(p, wavelength: float) -> np.ndarray:
    return np.array([[db_to_amplitude(p["loss"]) * field(p["transmission"])]], dtype=complex)


ATTENUATOR = Component(
    name="attenuator",
    kind="phase_shifter",
    doc="MZI-based variable attenuator: field transmission `transmission` (in0 -> out0).",
    params=(
        Param("transmission", "1", 1.0, 0.0, 1.0, "convention: transparent (t = 1)",
              "field amplitude transmission t (before insertion loss)"),
        Param("loss", "dB", 0.25, 0.0, 30.0,
              "an MZI: mature SOI 0.1-0.3 dB (Bogaerts et al., Nature 2020); "
              "Lightening-Transformer's conservative 0.99 dB (Zhu et al., HPCA 2024)",
              "insertion loss"),
        *_shifter.SHIFTER_PARAMS,
    ),
    ports=lambda p: optical_ports(1, 1),
    transfer=transfer,
    energy=lambda p: {"reprogram": _shifter.reprogram_energy(p, 1)},
    static_power=lambda p: _shifter.static(p, [theta(p)]),
    settle=_shifter.settle,
    variants=_shifter.tech_variants(),
)
