"""The 2x2 MZI transfer matrix: the one closed form of the project.

An MZI on modes (m, m+1) is coupler B, internal shifter θ on the upper arm, coupler B,
with an external shifter φ on the upper input arm (light meets φ first)::

    T(θ, φ) = B · diag(e^{iθ}, 1) · B · diag(e^{iφ}, 1),    B = (1/√2) [[1, i], [i, 1]]
            = i·e^{iθ/2} · [[e^{iφ} sin(θ/2),  cos(θ/2)],
                            [e^{iφ} cos(θ/2), −sin(θ/2)]]

Rows are the outputs (m, m+1), columns the inputs.  θ = 0 is the cross state (all light
changes arm), θ = π the bar state.  The MZI component (:mod:`components.optics.mzi`) and
the mesh code (``emulator.mesh``) both use these functions.
"""

from __future__ import annotations

import numpy as np


def mzi_elements(theta, phi):
    """The four entries ``(t00, t01, t10, t11)`` of T(θ, φ), broadcast over arrays."""
    theta = np.asarray(theta, dtype=float)
    phi = np.asarray(phi, dtype=float)
    g = 1j * np.exp(0.5j * theta)
    s, c = np.sin(0.5 * theta), np.cos(0.5 * theta)
    ephi = np.exp(1j * phi)
    return g * ephi * s, g * c, g * ephi * c, -g * s


def mzi_matrices(theta, phi) -> np.ndarray:
    """T(θ, φ) for arrays of phases: shape ``broadcast(θ, φ).shape + (2, 2)``."""
    t00, t01, t10, t11 = np.broadcast_arrays(*mzi_elements(theta, phi))
    return np.stack([np.stack([t00, t01], axis=-1), np.stack([t10, t11], axis=-1)], axis=-2)


def mzi_matrix(theta: float, phi: float) -> np.ndarray:
    """The 2x2 complex transfer matrix T(θ, φ) of one MZI (the entries of
    :func:`mzi_matrices`, without its stacking: compiling a 256-port mesh calls this
    32,640 times)."""
    t00, t01, t10, t11 = mzi_elements(float(theta), float(phi))
    return np.array([[t00, t01], [t10, t11]])
