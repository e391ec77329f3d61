"""Reck triangular mesh: any N×N unitary as N(N−1)/2 MZIs in 2N−3 columns.

Reck, Zeilinger, Bernstein & Bertani, "Experimental realization of any discrete unitary
operator", Phys. Rev. Lett. 73, 58 (1994).  Every MZI is applied from the right (input
side): row N−1 is nulled from left to right with MZIs on columns (0,1), (1,2), …,
(N−2,N−1), which leaves a single unit-modulus entry in the corner; then row N−2 on
columns 0..N−2, and so on.  What remains is the output phase screen.  The nulling
equation is the right-hand one of :mod:`emulator.mesh.clements` (compiled loop in
:mod:`emulator.mesh.kernels`).

Light meets the MZIs in the order applied: the first diagonal of the triangle (modes
0, 1, …, N−2), then the next one (modes 0, …, N−3) two columns later, and so on, so the
last diagonal (a single MZI on modes 0, 1) sits in column 2N−4.
"""

from __future__ import annotations

import numpy as np

from . import kernels
from .layout import MeshPhases, as_square, build_mesh, check_reduced


def _light_order(n: int):
    """(row, column) of every nulling step, in the order applied."""
    for r in range(n - 1, 0, -1):
        for k in range(r):
            yield r, k


def decompose(U, atol: float = 1e-8) -> MeshPhases:
    """Reck mesh of the unitary ``U``: ``mesh_matrix(decompose(U)) == U``.

    Raises UserError if ``U`` is not unitary to ``atol``.
    """
    A = as_square(U)
    n = A.shape[0]
    steps = kernels.reck_reduce(A)  # rows (mode, cos θ/2, sin θ/2, φ), in _light_order
    d = check_reduced(A, atol)
    theta = 2.0 * np.arctan2(steps[:, 2], steps[:, 1])
    return build_mesh(n, "reck", steps[:, 0].astype(np.int64), theta, steps[:, 3],
                      np.angle(d), trusted=True)


def light_modes(n: int) -> list[int]:
    """The upper mode of every MZI of :func:`decompose`, in the order light meets them."""
    return [k for _, k in _light_order(n)]


def layout(n: int, theta=None, phi=None, out_phase=None) -> MeshPhases:
    """The Reck topology on ``n`` modes (same MZI order as :func:`decompose`), with the
    given phases (default 0)."""
    modes = light_modes(n)
    mesh = build_mesh(n, "reck", modes, np.zeros(len(modes)), np.zeros(len(modes)),
                      np.zeros(n))
    return mesh.with_phases(theta, phi, out_phase)
