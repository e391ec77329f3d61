"""Compiled loops of a tile's calibration (:func:`.calibrate.calibrate_many`) on a core
whose receivers are affine (:func:`.stream.foldable`: coherent detection of real laser
light, detector and TIA affine per channel, as probed from their own models): the
calibration batch through each tile output once for its LO phase and signal rms, then
once more for its noiseless read-out codes.  The component arithmetic is the models'
(``slope·x + offset`` of the probed detector and TIA, the ADC's mid-rise quantizer of
:func:`components.electronics.adc.quantize`); the sums run in another order than
numpy's, so results agree to rounding (tests hold them to 1e-12).
"""

from __future__ import annotations

import math

import numba
import numpy as np

_JIT = dict(cache=True, nogil=True)


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
def lo_and_rms(fields, matrices, z, k_pd, o_pd):
    """LO phase (T, m) of each output, arg Σ_b E_jb·z_jb, and the rms of its detector
    current over the batch, for modulator fields (1 or T, B, n), channel matrices
    (T, m, n) and expected outputs z (T, B, m)."""
    T, m, n = matrices.shape
    B = z.shape[1]
    lo, rms = np.zeros((T, m)), np.empty((T, m))
    er, ei = np.empty(B), np.empty(B)
    for t in range(T):
        f = np.ascontiguousarray(fields[t if fields.shape[0] > 1 else 0].T)
        for j in range(m):
            _project(f, matrices[t, j].real, er)
            _project(f, matrices[t, j].imag, ei)
            cr = ci = 0.0
            for b in range(B):
                cr += er[b] * z[t, b, j]
                ci += ei[b] * z[t, b, j]
            if cr != 0.0 or ci != 0.0:
                lo[t, j] = math.atan2(ci, cr)
            c, s = math.cos(lo[t, j]), math.sin(lo[t, j])
            acc = 0.0
            for b in range(B):
                current = k_pd[j] * (er[b] * c + ei[b] * s) + o_pd[j]
                acc += current * current
            rms[t, j] = math.sqrt(acc / B)
    return lo, rms


@numba.njit(**_JIT)
def codes(fields, matrices, lo, k_pd, o_pd, k_tia, o_tia, vfs, levels):
    """Noiseless read-out codes (T, B, m) of the batch: the quadrature at each output's
    LO phase, detector, TIA (slopes and offsets (m,) and (T, m)), ADC of full scale vfs."""
    T, m, n = matrices.shape
    B = fields.shape[1]
    lsb = 2.0 / levels
    y = np.empty((T, B, m))
    rot, proj = np.empty(n), np.empty(B)
    for t in range(T):
        f = np.ascontiguousarray(fields[t if fields.shape[0] > 1 else 0].T)
        for j in range(m):
            c, s = math.cos(lo[t, j]), math.sin(lo[t, j])
            for k in range(n):
                rot[k] = c * matrices[t, j, k].real + s * matrices[t, j, k].imag
            _project(f, rot, proj)
            for b in range(B):
                volts = k_tia[t, j] * (k_pd[j] * proj[b] + o_pd[j]) + o_tia[t, j]
                q = min(max(volts / vfs[j], -1.0), 1.0) + 1.0
                q = min(max(math.floor(q / lsb), 0.0), levels - 1.0) + 0.5
                y[t, b, j] = q * lsb - 1.0
    return y


@numba.njit(**_JIT)
def fit(y, z):
    """Least-squares decode z ≈ α·y + β per output of read-outs y and expected outputs z
    (P, B, m): α, β, ``live`` and the correlation r (P, m), as
    :func:`.calibrate.fit` defines them; every sum over the batch runs in batch order."""
    P, B, m = y.shape
    alpha, beta, r = np.zeros((P, m)), np.empty((P, m)), np.ones((P, m))
    live = np.zeros((P, m), dtype=np.bool_)
    var_y, cov, var_z = np.zeros(m), np.zeros(m), np.zeros(m)
    for p in range(P):
        ym, zm = np.zeros(m), np.zeros(m)
        for b in range(B):
            for j in range(m):
                ym[j] += y[p, b, j]
                zm[j] += z[p, b, j]
        ym /= B
        zm /= B
        var_y[:], cov[:], var_z[:] = 0.0, 0.0, 0.0
        for b in range(B):
            for j in range(m):
                dy, dz = y[p, b, j] - ym[j], z[p, b, j] - zm[j]
                var_y[j] += dy * dy
                cov[j] += dy * dz
                var_z[j] += dz * dz
        top = 0.0
        for j in range(m):
            top = max(top, var_z[j])
        top = max(top, 1e-300)
        for j in range(m):
            if var_y[j] > 0.0:
                alpha[p, j] = cov[j] / var_y[j]
            beta[p, j] = zm[j] - alpha[p, j] * ym[j]
            live[p, j] = var_z[j] > 1e-12 * top
            if live[p, j] and var_y[j] > 0.0:
                r[p, j] = cov[j] / math.sqrt(max(var_y[j] * var_z[j], 1e-300))
    return alpha, beta, live, r
