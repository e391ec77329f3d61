"""Any m×n matrix on hardware: W = scale · U · Σ · V†.

The input light (n modes) goes through the mesh V† (n×n), then a column of attenuators
with amplitude transmissions σ_i (i < min(m, n)), then the mesh U (m×m).  A lossless mesh
cannot amplify, so Σ is normalised to its largest entry (σ_max = 1) and the largest
singular value is reported as ``scale``: the electronics (or the read-out gain) carry it.
For m ≠ n, Σ is m×n: V† outputs beyond min(m, n) are discarded, U inputs beyond it are
dark.

An attenuator is an MZI's bar path: at amplitude σ_i it also shifts the phase by
π/2 + asin(σ_i) (:mod:`components.optics.attenuator`).  The mapping absorbs that phase
into V†'s output phase screen on mode i, so the circuit still realises W; the Σ stage
here is the attenuators' complex field transmission.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.errors import UserError, did_you_mean
from components.optics import attenuator

from . import clements, reck
from .kernels import complement, dark_lines, gauge_many
from .layout import MeshPhases, apply_mesh, mesh_rows

DECOMPOSERS = {"clements": clements.decompose, "reck": reck.decompose}


def decomposer(method: str):
    """The ``decompose`` function of a mesh kind, or a UserError naming the choices."""
    try:
        return DECOMPOSERS[method]
    except (KeyError, TypeError):
        raise UserError(f"unknown mesh method {method!r}: "
                        + (did_you_mean(str(method), DECOMPOSERS)
                           or f"choose one of {', '.join(DECOMPOSERS)}")) from None


@dataclass(frozen=True, eq=False)
class SVDMapping:
    """Meshes and attenuations realising ``W = scale · U · Σ · V†`` (W is m×n)."""

    m: int  # outputs (rows of W)
    n: int  # inputs (columns of W)
    method: str
    u: MeshPhases  # m×m, output side
    vh: MeshPhases  # n×n, input side
    sigma: np.ndarray  # (min(m, n),) amplitude transmissions in [0, 1], largest = 1
    scale: float  # largest singular value of W
    # vh.out_phase already has the attenuators' phase π/2 + asin(σ_i) taken off (mode i < k)


TIE = 1e-9  # entries within this fraction of the largest count as tied (first one wins)
RANK_TOL = 1e-12  # singular values below this fraction of the largest are zero


def _complement(q: np.ndarray, dim: int) -> np.ndarray:
    """``dim`` orthonormal columns spanning the complement of q's (orthonormal) columns,
    picked from the standard basis: each time the first e_j left with the largest part
    outside the span so far (Gram–Schmidt, twice for orthogonality), so the basis is the
    same whatever LAPACK returned for the null space.  Compiled with every sum in index
    order (:func:`emulator.mesh.kernels.complement`): such a basis has exact zeros that
    come out as rounding dust, the dust decides some MZIs' φ, and a BLAS product's
    rounding depends on the CPU; this way it does not."""
    return complement(np.ascontiguousarray(q), int(dim), TIE)


def gauge(u: np.ndarray, s: np.ndarray, vh: np.ndarray, a: np.ndarray | None = None):
    """The SVD ``u · diag(s) · vh`` with LAPACK's free choices fixed, so a tile maps to the
    same phases on every machine (LAPACK's kernels differ by CPU and may flip a singular
    pair's sign or pick another null-space basis; the phases, and the heater power that
    holds them, would follow): each pair (u_i, v_i) with s_i > 0 is turned so that the
    first largest entry of u_i is real and positive; singular values below
    ``RANK_TOL`` of the largest are zero, and the null spaces of both sides get the
    basis :func:`_complement` builds from the standard basis.  With the matrix ``a``
    given, the pairs' entries on its all-zero rows (of u_i = a·v_i/s_i) and columns (of
    v_i) are set to the exact zero LAPACK leaves as rounding dust: an edge tile's padding then maps to the
    same phases everywhere (dust decides the angles of the MZIs that meet only dark
    modes, and heater crosstalk carries those angles into the live ones).  Also for a
    stack of SVDs (leading axes on all four), each on its own: one compiled pass
    (:func:`emulator.mesh.kernels.gauge_many`), which also fills the null spaces that
    are the unit vectors of the zero rows or columns (a padded tile's)."""
    lead = np.shape(s)[:-1]
    dtype = complex if np.iscomplexobj(u) or np.iscomplexobj(vh) else float
    u, vh = (np.array(x, dtype=dtype).reshape((-1,) + np.shape(x)[len(lead):])
             for x in (u, vh))
    s = np.array(s, dtype=float).reshape(-1, np.shape(s)[-1])
    if a is None:
        dark_rows = np.zeros(u.shape[:2], dtype=bool)
        dark_cols = np.zeros(vh.shape[:2], dtype=bool)
    else:
        a = np.asarray(a).reshape((-1,) + np.shape(a)[len(lead):])
        dark_rows, dark_cols = dark_lines(a)
    _gauge_stack(u, s, vh, dark_rows, dark_cols)
    return u.reshape(lead + u.shape[1:]), s.reshape(lead + s.shape[1:]), \
        vh.reshape(lead + vh.shape[1:])


def gauge_stack(u: np.ndarray, s: np.ndarray, vh: np.ndarray, a: np.ndarray):
    """:func:`gauge` in place on the SVDs u (T, m, m), s (T, k), vh (T, n, n) of a stack
    of real matrices ``a`` (T, m, n), all C-ordered float arrays (as numpy's batched SVD
    returns them): the same numbers without the reshaping and copies."""
    _gauge_stack(u, s, vh, *dark_lines(a))
    return u, s, vh


def _gauge_stack(u, s, vh, dark_rows, dark_cols) -> None:
    ranks, done = gauge_many(u, s, vh, dark_rows, dark_cols, TIE, RANK_TOL)
    if done.all():
        return
    for t in np.flatnonzero(~done.all(axis=1)).tolist():
        q = ranks[t]
        if not done[t, 0]:
            u[t, :, q:] = _complement(u[t, :, :q], u.shape[2] - q)
        if not done[t, 1]:
            vh[t, q:] = _complement(vh[t, :q].conj().T, vh.shape[1] - q).conj().T


def svd_map(W, method: str = "clements") -> SVDMapping:
    """Decompose a real or complex m×n matrix into two meshes and an attenuator column."""
    decompose = decomposer(method)
    a = np.asarray(W)
    if a.ndim != 2 or 0 in a.shape:
        raise UserError(f"svd_map needs a non-empty 2-D matrix, got shape {a.shape}")
    if not np.issubdtype(a.dtype, np.number) or not np.all(np.isfinite(a)):
        raise UserError("matrix must contain finite numbers only")
    a = a.astype(complex if np.iscomplexobj(a) else float)
    u, s, vh = gauge(*np.linalg.svd(a, full_matrices=True), a)
    scale = float(s[0])
    sigma = np.clip(s / scale, 0.0, 1.0) if scale > 0.0 else np.zeros_like(s)
    vh_mesh = decompose(vh)
    screen = vh_mesh.out_phase.astype(float).copy()
    screen[: sigma.size] -= attenuator.output_phase(sigma)  # absorbed: Σ's phase undone
    return SVDMapping(m=a.shape[0], n=a.shape[1], method=method, u=decompose(u),
                      vh=vh_mesh.with_phases(out_phase=screen, trusted=True), sigma=sigma, scale=scale)


def _sigma(mp: SVDMapping, sigma) -> tuple[int, np.ndarray]:
    """k = min(m, n) and the attenuators' complex field transmissions: real amplitudes
    (the mapping's, or a replacement) through :func:`attenuator.field`; a complex
    replacement is taken as the field itself."""
    k = min(mp.m, mp.n)
    sig = mp.sigma if sigma is None else np.asarray(sigma)
    if sig.shape != (k,):
        raise UserError(f"sigma has shape {sig.shape}, expected ({k},)")
    return k, (sig.astype(complex) if np.iscomplexobj(sig)
               else attenuator.field(sig.astype(float)))


def svd_apply(mp: SVDMapping, x, *, u_theta=None, u_phi=None, u_out_phase=None,
              vh_theta=None, vh_phi=None, vh_out_phase=None, sigma=None,
              mzi_loss_db=0.0, balance: bool = True) -> np.ndarray:
    """``scale · U · Σ · V† · x`` for x of shape (n,) or (n, B); any phase array or
    ``sigma`` may be replaced (e.g. by a perturbed copy: real amplitudes, or the complex
    field transmissions of the attenuators)."""
    x = np.asarray(x)
    if x.shape[:1] != (mp.n,):
        raise UserError(f"input has {x.shape[:1]} rows, the layer has {mp.n} inputs")
    k, sig = _sigma(mp, sigma)
    y = apply_mesh(mp.vh, x, vh_theta, vh_phi, vh_out_phase, mzi_loss_db, balance)
    mid = np.zeros((mp.m,) + y.shape[1:], dtype=complex)  # dark inputs of U stay 0
    mid[:k] = y[:k] * sig.reshape((k,) + (1,) * (y.ndim - 1))
    return mp.scale * apply_mesh(mp.u, mid, u_theta, u_phi, u_out_phase, mzi_loss_db,
                                 balance)


def svd_matrix(mp: SVDMapping, *, u_theta=None, u_phi=None, u_out_phase=None,
               vh_theta=None, vh_phi=None, vh_out_phase=None, sigma=None,
               mzi_loss_db=0.0, balance: bool = True) -> np.ndarray:
    """The m×n matrix ``scale · U · Σ · V†`` the layer realises; keywords as
    :func:`svd_apply`.

    Only k = min(m, n) columns of U and rows of V† carry light, so it is built as
    ``scale · U[:, :k] · diag(σ) · V†[:k, :]`` from k inputs pushed through U and k rows
    pulled back through V†: for a 10×784 layer, 10 vectors per mesh instead of 784.
    """
    k, sig = _sigma(mp, sigma)
    u_cols = apply_mesh(mp.u, np.eye(mp.m, k, dtype=complex), u_theta, u_phi, u_out_phase,
                        mzi_loss_db, balance)
    vh_rows = mesh_rows(mp.vh, k, vh_theta, vh_phi, vh_out_phase, mzi_loss_db, balance)
    return (mp.scale * u_cols * sig) @ vh_rows
