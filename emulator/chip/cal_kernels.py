"""Compiled loops of a tile's calibration (:func:`.calibrate.calibrate_many`) on a core
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
def _project(f, w, out):
    """out[b] = Σ_k f[k, b]·w[k] for fields f (n, B), summed in k order (the loop over
    the batch vectorizes)."""
    out[:] = 0.0
    for k in range(f.shape[0]):
        a, fk = w[k], f[k]
        for b in range(f.shape[1]):
            out[b] += fk[b] * a


@numba.njit(**_JIT)
def _fields(codes, table, f):
    """f[k, b]: the modulator field of input k at DAC code codes[b, k] (B, n), looked up
    in ``table`` (n, DAC levels)."""
    levels = table.shape[1]
    for k in range(f.shape[0]):
        for b in range(f.shape[1]):
            f[k, b] = table[k, _index(codes[b, k], levels)]


@numba.njit(**_JIT)
def _lo_rms(f, mat, z, k_pd, o_pd, j, er, ei):
    """LO phase arg Σ_b E_jb·z_bj of output j (0 if the sum vanishes) and the rms of its
    detector current over the batch, for fields f (n, B), channel matrix mat (m, n) and
    expected outputs z (B, m)."""
    _project(f, mat[j].real, er)
    _project(f, mat[j].imag, ei)
    cr = ci = 0.0
    for b in range(er.shape[0]):
        cr += er[b] * z[b, j]
        ci += ei[b] * z[b, j]
    lo = math.atan2(ci, cr) if cr != 0.0 or ci != 0.0 else 0.0
    c, s = math.cos(lo), math.sin(lo)
    acc = 0.0
    for b in range(er.shape[0]):
        current = k_pd[j] * (er[b] * c + ei[b] * s) + o_pd[j]
        acc += current * current
    return lo, math.sqrt(acc / er.shape[0])


@numba.njit(**_JIT)
def _codes(f, mat, lo, k_pd, o_pd, k_tia, o_tia, vfs, levels, j, y, rot, proj):
    """y[b, j]: noiseless read-out codes of output j at LO phase lo: the quadrature,
    detector, TIA (slope k_tia, offset o_tia), ADC of full scale vfs[j]."""
    c, s = math.cos(lo), math.sin(lo)
    for k in range(rot.shape[0]):
        rot[k] = c * mat[j, k].real + s * mat[j, k].imag
    _project(f, rot, proj)
    lsb = 2.0 / levels
    for b in range(proj.shape[0]):
        volts = k_tia * (k_pd[j] * proj[b] + o_pd[j]) + o_tia
        q = min(max(volts / vfs[j], -1.0), 1.0) + 1.0
        q = min(max(math.floor(q / lsb), 0.0), levels - 1.0) + 0.5
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
    f = np.empty((n, B))
    er, ei, rot = np.empty(B), np.empty(B), np.empty(n)
    scratch = np.empty((3, m))
    for t in range(T):
        if t == 0 or codes.shape[0] > 1:
            _fields(codes[t if codes.shape[0] > 1 else 0], table, f)
        for j in range(m):
            lo[t, j], rms[t, j] = _lo_rms(f, matrices[t], z[t], k_pd, o_pd, j, er, ei)
            peak = loading * rms[t, j]
            wanted = vfs[j] / peak if peak > 0.0 else gain_hi
            gain[t, j] = min(max(wanted, gain_lo), gain_hi)
            if wanted > gain_hi:
                for k in range(n):
                    if ideals[t, j, k] != 0.0:
                        limited[t] = True
                        break
            g = gain[t, j]
            _codes(f, matrices[t], lo[t, j], k_pd, o_pd, g * k_tia[j], g * o_tia[j], vfs,
                   levels, j, y[t], rot, er)
        _fit(y[t], z[t], alpha[t], beta[t], live[t], r[t], scratch[0], scratch[1],
             scratch[2])
    return lo, rms, gain, y, alpha, beta, live, r, limited
