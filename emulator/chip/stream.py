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
then draws the noise, quantizes like the ADC's own level function
(:func:`components.electronics.adc.level`, tested equal), decodes with each tile's calibration
(α·y + β) and adds the partial sums of a row of tiles — one pass over the read-outs
instead of a dozen array passes (:mod:`.kernels`).  The DACs and modulators before it
are a table: a DAC has 2^bits levels, so :func:`light_table` evaluates both models
once on every level of every channel and the loop looks the field up from the code.
A chain that is not affine (intensity detection, complex light) keeps the general path
(:func:`foldable` is False).

The noise is counter-based (:mod:`.gauss`): one 64-bit key per pass drawn from the
caller's generator, each read-out's draw a function of the key and its position.
"""

from __future__ import annotations

import numba
import numpy as np

from . import gauss, kernels


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
    probe = _PROBE.reshape((3,) + (1,) * len(shape))
    f0, f1, f2 = np.asarray(fn(np.broadcast_to(probe, (3,) + shape)), dtype=float)
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
        self.threads = 1  # > 1: the threaded loops, on that many threads (same numbers)

    def _kernel(self, pair):
        if self.threads <= 1:
            return pair[0]
        numba.set_num_threads(min(self.threads, numba.config.NUMBA_NUM_THREADS))
        return pair[1]

    def put(self, t, folded: tuple, alpha, beta) -> None:
        """Tile t = r·C + c: its :func:`fold` and its calibration's α, β (m,); or tiles
        t (K,) with a leading axis of K on each."""
        r, c = np.divmod(t, self.cols)
        rows = (np.asarray(r)[..., None] * self.m + np.arange(self.m))  # (K, m) or (m,)
        cols = np.asarray(c)[..., None]
        mats, offset, sigma = folded
        self.mats[cols, rows] = mats
        self.offset[cols, rows] = offset
        self.sigma[cols, rows] = sigma
        self.alpha[cols, rows] = alpha
        self.beta[cols, rows] = beta

    def fields(self, x: np.ndarray, scale: float) -> np.ndarray:
        """(C, n, B) modulator fields of the layer input x (n_l, B) at codes x / scale."""
        b = x.shape[1]
        f = self._fields.get(b)
        if f is None:
            f = self._fields[b] = np.empty((self.cols, self.light.shape[0], b))
        self._kernel(kernels.light)(x, x.dtype.type(scale), self.light, self.cols, f)
        return f

    def run(self, x: np.ndarray, scale: float, out: np.ndarray, gain: float = 1.0,
            rng=None) -> np.ndarray:
        """out (rows, B) = ``gain`` × the row sums of the decoded read-outs of the layer
        input x (n_l, B) at codes x / scale, for the first ``out.shape[0]`` rows (the rest
        are padding nobody reads); noise drawn from ``rng`` if given."""
        return self.read(self.fields(x, scale), out, gain, rng)

    def read(self, fields: np.ndarray, out: np.ndarray, gain: float = 1.0,
             rng=None) -> np.ndarray:
        """:meth:`run` from the modulator fields (C, n, B); the noise's key is one draw
        of ``rng`` (:mod:`.gauss`)."""
        key = np.uint64(0) if rng is None else gauss.key(rng)
        self._kernel(kernels.readout)(self.mats, fields, self.offset, self.sigma, self.alpha,
                                      self.beta, self.levels, self.m, rng is not None, key,
                                      float(gain), out)
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


def tia_affine(chip, gain):
    """The TIAs' volts per ampere and offset at transimpedances ``gain`` (..., m), probed
    (None if not affine)."""
    c = chip.chain
    tia_p = {**c.tia.params, "gain": gain}
    return _affine(lambda i: c.tia.component.signal(tia_p, i), np.shape(gain))


def tia_per_gain(chip):
    """The TIAs' slope and offset per ohm of gain (m,): :func:`tia_affine` at unit gain,
    if over the TIA's gain range (nine gains spread evenly in log) the probed slope and
    offset are the gain times these (to 1e-12), else None."""
    c, m = chip.chain, chip.m
    span = c.tia.component.param("gain")
    gains = np.geomspace(span.lo, span.hi, 9)[:, None] * np.ones(m)
    unit, probed = tia_affine(chip, np.ones(m)), tia_affine(chip, gains)
    if unit is None or probed is None:
        return None
    (k, o), (k1, o1) = probed, unit
    miss = np.abs(k - gains * k1) + np.abs(o - gains * o1)
    if np.any(miss > 1e-12 * gains * (np.abs(k1) + np.abs(o1))):
        return None
    return np.ascontiguousarray(k1, dtype=float), np.ascontiguousarray(o1, dtype=float)


def fold(chip, matrix, lo, gain, pd=None, noise2=None) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """One tile (channel matrix (m, n), LO phases and TIA gains (m,)) folded: the ADC
    input per unit modulator field (m, n), its offset and its noise σ (m,), all over the
    ADC's full scale; or a stack of tiles, each with a leading tile axis.  ``pd``: the
    detectors' (slope, offset), if already probed; ``noise2``: the receivers' noise
    variance at these gains (:meth:`.Chain.noise_current2`), if already computed.  The
    TIAs' slope and offset are the chip's per unit gain times the gains where it has them
    (:func:`tia_per_gain`), else probed at these gains."""
    c = chip.chain
    rx = getattr(chip, "rx", None)
    k_pd, o_pd = pd_affine(chip) if pd is None else pd
    gain = np.asarray(gain)
    if rx is not None and rx.tia is not None:
        k_tia, o_tia = gain * rx.tia[0], gain * rx.tia[1]
        vfs = rx.vfs
    else:
        k_tia, o_tia = tia_affine(chip, gain)
        vfs = np.broadcast_to(np.asarray(c.adc.params["v_fs"], dtype=float), (chip.m,))
    if noise2 is None:
        noise2 = c.noise_current2({**c.tia.params, "gain": gain})
    k = k_tia * k_pd / vfs
    matrix = np.asarray(matrix, dtype=complex)
    lead = matrix.shape[:-1]  # (T, m) or (m,)
    lo = np.asarray(lo, dtype=float)
    if lo.shape != lead:
        lo = np.broadcast_to(lo, lead)
    if k.shape != lead:
        k = np.broadcast_to(k, lead)
    rot = kernels.quadrature(matrix.reshape((-1,) + matrix.shape[-2:]),
                             lo.reshape(-1, lead[-1]), k.reshape(-1, lead[-1])
                             ).reshape(matrix.shape)
    sigma = gain * np.sqrt(noise2) / vfs
    if sigma.shape != gain.shape:
        sigma = np.broadcast_to(sigma, gain.shape)
    return rot, (k_tia * o_pd + o_tia) / vfs, sigma
