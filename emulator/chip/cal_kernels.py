"""Compiled loops of a tile's calibration (:func:`.calibrate.calibrate_stack`) on a core
whose receivers are affine (:func:`.stream.foldable`: coherent detection of real laser
light, detector and TIA affine per channel, as probed from their own models, the TIA's
slope and offset proportional to its gain, :func:`.stream.tia_per_gain`): one call per
stack of tiles.  Per tile, the calibration codes become modulator fields through the
chip's light table (:func:`.stream.light_table`, exactly :meth:`.Chip.light`); per
output, the batch runs through once for its LO phase and signal rms, which set the TIA
gain, once more for its noiseless read-out codes, and the least-squares decode fits them.
The component arithmetic is the models' (``slope·x + offset`` of the probed detector and
TIA, the ADC's mid-rise quantizer of :func:`components.electronics.adc.quantize`); the
sums run in another order than numpy's, so results agree to rounding (tests hold them to
1e-12).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .kernels import _index

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@numba.njit(**_JIT)
def _fields(codes, table, f):
    """f[b, k]: the modulator field of input k at DAC code codes[b, k] (B, n), looked up
    in ``table`` (n, DAC levels)."""
    levels = table.shape[1]
    for b in range(f.shape[0]):
        for k in range(f.shape[1]):
            f[b, k] = table[k, _index(codes[b, k], levels)]


@numba.njit(**_JIT)
def _project(f, w, out):
    """out[b, j] = Σ_k f[b, k]·w[k, j] for fields f (B, n) and w (n, m), summed in k
    order (the loop over the outputs j vectorizes)."""
    out[:] = 0.0
    for b in range(f.shape[0]):
        for k in range(f.shape[1]):
            a, wk = f[b, k], w[k]
            for j in range(w.shape[1]):
                out[b, j] += a * wk[j]


@numba.njit(**_JIT)
def _lo_rms(f, mat, z, k_pd, o_pd, lo, rms, s):
    """LO phases lo[j] = arg Σ_b E_bj·z_bj of the outputs (0 where the sum vanishes) and
    the rms of their detector currents over the batch, for fields f (B, n), channel matrix
    mat (m, n) and expected outputs z (B, m); every sum over b in batch order.  s: scratch
    (6, max(B, n), m), left holding Re E, Im E and cos, sin of lo."""
    B, n = f.shape
    m = mat.shape[0]
    er, ei, wr, wi = s[0, :B], s[1, :B], s[2, :n], s[3, :n]
    c, sn = s[4, 0], s[4, 1]
    for j in range(m):
        for k in range(n):
            wr[k, j], wi[k, j] = mat[j, k].real, mat[j, k].imag
    _project(f, wr, er)
    _project(f, wi, ei)
    cr, ci, acc = s[5, 0], s[5, 1], s[5, 2]
    cr[:], ci[:], acc[:] = 0.0, 0.0, 0.0
    for b in range(B):
        for j in range(m):
            cr[j] += er[b, j] * z[b, j]
            ci[j] += ei[b, j] * z[b, j]
    for j in range(m):
        lo[j] = math.atan2(ci[j], cr[j]) if cr[j] != 0.0 or ci[j] != 0.0 else 0.0
        c[j], sn[j] = math.cos(lo[j]), math.sin(lo[j])
    for b in range(B):
        for j in range(m):
            current = k_pd[j] * (er[b, j] * c[j] + ei[b, j] * sn[j]) + o_pd[j]
            acc[j] += current * current
    for j in range(m):
        rms[j] = math.sqrt(acc[j] / B)


@numba.njit(**_JIT)
def _codes(f, mat, c, sn, k_pd, o_pd, k_tia, o_tia, vfs, levels, y, rot, proj):
    """y[b, j]: noiseless read-out codes of the outputs at LO phases of cosine c and sine
    sn (m,): the quadrature, detector, TIA (slopes k_tia, offsets o_tia (m,)), ADC of full
    scale vfs (m,); rot (n, m), proj (B, m): scratch."""
    for j in range(mat.shape[0]):
        for k in range(mat.shape[1]):
            rot[k, j] = c[j] * mat[j, k].real + sn[j] * mat[j, k].imag
    _project(f, rot, proj)
    lsb = 2.0 / levels
    for b in range(y.shape[0]):
        for j in range(y.shape[1]):
            volts = k_tia[j] * (k_pd[j] * proj[b, j] + o_pd[j]) + o_tia[j]
            q = min(max(volts / vfs[j], -1.0), 1.0) + 1.0
            q = min(max(np.floor(q / lsb), 0.0), levels - 1.0) + 0.5
            y[b, j] = q * lsb - 1.0


@numba.njit(**_JIT)
def _fit(y, z, alpha, beta, live, r, var_y, cov, var_z):
    """:func:`fit` of one tile's read-outs y and expected outputs z (B, m) into α, β,
    ``live``, r (m,); var_y, cov, var_z: scratch (m,)."""
    B, m = y.shape
    ym, zm = np.zeros(m), np.zeros(m)
    for b in range(B):
        for j in range(m):
            ym[j] += y[b, j]
            zm[j] += z[b, j]
    ym /= B
    zm /= B
    var_y[:], cov[:], var_z[:] = 0.0, 0.0, 0.0
    for b in range(B):
        for j in range(m):
            dy, dz = y[b, j] - ym[j], z[b, j] - zm[j]
            var_y[j] += dy * dy
            cov[j] += dy * dz
            var_z[j] += dz * dz
    top = 0.0
    for j in range(m):
        top = max(top, var_z[j])
    top = max(top, 1e-300)
    for j in range(m):
        alpha[j] = cov[j] / var_y[j] if var_y[j] > 0.0 else 0.0
        beta[j] = zm[j] - alpha[j] * ym[j]
        live[j] = var_z[j] > 1e-12 * top
        r[j] = 1.0
        if live[j] and var_y[j] > 0.0:
            r[j] = cov[j] / math.sqrt(max(var_y[j] * var_z[j], 1e-300))


@numba.njit(**_JIT)
def fit(y, z):
    """Least-squares decode z ≈ α·y + β per output of read-outs y and expected outputs z
    (P, B, m): α, β, ``live`` and the correlation r (P, m), as
    :func:`.calibrate.fit` defines them; every sum over the batch runs in batch order."""
    P, B, m = y.shape
    alpha, beta, r = np.empty((P, m)), np.empty((P, m)), np.empty((P, m))
    live = np.empty((P, m), dtype=np.bool_)
    scratch = np.empty((3, m))
    for p in range(P):
        _fit(y[p], z[p], alpha[p], beta[p], live[p], r[p], scratch[0], scratch[1],
             scratch[2])
    return alpha, beta, live, r


@numba.njit(**_JIT)
def calibrate(codes, table, matrices, ideals, z, k_pd, o_pd, k_tia, o_tia, vfs, gain_lo,
              gain_hi, loading, levels):
    """The noiseless calibration of T tiles (channel matrices (T, m, n), digital weights
    ``ideals`` (T, m, n), expected outputs z (T, B, m)) on DAC codes (1 or T, B, n):
    LO phase, rms detector current, TIA gain (ADC full scale vfs (m,) at ``loading`` × the
    rms, within [gain_lo, gain_hi]), the read-out codes y (T, B, m) and their decode α, β,
    ``live``, r (T, m) (:func:`fit`), and per tile whether a gain that carries weights
    hit gain_hi.  Detector slope and offset k_pd, o_pd (m,); the TIA's per unit gain
    k_tia, o_tia (m,)."""
    T, m, n = matrices.shape
    B = z.shape[1]
    lo, rms, gain = np.empty((T, m)), np.empty((T, m)), np.empty((T, m))
    alpha, beta, r = np.empty((T, m)), np.empty((T, m)), np.empty((T, m))
    live = np.empty((T, m), dtype=np.bool_)
    limited = np.zeros(T, dtype=np.bool_)
    y = np.empty((T, B, m))
    f = np.empty((B, n))
    s = np.empty((6, max(B, n), m))
    kt, ot = np.empty(m), np.empty(m)
    for t in range(T):
        if t == 0 or codes.shape[0] > 1:
            _fields(codes[t if codes.shape[0] > 1 else 0], table, f)
        _lo_rms(f, matrices[t], z[t], k_pd, o_pd, lo[t], rms[t], s)
        for j in range(m):
            peak = loading * rms[t, j]
            wanted = vfs[j] / peak if peak > 0.0 else gain_hi
            gain[t, j] = min(max(wanted, gain_lo), gain_hi)
            if wanted > gain_hi:
                for k in range(n):
                    if ideals[t, j, k] != 0.0:
                        limited[t] = True
                        break
            kt[j], ot[j] = gain[t, j] * k_tia[j], gain[t, j] * o_tia[j]
        _codes(f, matrices[t], s[4, 0], s[4, 1], k_pd, o_pd, kt, ot, vfs, levels, y[t],
               s[2, :n], s[0, :B])
        _fit(y[t], z[t], alpha[t], beta[t], live[t], r[t], s[5, 0], s[5, 1], s[5, 2])
    return lo, rms, gain, y, alpha, beta, live, r, limited
