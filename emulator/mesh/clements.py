"""Clements rectangular mesh: any N×N unitary as N(N−1)/2 MZIs in N columns.

Clements, Humphreys, Metcalf, Kolthammer & Walmsley, "Optimal design for universal
multiport interferometers", Optica 3, 1460 (2016).  The matrix is reduced to a diagonal
by nulling its lower-left triangle one anti-diagonal at a time, alternating between MZIs
applied from the right (T⁻¹, acting on two columns) and from the left (T, acting on two
rows); the left-hand MZIs are then moved through the diagonal so that every MZI ends up
on the input side of one output phase screen.

Nulling equations, for our T(θ, φ) = i·e^{iθ/2}·[[e^{iφ}s, c], [e^{iφ}c, −s]]
(s = sin θ/2, c = cos θ/2; see :mod:`emulator.mesh.mzi`):

* from the right, on columns (k, k+1) of row r, with a = U[r,k], b = U[r,k+1]:
  (U·T†)[r,k] ∝ a·e^{−iφ}s + b·c = 0  ⇒  θ = 2·atan2(|b|, |a|),  φ = arg a − arg b + π;
* from the left, on rows (m, m+1) of column k, with a = U[m,k], b = U[m+1,k]:
  (T·U)[m+1,k] ∝ e^{iφ}c·a − s·b = 0  ⇒  θ = 2·atan2(|a|, |b|),  φ = arg b − arg a;
* moving a left MZI through the diagonal, T(θ,φ)⁻¹·diag(d₁, d₂) = diag(d₁′, d₂′)·T(θ,φ′)
  with φ′ = arg d₁ − arg d₂,  d₁′ = −e^{−iθ}e^{−iφ}·d₂,  d₂′ = −e^{−iθ}·d₂
  (θ is unchanged; all four matrix entries agree for any θ).
"""

from __future__ import annotations

import cmath
import math

import numpy as np

from .layout import MeshPhases, as_square, build_mesh, check_reduced

PI = math.pi


def _light_order(n: int):
    """Nulling schedule: (side, row/mode, column) per step, in the order of the paper."""
    for i in range(1, n):
        if i % 2:  # MZIs from the right, along an anti-diagonal going up-left
            for j in range(i):
                yield "R", n - 1 - j, i - j - 1
        else:  # MZIs from the left, along an anti-diagonal going down-right
            for j in range(1, i + 1):
                yield "L", n + j - i - 2, j - 1


def _cos_sin(x: float, y: float) -> tuple[float, float]:
    """(cos θ/2, sin θ/2) for θ = 2·atan2(y, x), x, y ≥ 0; (0, 1) (bar) if both are 0."""
    r = math.hypot(x, y)
    return (x / r, y / r) if r > 0.0 else (0.0, 1.0)


def null_from_right(A: np.ndarray, r: int, k: int) -> tuple[float, float, float]:
    """Null ``A[r, k]`` in place by ``A ← A·T(θ,φ)†`` on columns (k, k+1).

    Only rows 0..r are updated: the callers null the lower-left triangle in an order
    where rows below r are already null in both columns.  Returns (cos θ/2, sin θ/2, φ).
    """
    a, b = A.item(r, k), A.item(r, k + 1)
    c, s = _cos_sin(abs(a), abs(b))
    phi = cmath.phase(a) - cmath.phase(b) + PI
    gc = -s - 1j * c  # conj(g), g = i·e^{iθ/2} = −s + i·c
    gce = gc * cmath.exp(-1j * phi)
    x, y = A[:r + 1, k], A[:r + 1, k + 1]
    A[:r + 1, k], A[:r + 1, k + 1] = x * (gce * s) + y * (gc * c), x * (gce * c) - y * (gc * s)
    A[r, k] = 0.0
    return c, s, phi


def null_from_left(A: np.ndarray, m: int, k: int) -> tuple[float, float, float]:
    """Null ``A[m+1, k]`` in place by ``A ← T(θ,φ)·A`` on rows (m, m+1).

    Only columns k.. are updated (columns left of k are already null in both rows).
    Returns (cos θ/2, sin θ/2, φ).
    """
    a, b = A.item(m, k), A.item(m + 1, k)
    c, s = _cos_sin(abs(b), abs(a))
    phi = cmath.phase(b) - cmath.phase(a)
    g = -s + 1j * c
    ge = g * cmath.exp(1j * phi)
    x, y = A[m, k:], A[m + 1, k:]
    A[m, k:], A[m + 1, k:] = x * (ge * s) + y * (g * c), x * (ge * c) - y * (g * s)
    A[m + 1, k] = 0.0
    return c, s, phi


def decompose(U, atol: float = 1e-8) -> MeshPhases:
    """Clements mesh of the unitary ``U``: ``mesh_matrix(decompose(U)) == U``.

    Each nulling updates the non-null part of two columns (or rows) of a working copy
    with four scalar-times-vector products; half-angles are carried as (cos θ/2, sin θ/2)
    so no trigonometry runs inside the loop.  Raises UserError if ``U`` is not
    unitary to ``atol``.
    """
    A = as_square(U)
    n = A.shape[0]
    right, left = [], []  # (mode, cos θ/2, sin θ/2, φ) in the order applied
    for side, r, k in _light_order(n):
        if side == "R":
            right.append((k, *null_from_right(A, r, k)))
        else:
            left.append((r, *null_from_left(A, r, k)))
    d = check_reduced(A, atol).tolist()
    # U = L_1⁻¹ ··· L_K⁻¹ · D · R_M ··· R_1: move each L⁻¹ (innermost first) through D
    moved = []
    for m, c, s, phi in reversed(left):
        d1, d2 = d[m], d[m + 1]
        e = -((c - 1j * s) ** 2) * d2  # −e^{−iθ}·d₂
        d[m], d[m + 1] = e * cmath.exp(-1j * phi), e
        moved.append((m, c, s, cmath.phase(d1) - cmath.phase(d2)))
    steps = np.array(right + moved, dtype=float).reshape(-1, 4)  # light: R_1…R_M, L_K′…L_1′
    theta = 2.0 * np.arctan2(steps[:, 2], steps[:, 1])
    return build_mesh(n, "clements", steps[:, 0].astype(np.int64), theta, steps[:, 3],
                      np.angle(np.array(d)))


def layout(n: int, theta=None, phi=None, out_phase=None) -> MeshPhases:
    """The Clements topology on ``n`` modes (same MZI order as :func:`decompose`), with
    the given phases (default 0)."""
    steps = list(_light_order(n))
    modes = [k for side, _, k in steps if side == "R"]  # light: right MZIs, then the
    modes += [r for side, r, _ in reversed(steps) if side == "L"]  # left ones reversed
    mesh = build_mesh(n, "clements", modes, np.zeros(len(modes)), np.zeros(len(modes)),
                      np.zeros(n))
    return mesh.with_phases(theta, phi, out_phase)
