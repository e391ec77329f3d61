"""Mach-Zehnder interferometer: two 50:50 couplers and two phase shifters.

Convention.  Light entering ``in0`` first passes a phase shifter ``φ`` (``in1`` has
none), then a 50:50 coupler, then a phase shifter ``θ`` on the upper (index 0)
internal arm, then a second 50:50 coupler.  With the coupler matrix
``B = (1/√2)·[[1, i], [i, 1]]``::

    T(θ, φ) = B · diag(e^{iθ}, 1) · B · diag(e^{iφ}, 1)

(closed form in :mod:`components.optics._mzi_matrix`, shared with the mesh code) times
the amplitude of the total insertion loss ``loss``.  θ = 0 is the cross state
(in0 -> out1), θ = π the bar state (in0 -> out0).  Hold power counts both shifters.
"""

from __future__ import annotations

import numpy as np
from scipy.constants import c as C_LIGHT

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports
from . import _shifter
from ._mzi_matrix import mzi_matrices, mzi_matrix


def transfer(p, wavelength: float) -> np.ndarray:
    return mzi_matrix(p["theta"], p["phi"]) * db_to_amplitude(p["loss"])


def transfer_many(ps, wavelength: float) -> np.ndarray:
    """:func:`transfer` of many MZIs at once, shape (G, 2, 2)."""
    theta, phi, loss = (np.array([p[k] for p in ps], dtype=float)
                        for k in ("theta", "phi", "loss"))
    return mzi_matrices(theta, phi) * db_to_amplitude(loss)[:, None, None]


MZI = Component(
    name="mzi",
    kind="phase_shifter",
    doc="2x2 MZI with internal phase `theta` and external input phase `phi`.",
    params=(
        _shifter.phase_param("theta", "internal phase θ (upper arm, between couplers)"),
        _shifter.phase_param("phi", "external phase φ (on input in0)"),
        *_shifter.SHIFTER_PARAMS,
        Param("loss", "dB", 0.25, 0.0, 30.0,
              "mature SOI 0.1-0.3 dB (Bogaerts et al., Nature 2020); the conservative corner "
              "is Lightening-Transformer's 0.99 dB (Zhu et al., HPCA 2024)",
              "total insertion loss"),
        Param("length", "m", 180e-6, 0.0, 0.1,
              "estimate: 180 µm, two couplers plus a ~100 µm heater section",
              "device length (for the time of flight)"),
        Param("n_g", "1", 3.4, 1.0, 5.0, "SAX and photontorch defaults: n_g 3.4", "group index"),
    ),
    ports=lambda p: optical_ports(2, 2),
    transfer=transfer,
    transfer_many=transfer_many,
    delay=lambda p: p["n_g"] * p["length"] / C_LIGHT,
    energy=lambda p: {"reprogram": _shifter.reprogram_energy(p, 2)},
    static_power=lambda p: _shifter.static(p, [p["theta"], p["phi"]]),
    settle=_shifter.settle,
    variants=_shifter.tech_variants(),
)
