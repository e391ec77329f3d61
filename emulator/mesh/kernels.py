"""Compiled inner loops of the mesh code (numba): nulling and MZI application.

A Clements or Reck decomposition is a chain of a few thousand dependent 2×2 rotations on
the rows or columns of a working matrix, and realising a mesh applies as many 2×2
transfers to pairs of rows.  Each step is tiny, so in Python the interpreter overhead
(~10 µs per step) is the whole cost; compiled, a 64-mode decomposition takes a fraction
of a millisecond.  The equations are documented where they are used
(:mod:`emulator.mesh.clements`, :mod:`emulator.mesh.reck`, :mod:`emulator.mesh.layout`);
these functions only loop.  All work in place on complex128 arrays and return plain
arrays: steps as rows (mode, cos θ/2, sin θ/2, φ).  The last section strings them
together into the realisation of a stack of SVD-mapped tiles (:func:`realise_stack`, for
:func:`emulator.chip.realise.realise_many`).

Compiled once per machine (``cache=True`` stores the machine code beside this file).
"""

from __future__ import annotations

import cmath
import math

import numba
import numpy as np

PI = math.pi
# Entries of a unitary at or below this are rounding dust (exactly 0 in exact arithmetic,
# e.g. where a tile's null space or padding meets a nulling): taken as 0, so the angle
# they would set (φ of an MZI whose θ is 0, or θ itself when both entries are dust) is
# the canonical one, the same on every machine, not one decided by the last bits.
DUST = 1e-14
_JIT = dict(cache=True, nogil=True)


@numba.njit(**_JIT)
def expi(x):
    """e^{ix} = cos x + i·sin x: the numbers cmath.exp(complex(0, x)) gives (its real
    factor e^0 is exactly 1), without its general-case work."""
    return complex(math.cos(x), math.sin(x))


@numba.njit(**_JIT)
def _cos_sin(x, y):
    r = math.hypot(x, y)
    if r > 0.0:
        return x / r, y / r
    return 0.0, 1.0  # bar state when both entries are already null


@numba.njit(**_JIT)
def _undusted(a):
    """(a, |a|), or (0, 0) where |a| is rounding dust (at most ``DUST``); |a| worked out
    once (each is a hypot)."""
    r = abs(a)
    if r <= DUST:
        return 0j, 0.0
    return a, r


@numba.njit(**_JIT)
def null_right(A, r, k):
    """A ← A·T(θ,φ)† on columns (k, k+1), rows 0..r, nulling A[r, k]."""
    a, abs_a = _undusted(A[r, k])
    b, abs_b = _undusted(A[r, k + 1])
    c, s = _cos_sin(abs_a, abs_b)
    phi = cmath.phase(a) - cmath.phase(b) + PI
    gc = complex(-s, -c)  # conj(i·e^{iθ/2})
    gce = gc * expi(-phi)
    p, q, u, v = gce * s, gc * c, gce * c, -gc * s
    for i in range(r + 1):
        x, y = A[i, k], A[i, k + 1]
        A[i, k] = x * p + y * q
        A[i, k + 1] = x * u + y * v
    A[r, k] = 0.0
    return c, s, phi


@numba.njit(**_JIT)
def null_left(A, m, k):
    """A ← T(θ,φ)·A on rows (m, m+1), columns k.., nulling A[m+1, k]."""
    n = A.shape[1]
    a, abs_a = _undusted(A[m, k])
    b, abs_b = _undusted(A[m + 1, k])
    c, s = _cos_sin(abs_b, abs_a)
    phi = cmath.phase(b) - cmath.phase(a)
    g = complex(-s, c)  # i·e^{iθ/2}
    ge = g * expi(phi)
    p, q, u, v = ge * s, g * c, ge * c, -g * s
    for j in range(k, n):
        x, y = A[m, j], A[m + 1, j]
        A[m, j] = x * p + y * q
        A[m + 1, j] = x * u + y * v
    A[m + 1, k] = 0.0
    return c, s, phi


@numba.njit(**_JIT)
def clements_reduce(A):
    """Null the lower-left triangle of A in the Clements order.

    Returns (right, left): the MZIs applied from the right and from the left, in the
    order applied, as rows (mode, cos θ/2, sin θ/2, φ).
    """
    n = A.shape[0]
    n_right = 0
    for i in range(1, n, 2):
        n_right += i
    right = np.empty((n_right, 4))
    left = np.empty((n * (n - 1) // 2 - n_right, 4))
    nr = nl = 0
    for i in range(1, n):
        if i % 2:  # from the right, up-left along an anti-diagonal
            for j in range(i):
                k = i - j - 1
                c, s, phi = null_right(A, n - 1 - j, k)
                right[nr, 0], right[nr, 1], right[nr, 2], right[nr, 3] = k, c, s, phi
                nr += 1
        else:  # from the left, down-right
            for j in range(1, i + 1):
                m = n + j - i - 2
                c, s, phi = null_left(A, m, j - 1)
                left[nl, 0], left[nl, 1], left[nl, 2], left[nl, 3] = m, c, s, phi
                nl += 1
    return right, left


@numba.njit(**_JIT)
def wrap1(x):
    """x wrapped into [0, 2π): x − 2π·floor(x/2π), both rounding edges folded back."""
    two_pi = 2.0 * PI
    w = x - two_pi * math.floor(x * (1.0 / two_pi))
    if w < 0.0:
        w += two_pi
    if w >= two_pi:
        w -= two_pi
    return w


@numba.njit(**_JIT)
def quantize1(x, levels):
    """The nearest of ``levels`` levels k·2π/levels to x wrapped into [0, 2π) (as
    :func:`wrap1`), k = rint(x/step) mod levels."""
    step = 2.0 * PI / levels
    k = np.rint(wrap1(x) / step)
    if k == 0.0:  # k % levels, the remainder (a division's cost) only where it acts
        k = 0.0  # (+0, as the remainder gives for ±0)
    elif not 0.0 < k < levels:
        k %= levels
    return k * step


@numba.njit(**_JIT)
def wrap_into(x, out):
    """out ← x wrapped into [0, 2π) (:func:`wrap1`)."""
    for i in range(x.shape[0]):
        out[i] = wrap1(x[i])
    return out


@numba.njit(**_JIT)
def quantize_into(x, levels, out):
    """out ← x quantized to ``levels`` levels (:func:`quantize1`)."""
    for i in range(x.shape[0]):
        out[i] = quantize1(x[i], levels)
    return out


@numba.njit(**_JIT)
def crosstalk_into(p, recv, src, coef, out):
    """out[t, recv_i] += coef_i · wrap(p[t, src_i]) for the pairs in order, per row t of
    phases p (T, K) (:func:`emulator.mesh.perturb.thermal_crosstalk`)."""
    for t in range(p.shape[0]):
        for i in range(recv.shape[0]):
            out[t, recv[i]] += coef[i] * wrap1(p[t, src[i]])
    return out


@numba.njit(**_JIT)
def hold_into(p, levels, recv, src, coef, offset, out):
    """out ← what shifters set to phases p (T, K) hold: the nearest of ``levels`` driver
    levels (:func:`quantize1`), plus the heat of their neighbours (:func:`crosstalk_into`,
    no pairs: none), plus their offsets (T, K)."""
    T, K = p.shape
    for t in range(T):
        for k in range(K):
            out[t, k] = quantize1(p[t, k], levels)
    q = out.copy()
    crosstalk_into(q, recv, src, coef, out)
    for t in range(T):
        for k in range(K):
            out[t, k] += offset[t, k]
    return out


@numba.njit(**_JIT)
def dark_lines(a):
    """Which rows (T, m) and which columns (T, n) of a stack of matrices a (T, m, n)
    are all zero."""
    T, m, n = a.shape
    rows, cols = np.ones((T, m), dtype=np.bool_), np.ones((T, n), dtype=np.bool_)
    for t in range(T):
        for i in range(m):
            for j in range(n):
                if a[t, i, j] != 0.0:
                    rows[t, i] = False
                    cols[t, j] = False
    return rows, cols


@numba.njit(**_JIT)
def mesh_angles(steps, d, order):
    """θ, φ (T, K) in the order ``order`` and output phases (T, n), wrapped, of stacked
    decompositions (:func:`decompose_many`'s steps and diagonals)."""
    T, K, n = steps.shape[0], steps.shape[1], d.shape[1]
    theta, phi, out = np.empty((T, K)), np.empty((T, K)), np.empty((T, n))
    for t in range(T):
        for k in range(K):
            j = order[k]
            theta[t, k] = wrap1(2.0 * math.atan2(steps[t, j, 2], steps[t, j, 1]))
            phi[t, k] = wrap1(steps[t, j, 3])
        for i in range(n):
            out[t, i] = wrap1(math.atan2(d[t, i].imag, d[t, i].real))
    return theta, phi, out


@numba.njit(**_JIT)
def reduced_error(A):
    """max(|A_ij| above the diagonal, ||A_ii| − 1|): how far a nulled matrix is from a
    diagonal of unit-modulus entries."""
    n = A.shape[0]
    err = 0.0
    for i in range(n):
        err = max(err, abs(abs(A[i, i]) - 1.0))
        for j in range(i + 1, n):
            err = max(err, abs(A[i, j]))
    return err


@numba.njit(**_JIT)
def move_through(left, d):
    """Move the left MZIs (innermost first) through the diagonal d (updated in place):
    T(θ,φ)⁻¹·diag(d₁, d₂) = diag(d₁′, d₂′)·T(θ,φ′).  Returns the moved MZIs in light
    order, rows (mode, cos θ/2, sin θ/2, φ′)."""
    moved = np.empty_like(left)
    K = left.shape[0]
    for i in range(K):
        m = int(left[K - 1 - i, 0])
        c, s, phi = left[K - 1 - i, 1], left[K - 1 - i, 2], left[K - 1 - i, 3]
        d1, d2 = d[m], d[m + 1]
        e = -(complex(c, -s) ** 2) * d2  # −e^{−iθ}·d₂
        d[m] = e * expi(-phi)
        d[m + 1] = e
        moved[i, 0], moved[i, 1], moved[i, 2] = m, c, s
        moved[i, 3] = cmath.phase(d1) - cmath.phase(d2)
    return moved


@numba.njit(**_JIT)
def reck_reduce(A):
    """Null A row by row from the bottom, every MZI from the right (Reck order)."""
    n = A.shape[0]
    steps = np.empty((n * (n - 1) // 2, 4))
    i = 0
    for r in range(n - 1, 0, -1):
        for k in range(r):
            c, s, phi = null_right(A, r, k)
            steps[i, 0], steps[i, 1], steps[i, 2], steps[i, 3] = k, c, s, phi
            i += 1
    return steps


@numba.njit(**_JIT)
def apply_mzis(yr, yi, modes, t00, t01, t10, t11, reverse):
    """y ← T_K ··· T_1 · y for MZIs in light order, y = yr + i·yi of shape (n, B), updated
    in place (real and imaginary parts apart, so the loop over the batch vectorizes).

    ``reverse`` walks the MZIs last to first; with each T transposed (t01 ↔ t10) that
    gives yᵀ ← yᵀ · T_K ··· T_1, i.e. rows of the mesh's matrix.
    """
    B = yr.shape[1]
    K = modes.shape[0]
    for step in range(K):
        k = K - 1 - step if reverse else step
        m = modes[k]
        pr, pi_, qr, qi = t00[k].real, t00[k].imag, t01[k].real, t01[k].imag
        ur, ui, vr, vi = t10[k].real, t10[k].imag, t11[k].real, t11[k].imag
        ar_, ai_, br_, bi_ = yr[m], yi[m], yr[m + 1], yi[m + 1]
        for j in range(B):
            ar, ai, br, bi = ar_[j], ai_[j], br_[j], bi_[j]
            ar_[j] = pr * ar - pi_ * ai + qr * br - qi * bi
            ai_[j] = pr * ai + pi_ * ar + qr * bi + qi * br
            br_[j] = ur * ar - ui * ai + vr * br - vi * bi
            bi_[j] = ur * ai + ui * ar + vr * bi + vi * br


@numba.njit(**_JIT)
def mzi_transfers(theta, phi, amp):
    """The entries (t00, t01, t10, t11) of amp·T(θ, φ) for every MZI: the closed form of
    :func:`components.optics._mzi_matrix.mzi_elements` (a test holds them equal), in one
    compiled pass without temporaries."""
    K = theta.shape[0]
    t00 = np.empty(K, dtype=np.complex128)
    t01 = np.empty(K, dtype=np.complex128)
    t10 = np.empty(K, dtype=np.complex128)
    t11 = np.empty(K, dtype=np.complex128)
    for k in range(K):
        h = 0.5 * theta[k]
        s, c = math.sin(h), math.cos(h)
        g = complex(0.0, amp[k]) * complex(c, s)  # i·amp·e^{iθ/2}
        ge = g * expi(phi[k])
        t00[k], t01[k], t10[k], t11[k] = ge * s, g * c, ge * c, -g * s
    return t00, t01, t10, t11


@numba.njit(**_JIT)
def decompose_many(A, reck):
    """The nulling of a stack of unitaries A (T, n, n), consumed, as
    :func:`emulator.mesh.clements.decompose` (left MZIs moved through the diagonal) or
    :func:`emulator.mesh.reck.decompose` does it: the MZIs in light order (T, K, 4), rows
    (mode, cos θ/2, sin θ/2, φ), the diagonals left (T, n) and each matrix's distance
    from unitary (:func:`reduced_error`)."""
    T, n = A.shape[0], A.shape[1]
    steps = np.empty((T, n * (n - 1) // 2, 4))
    diag = np.empty((T, n), dtype=np.complex128)
    err = np.empty(T)
    for t in range(T):
        a = A[t]
        if reck:
            steps[t] = reck_reduce(a)
            err[t], diag[t] = reduced_error(a), np.diag(a)
        else:
            right, left = clements_reduce(a)
            err[t], diag[t] = reduced_error(a), np.diag(a)
            steps[t, : right.shape[0]] = right
            steps[t, right.shape[0]:] = move_through(left, diag[t])
    return steps, diag, err


@numba.njit(**_JIT)
def mesh_blocks(modes, theta, phi, amp, screen, k, rows):
    """Per mesh t of a stack (phases θ, φ (T, K), output factors ``screen`` (T, n)): the
    MZIs T_K···T_1 applied to the first k unit vectors, or with ``rows`` the first k rows
    of diag(screen)·T_K···T_1 pulled back through them, transposed; as real and imaginary
    parts (T, n, k) (:func:`apply_mzis`, loss amplitudes ``amp``)."""
    T, n = screen.shape
    out_r, out_i = np.zeros((T, n, k)), np.zeros((T, n, k))
    for t in range(T):
        t00, t01, t10, t11 = mzi_transfers(theta[t], phi[t], amp)
        yr, yi = out_r[t], out_i[t]
        for i in range(k):
            yr[i, i] = screen[t, i].real if rows else 1.0
            yi[i, i] = screen[t, i].imag if rows else 0.0
        if rows:
            apply_mzis(yr, yi, modes, t00, t10, t01, t11, True)
        else:
            apply_mzis(yr, yi, modes, t00, t01, t10, t11, False)
    return out_r, out_i


@numba.njit(**_JIT)
def first_max(values, tie):
    """Index of the first entry within ``tie`` (a fraction) of the largest."""
    top = values[0]
    for j in range(1, values.shape[0]):
        top = max(top, values[j])
    bound = (1.0 - tie) * top
    for j in range(values.shape[0]):
        if values[j] >= bound:
            return j
    return 0


@numba.njit(**_JIT)
def complement(q, dim, tie):
    """``dim`` orthonormal columns spanning the complement of q's (orthonormal) columns,
    picked from the standard basis: each time the first e_j (within ``tie``) with the
    largest part outside the span so far, made orthogonal to the span by classical
    Gram–Schmidt run twice; an e_j already outside the span (the first columns are
    exactly zero on row j) is kept as it is.  Every sum runs in index order, so the
    basis is the same on every machine (a BLAS product's order depends on the CPU)."""
    m, r = q.shape
    basis = np.zeros((m, r + dim), dtype=q.dtype)
    basis[:, :r] = q
    inside = np.zeros(m)  # |projection of e_j|² onto the span
    for j in range(m):
        for i in range(r):
            inside[j] += abs(q[j, i]) ** 2
    rest = np.empty(m)
    v = np.zeros(m, dtype=q.dtype)
    coef = np.zeros(r + dim, dtype=q.dtype)
    for c in range(r, r + dim):
        for j in range(m):
            rest[j] = 1.0 - inside[j]
        j = first_max(rest, tie)
        if not np.any(basis[j, :c] != 0.0):
            basis[j, c] = 1.0
            inside[j] += 1.0
            continue
        v[:] = 0.0
        v[j] = 1.0
        for _ in range(2):
            for p in range(c):
                acc = basis[0, p] * 0.0
                for i in range(m):
                    acc += np.conj(basis[i, p]) * v[i]
                coef[p] = acc
            for i in range(m):
                acc = v[i] * 0.0
                for p in range(c):
                    acc += basis[i, p] * coef[p]
                v[i] -= acc
        norm2 = 0.0
        for i in range(m):
            norm2 += abs(v[i]) ** 2
        norm = math.sqrt(norm2)
        for i in range(m):
            v[i] /= norm
            inside[i] += abs(v[i]) ** 2
            basis[i, c] = v[i]
    return basis[:, r:].copy()


@numba.njit(**_JIT)
def _units_into(basis, r, dark):
    """Columns r.. of ``basis`` ← the unit vectors of the ``dark`` rows, in order, when
    they are exactly the complement of its first r columns (as many dark rows as columns
    to fill; the first r columns are zero on them); False (nothing written) otherwise."""
    if np.sum(dark) != basis.shape[1] - r:
        return False
    c = r
    for j in range(basis.shape[0]):
        if dark[j]:
            basis[:, c] = 0.0
            basis[j, c] = 1.0
            c += 1
    return True


@numba.njit(**_JIT)
def gauge_many(u, s, vh, dark_rows, dark_cols, tie, rank_tol):
    """:func:`emulator.mesh.svd.gauge` on a stack of SVDs u (T, m, m), s (T, k),
    vh (T, n, n), in place, but for the null spaces that are not spanned by the unit
    vectors of the matrices' all-zero rows (``dark_rows`` (T, m)) or columns
    (``dark_cols`` (T, n)): the ranks r (T,) and whether each side's null space was
    filled (T, 2)."""
    T, m, n, k = u.shape[0], u.shape[1], vh.shape[1], s.shape[1]
    mag = np.empty(m)
    ranks = np.zeros(T, dtype=np.int64)
    done = np.ones((T, 2), dtype=np.bool_)
    for t in range(T):
        r = 0
        if k and s[t, 0] > 0.0:
            for i in range(k):
                r += s[t, i] > rank_tol * s[t, 0]
        s[t, r:] = 0.0
        for i in range(r):
            for j in range(m):
                if dark_rows[t, j]:
                    u[t, j, i] = 0.0
            for j in range(n):
                if dark_cols[t, j]:
                    vh[t, i, j] = 0.0
            for j in range(m):
                mag[j] = abs(u[t, j, i])
            pivot = u[t, first_max(mag, tie), i]
            phase = pivot / abs(pivot)  # the pair turned: that entry real and positive
            for j in range(m):
                u[t, j, i] = u[t, j, i] * np.conj(phase)
            for j in range(n):
                vh[t, i, j] = vh[t, i, j] * phase
        ranks[t] = r
        if r < m:
            done[t, 0] = _units_into(u[t], r, dark_rows[t])
        if r < n:
            b = vh[t].T.copy()  # real or conjugated below: only units are written
            done[t, 1] = _units_into(b, r, dark_cols[t])
            if done[t, 1]:
                vh[t, r:] = b[:, r:].T
    return ranks, done


# ---- the realisation of SVD-mapped tiles (emulator.chip.realise) ----------------------
# Here rather than in a module of its own: numba's cache notices changes to the file a
# cached function is defined in, not to the files of the functions it calls.
#
# For each tile t of a stack, from its gauged SVD W_t = s_t0 · U · diag(σ) · V† (σ = s/s_0
# clipped to [0, 1]): both meshes decomposed, the attenuators' phase π/2 + asin(σ_i) taken
# off V†'s output screen, every shifter's held phase (:func:`hold_into`), the attenuators'
# held transmissions and field transmissions, and the light through the held meshes: U's
# first k columns and V†'s first k rows (:func:`mesh_blocks`).  The arithmetic is that of
# the numpy expressions it replaced, operation for operation, with one exception: asin is
# the C library's, and numpy's own arcsin (SIMD, on CPUs with AVX-512) may differ from it
# by an ulp, so the field transmissions, and the realised matrix, can differ from numpy's
# in the 16th digit (the phases, all held on driver levels, came out the same in every
# comparison; tests hold the numbers to the mesh library's numpy path).
#
# A mesh side is a tuple (emulator.chip.realise.write_plan): (order, modes, the MZIs'
# crosstalk receivers, sources, couplings, the output screen's receivers, sources,
# couplings, loss amplitude per MZI, output screen factor).


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
                out[t, i] -= 0.5 * PI + math.asin(_clip01(sigma[t, i]))
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
