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

import numba
import numpy as np

from components.electronics.adc import level

_level = numba.njit(cache=True, inline="always")(level)
_QUIET = np.random.default_rng(0)  # stands in for the generator when there is no noise


@numba.njit(cache=True, nogil=True)
def _readout(mats, fields, offset, sigma, alpha, beta, levels, noisy, rng, out):
    """out[i, b] = Σ_c α[c,i]·level(v + o[c,i] + s[c,i]·n) + β[c,i] with the ADC input
    v = Σ_k mats[c,i,k]·fields[c,k,b]: each tile output's product, noise, conversion and
    decode done while its row is in cache (no batch-sized temporaries)."""
    n_cols, n_rows, n = mats.shape
    batch = fields.shape[2]
    volts = np.empty(batch)
    draw = np.zeros(batch)
    for c in range(n_cols):
        for i in range(n_rows):
            volts[:] = offset[c, i]
            for k in range(n):  # the inner loop runs along the batch: it vectorizes
                a = mats[c, i, k]
                if a != 0.0:
                    for b in range(batch):
                        volts[b] += a * fields[c, k, b]
            s, a, b0 = sigma[c, i], alpha[c, i], beta[c, i]
            if noisy:  # drawn apart from the arithmetic: the loops stay tight
                for b in range(batch):
                    draw[b] = rng.standard_normal()
            for b in range(batch):
                out[i, b] += a * _level(volts[b] + s * draw[b], levels) + b0


_PROBE = np.array([0.0, 1.0, -2.0])[:, None]


def _affine(fn, shape) -> tuple[np.ndarray, np.ndarray] | None:
    """Slope and offset of ``fn`` if it is affine on each channel (probed at 0, 1, −2)."""
    probe = _PROBE.reshape((3,) + (1,) * len(shape))
    f0, f1, f2 = np.asarray(fn(np.broadcast_to(probe, (3,) + shape)), dtype=float)
    k = f1 - f0
    miss = np.abs(f2 - (f0 - 2.0 * k))
    if np.any(miss > 1e-12 * (np.abs(f0) + 2.0 * np.abs(k))):
        return None
    return np.broadcast_to(k, shape), np.broadcast_to(f0, shape)


class Stream:
    """A layer's programmed tiles folded for :meth:`run`: arrays over column blocks c and
    stacked tile outputs i = r·m + j, filled tile by tile with :meth:`put`."""

    def __init__(self, rows: int, cols: int, m: int, n: int, levels: int):
        self.cols, self.m = cols, m
        self.mats = np.zeros((cols, rows * m, n))  # ADC input per unit modulator field, / v_fs
        self.offset = np.zeros((cols, rows * m))
        self.sigma = np.zeros((cols, rows * m))  # noise at the ADC input, / v_fs
        self.alpha = np.zeros((cols, rows * m))  # digital decode scale
        self.beta = np.zeros((cols, rows * m))  # digital decode offset
        self.levels = int(levels)  # ADC levels, 2^bits

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

    def run(self, fields: np.ndarray, rng=None) -> np.ndarray:
        """Row sums (R·m, B) of the decoded read-outs for real modulator fields given
        per column block as (C, n, B), noise drawn from ``rng`` if given."""
        out = np.zeros((self.mats.shape[1], fields.shape[2]))
        _readout(self.mats, np.ascontiguousarray(fields), self.offset, self.sigma,
                 self.alpha, self.beta, self.levels, rng is not None,
                 _QUIET if rng is None else rng, out)
        return out


def foldable(chip) -> bool:
    """True when the chain from the mesh to the ADC is affine (coherent detection of real
    laser light, detector and TIA models affine): :func:`fold` applies."""
    c = chip.chain
    if c.pd.params.get("mode") != "coherent" or np.any(c.field_in.imag != 0.0):
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
    ADC's full scale; or a stack of tiles, each with a leading tile axis.  ``pd``: the
    detectors' (slope, offset), if already probed."""
    c = chip.chain
    k_pd, o_pd = pd_affine(chip) if pd is None else pd
    gain = np.asarray(gain)
    tia_p = {**c.tia.params, "gain": gain}
    k_tia, o_tia = _affine(lambda i: c.tia.component.signal(tia_p, i), gain.shape)
    vfs = np.broadcast_to(np.asarray(c.adc.params["v_fs"], dtype=float), (chip.m,))
    k = k_tia * k_pd / vfs
    rot = (np.exp(-1j * np.asarray(lo))[..., None] * matrix).real * k[..., None]
    sigma = gain * np.sqrt(c.noise_current2(tia_p)) / vfs
    return rot, (k_tia * o_pd + o_tia) / vfs, np.broadcast_to(sigma, gain.shape)
