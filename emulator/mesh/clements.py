"""Clements rectangular mesh: any N×N unitary as N(N−1)/2 MZIs in N columns.

Clements, Humphreys, Metcalf, Kolthammer & Walmsley, "Optimal design for universal
multiport interferometers", Optica 3, 1460 (2016).  The matrix is reduced to a diagonal
by nulling its lower-left triangle one anti-diagonal at a time, alternating between MZIs
applied from the right (T⁻¹, acting on two columns) and from the left (T, acting on two
rows); the left-hand MZIs are then moved through the diagonal so that every MZI ends up
on the input side of one output phase screen.

Nulling equations, for our T(θ, φ) = i·e^{iθ/2}·[[e^{iφ}s, c], [e^{iφ}c, −s]]
(s = sin θ/2, c = cos θ/2; see :mod:`components.optics._mzi_matrix`):

* from the right, on columns (k, k+1) of row r, with a = U[r,k], b = U[r,k+1]:
  (U·T†)[r,k] ∝ a·e^{−iφ}s + b·c = 0  ⇒  θ = 2·atan2(|b|, |a|),  φ = arg a − arg b + π;
* from the left, on rows (m, m+1) of column k, with a = U[m,k], b = U[m+1,k]:
  (T·U)[m+1,k] ∝ e^{iφ}c·a − s·b = 0  ⇒  θ = 2·atan2(|a|, |b|),  φ = arg b − arg a;
* moving a left MZI through the diagonal, T(θ,φ)⁻¹·diag(d₁, d₂) = diag(d₁′, d₂′)·T(θ,φ′)
  with φ′ = arg d₁ − arg d₂,  d₁′ = −e^{−iθ}e^{−iφ}·d₂,  d₂′ = −e^{−iθ}·d₂
  (θ is unchanged; all four matrix entries agree for any θ).
"""

from __future__ import annotations

import numpy as np

from . import kernels
from .layout import MeshPhases, as_square, build_mesh, check_reduced


def _light_order(n: int):
    """Nulling schedule: (side, row/mode, column) per step, in the order of the paper
    (the compiled :func:`~emulator.mesh.kernels.clements_reduce` follows the same one)."""
    for i in range(1, n):
        if i % 2:  # MZIs from the right, along an anti-diagonal going up-left
            for j in range(i):
                yield "R", n - 1 - j, i - j - 1
        else:  # MZIs from the left, along an anti-diagonal going down-right
            for j in range(1, i + 1):
                yield "L", n + j - i - 2, j - 1


def decompose(U, atol: float = 1e-8) -> MeshPhases:
    """Clements mesh of the unitary ``U``: ``mesh_matrix(decompose(U)) == U``.

    The nulling loop runs compiled (:func:`emulator.mesh.kernels.clements_reduce`); each
    nulling updates only the non-null part of two columns (or rows), and half-angles are
    carried as (cos θ/2, sin θ/2).  Raises UserError if ``U`` is not unitary to ``atol``.
    """
    A = as_square(U)
    n = A.shape[0]
    right, left = kernels.clements_reduce(A)  # MZIs in the order applied
    d = check_reduced(A, atol)
    # U = L_1⁻¹ ··· L_K⁻¹ · D · R_M ··· R_1: move each L⁻¹ (innermost first) through D
    moved = kernels.move_through(left, d)
    steps = np.concatenate([right, moved])  # light: R_1…R_M, L_K′…L_1′
    theta = 2.0 * np.arctan2(steps[:, 2], steps[:, 1])
    return build_mesh(n, "clements", steps[:, 0].astype(np.int64), theta, steps[:, 3],
                      np.angle(d), trusted=True)


def light_modes(n: int) -> list[int]:
    """The upper mode of every MZI of :func:`decompose`, in the order light meets them."""
    steps = list(_light_order(n))
    modes = [k for side, _, k in steps if side == "R"]  # light: right MZIs, then the
    return modes + [r for side, r, _ in reversed(steps) if side == "L"]  # left reversed


def layout(n: int, theta=None, phi=None, out_phase=None) -> MeshPhases:
    """The Clements topology on ``n`` modes (same MZI order as :func:`decompose`), with
    the given phases (default 0)."""
    modes = light_modes(n)
    mesh = build_mesh(n, "clements", modes, np.zeros(len(modes)), np.zeros(len(modes)),
                      np.zeros(n))
    return mesh.with_phases(theta, phi, out_phase)
