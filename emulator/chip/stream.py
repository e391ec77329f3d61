"""The fast read-out of a layer's tiles: one product, one compiled pass.

:meth:`Chip.detect` evaluates the read-out chain component by component, over whole
arrays: detector current, TIA voltage, noise, ADC, then the digital decode and the
partial sums.  For the common core (coherent detection of real laser light) everything
between the mesh and the ADC is linear, so the chain folds into the tile matrices:

    v_tbj / v_fs = Σ_i K_tji · E_bi + o_tj + s_tj · n_tbj,   K = diag(k_tj) · Re(e^{−iφ_tj} M_t)

where the gain k (detector current per unit field quadrature, times the TIA's volts per
ampere, over the ADC's full scale) and the offset o are measured from the component
models themselves (each model called at 0, 1 and −2 and checked to be affine), and s is
the receiver's noise (:meth:`Chain.noise_current2`) at the ADC input.  A compiled loop
then draws the noise, quantizes with the ADC's own level function
(:func:`components.electronics.adc.level`), decodes with each tile's calibration
(α·y + β) and adds the partial sums of a row of tiles — one pass over the read-outs
instead of a dozen array passes.  A chain that is not affine (intensity detection,
complex light) keeps the general path (:func:`foldable` is False).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from components.electronics.adc import level

from . import gauss

_level = numba.njit(cache=True, inline="always")(level)


@numba.njit(cache=True, inline="always")
def _index(code, levels):
    """The DAC's level index of a normalized code: :func:`level`'s k, step for step."""
    lsb = 2.0 / levels
    k = math.floor((min(max(np.float64(code), -1.0), 1.0) + 1.0) / lsb)
    return min(max(k, 0), levels - 1)


@numba.njit(cache=True, nogil=True, parallel=True)
def _light(x, scale, table, n_cols, out):
    """out[c, k, b]: the modulator field of input c·n + k of column b, x / scale as the
    DAC's code (divided in x's own precision, like numpy), looked up in ``table``."""
    n_l, batch = x.shape
    n, levels = table.shape
    dark = _index(0.0, levels)  # padded inputs: code 0
    for c in numba.prange(n_cols):
        for k in range(n):
            row = c * n + k
            if row < n_l and scale != 0.0:
                for b in range(batch):
                    out[c, k, b] = table[k, _index(x[row, b] / scale, levels)]
            else:
                out[c, k, :] = table[k, dark]


@numba.njit(cache=True, nogil=True, parallel=True)
def _readout(mats, fields, offset, sigma, alpha, beta, levels, m, noisy, key, gain, out):
    """out[i, b] = gain · Σ_c α[c,i]·level(v + o[c,i] + s[c,i]·n) + β[c,i] for the rows
    i < out.shape[0], with the ADC input v = Σ_k mats[c,i,k]·fields[c,k,b] and n draw
    (c·rows + i)·B + b of ``key``: each output's product, noise, conversion and decode
    done while its row is in cache.  Threads take blocks of m rows; every output is
    summed in the same order whatever the threads."""
    n_cols, n_rows, n = mats.shape
    used, batch = out.shape
    ki, wi, fi = gauss.KI, gauss.WI, gauss.FI
    for r in numba.prange((used + m - 1) // m):
        lo, hi = r * m, min((r + 1) * m, used)
        acc = np.zeros((hi - lo, batch))
        volts = np.empty(batch)
        draw = np.zeros(batch)
        bits = np.empty(batch, dtype=np.uint64)
        for c in range(n_cols):
            for i in range(lo, hi):
                volts[:] = offset[c, i]
                for k in range(n):  # the inner loop runs along the batch: it vectorizes
                    a = mats[c, i, k]
                    if a != 0.0:
                        for b in range(batch):
                            volts[b] += a * fields[c, k, b]
                if noisy:
                    gauss.fill(key, np.uint64((c * n_rows + i) * batch), draw, bits,
                               ki, wi, fi)
                s, a, b0 = sigma[c, i], alpha[c, i], beta[c, i]
                row = acc[i - lo]
                for b in range(batch):
                    row[b] += a * _level(volts[b] + s * draw[b], levels) + b0
        for i in range(lo, hi):
            for b in range(batch):
                out[i, b] = acc[i - lo, b] * gain


def light_table(chip) -> np.ndarray:
    """(n, 2^bits) modulator fields of every DAC level on every input channel, from the
    DAC's and the modulators' own models (what :meth:`Chip.light` gives for a code of
    that level, exactly)."""
    c = chip.chain
    levels = 2 ** int(c.dac.params["bits"])
    centres = -1.0 + (np.arange(levels) + 0.5) * (2.0 / levels)
    codes = np.broadcast_to(centres[:, None], (levels, chip.n))
    return np.ascontiguousarray(np.real(chip.light(codes)).T)


_PROBE = np.array([0.0, 1.0, -2.0])[:, None]


def _affine(fn, shape) -> tuple[np.ndarray, np.ndarray] | None:
    """Slope and offset of ``fn`` if it is affine on each channel (probed at 0, 1, −2)."""
    f0, f1, f2 = np.asarray(fn(np.broadcast_to(_PROBE, (3,) + shape)), dtype=float)
    k = f1 - f0
    miss = np.abs(f2 - (f0 - 2.0 * k))
    if np.any(miss > 1e-12 * (np.abs(f0) + 2.0 * np.abs(k))):
        return None
    return np.broadcast_to(k, shape), np.broadcast_to(f0, shape)


class Stream:
    """A layer's programmed tiles folded for :meth:`run`: arrays over column blocks c and
    stacked tile outputs i = r·m + j, filled tile by tile with :meth:`put`; ``light``:
    the chip's :func:`light_table`."""

    def __init__(self, rows: int, cols: int, m: int, n: int, levels: int, light=None):
        self.cols, self.m = cols, m
        self.mats = np.zeros((cols, rows * m, n))  # ADC input per unit modulator field, / v_fs
        self.offset = np.zeros((cols, rows * m))
        self.sigma = np.zeros((cols, rows * m))  # noise at the ADC input, / v_fs
        self.alpha = np.zeros((cols, rows * m))  # digital decode scale
        self.beta = np.zeros((cols, rows * m))  # digital decode offset
        self.levels = int(levels)  # ADC levels, 2^bits
        self.light = light  # (n, DAC levels) modulator field per code level
        self._fields: dict[int, np.ndarray] = {}  # (C, n, B) scratch per batch size

    def put(self, t: int, folded: tuple, alpha, beta) -> None:
        """Tile t = r·C + c: its :func:`fold` and its calibration's α, β (m,)."""
        r, c = divmod(t, self.cols)
        rows = slice(r * self.m, (r + 1) * self.m)
        mats, offset, sigma = folded
        self.mats[c, rows] = mats
        self.offset[c, rows] = offset
        self.sigma[c, rows] = sigma
        self.alpha[c, rows] = alpha
        self.beta[c, rows] = beta

    def fields(self, x: np.ndarray, scale: float) -> np.ndarray:
        """(C, n, B) modulator fields of the layer input x (n_l, B) at codes x / scale."""
        b = x.shape[1]
        f = self._fields.get(b)
        if f is None:
            f = self._fields[b] = np.empty((self.cols, self.light.shape[0], b))
        _light(x, x.dtype.type(scale), self.light, self.cols, f)
        return f

    def run(self, x: np.ndarray, scale: float, out: np.ndarray, gain: float = 1.0,
            rng=None) -> np.ndarray:
        """out (rows, B) = ``gain`` × the row sums of the decoded read-outs of the layer
        input x (n_l, B) at codes x / scale, for the first ``out.shape[0]`` rows (the rest
        are padding nobody reads); noise drawn from ``rng`` if given (one key per pass,
        :mod:`.gauss`)."""
        key = np.uint64(0) if rng is None else gauss.key(rng)
        _readout(self.mats, self.fields(x, scale), self.offset, self.sigma, self.alpha,
                 self.beta, self.levels, self.m, rng is not None, key, float(gain), out)
        return out


def foldable(chip) -> bool:
    """True when the chain from the mesh to the ADC is affine (coherent detection of real
    laser light, detector and TIA models affine): :func:`fold` applies."""
    c = chip.chain
    if c.pd.params["mode"] != "coherent" or np.any(c.field_in.imag != 0.0):
        return False
    return pd_affine(chip) is not None and _affine(
        lambda i: c.tia.component.signal(c.tia.params, i), (chip.m,)) is not None


def pd_affine(chip):
    """The detectors' current per unit in-phase field and offset (m,), probed."""
    c = chip.chain
    return _affine(lambda q: c.pd.component.signal({**c.pd.params, "lo_phase": 0.0}, q),
                   (chip.m,))


def fold(chip, matrix, lo, gain, pd=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One tile (channel matrix (m, n), LO phases and TIA gains (m,)) folded: the ADC
    input per unit modulator field (m, n), its offset and its noise σ (m,), all over the
    ADC's full scale.  ``pd``: the detectors' (slope, offset), if already probed."""
    c = chip.chain
    k_pd, o_pd = pd_affine(chip) if pd is None else pd
    tia_p = {**c.tia.params, "gain": gain}
    k_tia, o_tia = _affine(lambda i: c.tia.component.signal(tia_p, i), (chip.m,))
    vfs = np.broadcast_to(np.asarray(c.adc.params["v_fs"], dtype=float), (chip.m,))
    k = k_tia * k_pd / vfs
    rot = (np.exp(-1j * np.asarray(lo))[:, None] * matrix).real * k[:, None]
    sigma = gain * np.sqrt(c.noise_current2(tia_p)) / vfs
    return rot, (k_tia * o_pd + o_tia) / vfs, np.broadcast_to(sigma, (chip.m,))
