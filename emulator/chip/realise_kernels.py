"""Compiled realisation of a stack of mapped tiles (numba): everything of a tile write
after the gauged SVD, in one call.

For each tile t of a stack, from its gauged SVD W_t = s_t0 · U · diag(σ) · V† (σ = s/s_0
clipped to [0, 1]): both meshes decomposed (:func:`emulator.mesh.kernels.decompose_many`),
the attenuators' phase π/2 + asin(σ_i) taken off V†'s output screen, every shifter's
held phase (driver level, heater crosstalk, fabrication offset:
:func:`emulator.mesh.kernels.hold_into`), the attenuators' held transmissions
|sin(θ_held/2)| and their field transmissions, and the light through the held meshes:
U's first k columns and V†'s first k rows (:func:`emulator.mesh.kernels.mesh_blocks`).
The arithmetic is that of the numpy expressions it replaced, operation for operation,
with one exception: asin is the C library's, and numpy's own arcsin (SIMD, on CPUs with
AVX-512) may differ from it by an ulp, so the field transmissions, and the realised
matrix, can differ from numpy's in the 16th digit (the phases, all held on driver
levels, came out the same in every comparison; tests hold the numbers to the mesh
library's numpy path).  The final product ``(s_0 · U_k · diag(field)) @ V†_k`` is left
to numpy's BLAS.

A mesh side is described by a tuple (see :func:`emulator.chip.realise.write_plan`):
(order, modes, MZI crosstalk receivers, sources, couplings, the output screen's
receivers, sources, couplings, loss amplitude per MZI, output screen factor).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from emulator.mesh.kernels import decompose_many, hold_into, mesh_angles, mesh_blocks

_JIT = dict(cache=True, nogil=True, error_model="numpy")
HALF_PI = 0.5 * math.pi


@numba.njit(**_JIT)
def _clip01(x):
    return min(max(x, 0.0), 1.0)


@numba.njit(**_JIT)
def _per_tile(off, T):
    """Offsets (T or 1, K) as one row per tile (one core's: the same row for all)."""
    if off.shape[0] == T:
        return off
    if off.shape[0] != 1:
        raise ValueError("offsets: one row per tile, or one row for all tiles")
    out = np.empty((T, off.shape[1]))
    for t in range(T):
        out[t] = off[0]
    return out


@numba.njit(**_JIT)
def held_side(Q, reck, side, levels, off, sigma, absorb):
    """Held θ, φ (T, K) and output phases (T, n) of the meshes of the real unitaries
    Q (T, n, n), and the largest distance from unitary of their nulling.  ``absorb``:
    the attenuators' phase π/2 + asin(σ_i) comes off output i < k (the V† side)."""
    order, _, m_recv, m_src, m_coef, s_recv, s_src, s_coef, _, _ = side
    T = Q.shape[0]
    steps, d, err = decompose_many(Q.astype(np.complex128), reck)
    theta, phi, out = mesh_angles(steps, d, order)
    if absorb:
        for t in range(T):
            for i in range(sigma.shape[1]):
                out[t, i] -= HALF_PI + math.asin(_clip01(sigma[t, i]))
    theta = hold_into(theta, levels[0], m_recv, m_src, m_coef, _per_tile(off[0], T),
                      np.empty_like(theta))
    phi = hold_into(phi, levels[0], m_recv, m_src, m_coef, _per_tile(off[1], T),
                    np.empty_like(phi))
    out = hold_into(out, levels[1], s_recv, s_src, s_coef, _per_tile(off[2], T),
                    np.empty_like(out))
    return theta, phi, out, err.max()


@numba.njit(**_JIT)
def screen_factors(out, factor):
    """e^{i·out} · factor (T, n), as numpy computes ``np.exp(1j * out) * factor``."""
    T, n = out.shape
    sc = np.empty((T, n), dtype=np.complex128)
    for t in range(T):
        for i in range(n):
            sc[t, i] = complex(math.cos(out[t, i]) * factor, math.sin(out[t, i]) * factor)
    return sc


@numba.njit(**_JIT)
def attenuators(sigma, levels, off):
    """Held amplitude transmissions |sin(θ_held/2)| (T, k) of attenuators set to
    θ = 2·asin(σ) (driver levels, offsets; no crosstalk) and their field transmissions
    i·e^{iθ/2}·sin(θ/2) at θ = 2·asin(held) (:func:`components.optics.attenuator.field`)."""
    T, k = sigma.shape
    theta = np.empty((T, k))
    for t in range(T):
        for i in range(k):
            theta[t, i] = 2.0 * math.asin(_clip01(sigma[t, i]))
    none = np.zeros(0, dtype=np.int64)
    held = hold_into(theta, levels[2], none, none, np.zeros(0), _per_tile(off, T),
                     np.empty_like(theta))
    sig = np.empty((T, k))
    field = np.empty((T, k), dtype=np.complex128)
    for t in range(T):
        for i in range(k):
            sig[t, i] = abs(math.sin(0.5 * held[t, i]))
            h = 0.5 * (2.0 * math.asin(_clip01(sig[t, i])))
            sh, ch = math.sin(h), math.cos(h)
            field[t, i] = complex(-sh * sh, ch * sh)
    return sig, field


@numba.njit(**_JIT)
def realise_stack(u, s, vh, reck, levels, u_side, vh_side, off_u, off_vh, off_att):
    """The realisation of a stack of gauged SVDs u (T, m, m), s (T, k), vh (T, n, n)
    (real) on cores with offsets ``off_u``, ``off_vh`` (θ, φ, output screen; rows per
    tile or one row for all) and ``off_att``; driver ``levels`` of (MZIs, screens,
    attenuators).  Returns the held (θ, φ, out) of U and of V†, the attenuators' held
    transmissions (T, k), A = s_0 · U_k · diag(field) (T, m, k), V†_k (T, k, n), the
    scales s_0 (T,) and the largest distance from unitary of the nullings."""
    T, k = s.shape
    m, n = u.shape[1], vh.shape[1]
    scale = s[:, 0].copy()
    sigma = np.zeros((T, k))
    for t in range(T):
        if scale[t] > 0.0:
            for i in range(k):
                sigma[t, i] = _clip01(s[t, i] / scale[t])
    vt, vp, vo, v_err = held_side(vh, reck, vh_side, levels, off_vh, sigma, True)
    ut, up, uo, u_err = held_side(u, reck, u_side, levels, off_u, sigma, False)
    sig, field = attenuators(sigma, levels, off_att)
    u_screen = screen_factors(uo, u_side[9])
    yr, yi = mesh_blocks(u_side[1], ut, up, u_side[8], u_screen, k, False)
    A = np.empty((T, m, k), dtype=np.complex128)
    for t in range(T):
        for i in range(m):
            for j in range(k):
                col = complex(yr[t, i, j], yi[t, i, j]) * u_screen[t, i]
                A[t, i, j] = (scale[t] * col) * field[t, j]
    yr, yi = mesh_blocks(vh_side[1], vt, vp, vh_side[8], screen_factors(vo, vh_side[9]),
                         k, True)
    rows = np.empty((T, k, n), dtype=np.complex128)
    for t in range(T):
        for i in range(k):
            for j in range(n):
                rows[t, i, j] = complex(yr[t, j, i], yi[t, j, i])
    return (ut, up, uo), (vt, vp, vo), sig, A, rows, scale, max(u_err, v_err)
