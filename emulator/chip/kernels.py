"""The compiled loops of a layer's folded read-out (:mod:`.stream`), each built twice:
serial, and threaded over blocks of rows (``parallel=True``), with the same numbers
(every output is summed in the same order, and the noise is counter-based,
:mod:`.gauss`, so no draw depends on which thread made it).

* :func:`light`: layer input → DAC codes (x / scale in x's own precision, like numpy)
  → the DAC's level index (:func:`components.electronics.adc.quantize`'s) → the
  modulator field of that level, from the chip's table (:func:`.stream.light_table`).
* :func:`readout`: product with the folded tile matrices, noise, the ADC's level, the
  decode α·y + β and the partial sums of a row of tiles, one output row at a time while
  it is in cache; rows past the layer's outputs (tile padding) are not computed.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from . import gauss

_inline = numba.njit(cache=True, inline="always", error_model="numpy")


@intrinsic
def fma(typingctx, a, b, c):
    """a·b + c rounded once (IEEE-754 fusedMultiplyAdd, ``llvm.fma``): one instruction
    where the CPU has it, and the same number in every build of a loop (left to the
    compiler, a contraction could differ between the serial and threaded builds)."""
    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d]))
        return builder.call(fn, args)
    return types.float64(types.float64, types.float64, types.float64), codegen


@_inline
def _index(code, levels):
    """The DAC's level index of a normalized code: the k of
    :func:`components.electronics.adc.level`, its division by the step 2/levels (a
    power of two) done as a multiplication by levels/2 (the same number; tested)."""
    k = math.floor((min(max(np.float64(code), -1.0), 1.0) + 1.0) * (levels * 0.5))
    return min(max(k, 0), levels - 1)


def _light(x, scale, table, n_cols, out):
    """out[c, k, b]: the modulator field of input c·n + k of column b, x / scale as the
    DAC's code (divided in x's own precision, like numpy), looked up in ``table``."""
    n_l, batch = x.shape
    n, levels = table.shape
    dark = _index(0.0, levels)  # padded inputs: code 0
    for c in numba.prange(n_cols):
        idx = np.empty(batch, dtype=np.int64)
        for k in range(n):
            row = c * n + k
            if row < n_l and scale != 0.0:
                for b in range(batch):  # the codes vectorize, the look-ups do not
                    idx[b] = _index(x[row, b] / scale, levels)
            else:
                idx[:] = dark
            t, f = table[k], out[c, k]
            for b in range(batch):
                f[b] = t[idx[b]]


@_inline
def _dot(mats, fields, offset, c, i, v):
    """v[b] = o[c,i] + Σ_k mats[c,i,k]·fields[c,k,b]: the ADC input of output i."""
    v[:] = offset[c, i]
    for k in range(fields.shape[1]):
        a, f = mats[c, i, k], fields[c, k]
        for b in range(v.shape[0]):  # along the batch: it vectorizes
            v[b] = fma(a, f[b], v[b])


@_inline
def _dot4(mats, fields, offset, c, i, v0, v1, v2, v3):
    """:func:`_dot` of outputs i … i + 3, four inputs k at a time: each load of the
    fields serves four outputs and each output is loaded and stored once per four
    inputs.  Every sum still runs k = 0, 1, 2, … in order: the same numbers."""
    n = fields.shape[1]
    v0[:], v1[:] = offset[c, i], offset[c, i + 1]
    v2[:], v3[:] = offset[c, i + 2], offset[c, i + 3]
    k = 0
    while k + 4 <= n:
        a00, a01, a02, a03 = mats[c, i, k], mats[c, i, k + 1], mats[c, i, k + 2], mats[c, i, k + 3]
        a10, a11, a12, a13 = (mats[c, i + 1, k], mats[c, i + 1, k + 1], mats[c, i + 1, k + 2],
                              mats[c, i + 1, k + 3])
        a20, a21, a22, a23 = (mats[c, i + 2, k], mats[c, i + 2, k + 1], mats[c, i + 2, k + 2],
                              mats[c, i + 2, k + 3])
        a30, a31, a32, a33 = (mats[c, i + 3, k], mats[c, i + 3, k + 1], mats[c, i + 3, k + 2],
                              mats[c, i + 3, k + 3])
        f0, f1, f2, f3 = fields[c, k], fields[c, k + 1], fields[c, k + 2], fields[c, k + 3]
        for b in range(v0.shape[0]):  # along the batch: it vectorizes
            x0, x1, x2, x3 = f0[b], f1[b], f2[b], f3[b]
            v0[b] = fma(a03, x3, fma(a02, x2, fma(a01, x1, fma(a00, x0, v0[b]))))
            v1[b] = fma(a13, x3, fma(a12, x2, fma(a11, x1, fma(a10, x0, v1[b]))))
            v2[b] = fma(a23, x3, fma(a22, x2, fma(a21, x1, fma(a20, x0, v2[b]))))
            v3[b] = fma(a33, x3, fma(a32, x2, fma(a31, x1, fma(a30, x0, v3[b]))))
        k += 4
    for k in range(k, n):
        a0, a1, a2, a3 = mats[c, i, k], mats[c, i + 1, k], mats[c, i + 2, k], mats[c, i + 3, k]
        f = fields[c, k]
        for b in range(v0.shape[0]):
            v0[b] = fma(a0, f[b], v0[b])
            v1[b] = fma(a1, f[b], v1[b])
            v2[b] = fma(a2, f[b], v2[b])
            v3[b] = fma(a3, f[b], v3[b])


@_inline
def _adc(v, top, per_lsb, lsb):
    """The ADC's :func:`components.electronics.adc.level`, step for step, with its
    division by the step lsb = 2/levels (a power of two) done as a multiplication by
    per_lsb = levels/2, the level index kept a float (top = levels − 1) and the clip
    of v to [−1, 1] done on (v + 1)·per_lsb (exact: per_lsb is a power of two): the
    same numbers (tested), and the loop vectorizes."""
    return -1.0 + (_step(v, top, per_lsb) + 0.5) * lsb


@_inline
def _step(v, top, per_lsb):
    """The ADC's level index k (a float) of input v: level = −1 + (k + ½)·lsb."""
    return np.floor(min(max(v * per_lsb + per_lsb, 0.0), top))


@_inline
def _convert(v, c, i, n_rows, sigma, alpha, beta, levels, noisy, key, draw, acc):
    """acc[b] += α·level(v[b] + s·n_b) + β for output i of column block c, as
    (α·lsb)·k + (β + α·(lsb/2 − 1)) (level is exact, so only the decode's rounding
    changes)."""
    top, per_lsb, lsb = levels - 1.0, levels * 0.5, 2.0 / levels
    a = alpha[c, i]
    a_k, b_k = a * lsb, beta[c, i] + a * (0.5 * lsb - 1.0)
    if noisy:
        gauss.fill(key, np.uint64((c * n_rows + i) * draw.shape[0]), draw)
        s = sigma[c, i]
        for b in range(acc.shape[0]):
            acc[b] += fma(a_k, _step(fma(s, np.float64(draw[b]), v[b]), top, per_lsb), b_k)
    else:
        for b in range(acc.shape[0]):
            acc[b] += fma(a_k, _step(v[b], top, per_lsb), b_k)


@_inline
def _convert4(vs, c, i, n_rows, sigma, alpha, beta, levels, noisy, key, draw, acc):
    """:func:`_convert` of outputs i … i + 3 (ADC inputs ``vs``, accumulators ``acc``
    (4, B)) in one loop, their noise from one fill of 4·B' draws starting at
    (c·rows + i)·B' (output i + r takes draws r·B' … of it): the same draws a fill per
    output would take, in another order."""
    top, per_lsb, lsb = levels - 1.0, levels * 0.5, 2.0 / levels
    v0, v1, v2, v3 = vs
    r0, r1, r2, r3 = acc
    half = 0.5 * lsb - 1.0
    a0, a1, a2, a3 = (alpha[c, i] * lsb, alpha[c, i + 1] * lsb, alpha[c, i + 2] * lsb,
                      alpha[c, i + 3] * lsb)
    b0, b1 = beta[c, i] + alpha[c, i] * half, beta[c, i + 1] + alpha[c, i + 1] * half
    b2, b3 = beta[c, i + 2] + alpha[c, i + 2] * half, beta[c, i + 3] + alpha[c, i + 3] * half
    if noisy:
        step = draw.shape[0] // 4
        gauss.fill(key, np.uint64((c * n_rows + i) * step), draw)
        s0, s1, s2, s3 = sigma[c, i], sigma[c, i + 1], sigma[c, i + 2], sigma[c, i + 3]
        for b in range(r0.shape[0]):
            r0[b] += fma(a0, _step(fma(s0, np.float64(draw[b]), v0[b]), top, per_lsb), b0)
            r1[b] += fma(a1, _step(fma(s1, np.float64(draw[step + b]), v1[b]), top,
                                   per_lsb), b1)
            r2[b] += fma(a2, _step(fma(s2, np.float64(draw[2 * step + b]), v2[b]), top,
                                   per_lsb), b2)
            r3[b] += fma(a3, _step(fma(s3, np.float64(draw[3 * step + b]), v3[b]), top,
                                   per_lsb), b3)
    else:
        for b in range(r0.shape[0]):
            r0[b] += fma(a0, _step(v0[b], top, per_lsb), b0)
            r1[b] += fma(a1, _step(v1[b], top, per_lsb), b1)
            r2[b] += fma(a2, _step(v2[b], top, per_lsb), b2)
            r3[b] += fma(a3, _step(v3[b], top, per_lsb), b3)


def _readout(mats, fields, offset, sigma, alpha, beta, levels, m, noisy, key, gain, out):
    """out[i, b] = gain · Σ_c α[c,i]·level(v + o[c,i] + s[c,i]·n) + β[c,i] for the rows
    i < out.shape[0] (the rest is padding nobody reads), with the ADC input
    v = Σ_k mats[c,i,k]·fields[c,k,b] and n from draws (c·rows + i)·B' … of ``key``
    (B': B rounded up to even, :func:`gauss.fill`; four outputs at a time share one fill,
    :func:`_convert4`): each output's product, noise,
    conversion and decode done while its row is in cache.  Threads take blocks of m
    rows; every output is summed in the same order whatever the threads."""
    n_cols, n_rows, n = mats.shape
    used, batch = out.shape
    for t in numba.prange((used + m - 1) // m):
        lo, hi = t * m, min((t + 1) * m, used)
        acc = np.zeros((hi - lo, batch))
        v0, v1, v2, v3 = np.empty(batch), np.empty(batch), np.empty(batch), np.empty(batch)
        draw = np.zeros(batch + batch % 2, dtype=np.float32)
        draw4 = np.zeros(4 * draw.shape[0], dtype=np.float32)
        for c in range(n_cols):
            i = lo
            while i + 4 <= hi:
                _dot4(mats, fields, offset, c, i, v0, v1, v2, v3)
                _convert4((v0, v1, v2, v3), c, i, n_rows, sigma, alpha, beta, levels, noisy,
                          key, draw4, (acc[i - lo], acc[i + 1 - lo], acc[i + 2 - lo],
                                       acc[i + 3 - lo]))
                i += 4
            for j in range(i, hi):
                _dot(mats, fields, offset, c, j, v0)
                _convert(v0, c, j, n_rows, sigma, alpha, beta, levels, noisy, key, draw,
                         acc[j - lo])
        for i in range(lo, hi):
            for b in range(batch):
                out[i, b] = acc[i - lo, b] * gain


def _build(fn):
    """(serial, threaded) compiled versions of ``fn``."""
    return tuple(numba.njit(cache=True, nogil=True, error_model="numpy", parallel=p)(fn)
                 for p in (False, True))


light = _build(_light)
readout = _build(_readout)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def quadrature(matrix, lo, k):
    """k[t,i] · Re(e^{−i·lo[t,i]} · matrix[t,i,j]) (T, m, n): the in-phase part of each
    output's field per unit input, scaled (:func:`.stream.fold`)."""
    T, m, n = matrix.shape
    out = np.empty((T, m, n))
    for t in range(T):
        for i in range(m):
            c, s, g = math.cos(lo[t, i]), math.sin(lo[t, i]), k[t, i]
            for j in range(n):
                z = matrix[t, i, j]
                out[t, i, j] = (c * z.real + s * z.imag) * g
    return out
