"""Setting up a programmed tile's read-out, as a real system does it.

With ``calibrate`` on, for every tile written, a calibration batch is streamed through:
the last input codes the tile's column block saw in training (representative data, as
a real controller would keep), or before any data known codes (half in [0, 1] like pixel
and ReLU activations, half in [−1, 1]):

1. **LO phase** of each coherent detector: the quadrature that carries the signal,
   φ_j = arg Σ_b E_jb·z_jb (the phase a sweep of the LO maximising the correlation with
   the expected output finds), which also undoes a common phase error of the row;
2. **gain**: each TIA's transimpedance is set so the ADC's full scale sits at four times
   the rms output of the batch (the usual loading of a converter by a Gaussian-like
   signal: clipping is rare and few steps are wasted), bounded by the TIA's own gain
   range; this is where the mesh's insertion loss is compensated;
3. **offset and scale**: the batch's read-out codes y are fitted to the expected outputs
   z = W·u by z ≈ α_j·y_j + β_j (least squares per output); α, β are applied digitally
   to every later read-out.  The trainer measures the calibration batch without read-out
   noise (a controller averages enough repeated reads for it to vanish); pass ``rng`` to
   calibrate on single noisy reads.

With intensity (direct) detection the detectors square the field: the expected outputs
are z² and no LO phase is set; the same gain and fit apply.

A tile whose signal is weaker than the receiver's own noise on some output (detector shot
and thermal noise plus the TIA's input noise, from their parameters), whose gain hits the
TIA's limit, or whose fit explains little of the signal (correlation < 0.5) is reported
in ``Readout.status``; training goes on with what the fit gives.  With ``calibrate``
off (:func:`nominal_stack`), the design values are used as they are: LO phase 0, the
netlist's TIA gains, and a decode that assumes a lossless layer.

:func:`calibrate_stack` and :func:`nominal_stack` set up a stack of tiles at once (the
same numbers as tile by tile), as arrays over the tiles (:class:`Calibration`; its
``readouts()`` gives each tile's :class:`Readout`): on a receiver whose detector and
TIA are affine (coherent detection of real laser light, as :func:`.stream.foldable`
probes it) and whose TIA's slope is its gain times a constant
(:func:`.stream.tia_per_gain`) the noiseless calibration runs in one compiled pass
(:func:`.cal_kernels.calibrate`), otherwise as array operations over a leading tile
axis through the components' own models.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from emulator.rng import stream

from . import cal_kernels
from .stream import foldable, light_table, pd_affine, tia_per_gain

CAL_BATCH = 64
LOADING = 4.0  # ADC full scale / rms of the calibration outputs
MIN_CORRELATION = 0.5


@dataclass(frozen=True, eq=False)
class Readout:
    lo_phase: np.ndarray  # (m,) rad
    tia_gain: np.ndarray  # (m,) Ohm
    alpha: np.ndarray  # (m,) digital scale per output
    beta: np.ndarray  # (m,) digital offset per output
    status: str  # "calibrated", "nominal", "gain_limited", "below_noise"


@dataclass(frozen=True, eq=False)
class Calibration:
    """The read-outs of a stack of T tiles as arrays over the tiles: LO phases [rad], TIA
    gains [Ohm], digital scales and offsets (T, m), one status per tile; and, if the
    calibration computed it, the receivers' input-referred noise variance at these gains
    [A²] (T, m) (:meth:`.Chain.noise_current2`)."""

    lo_phase: np.ndarray
    tia_gain: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    status: list
    noise2: np.ndarray | None = None

    def readouts(self) -> list[Readout]:
        """Tile t's :class:`Readout` for every t (views of these arrays)."""
        return [Readout(self.lo_phase[t], self.tia_gain[t], self.alpha[t], self.beta[t], s)
                for t, s in enumerate(self.status)]

    def part(self, tiles: slice) -> "Calibration":
        """The read-outs of the tiles ``tiles`` (views)."""
        return Calibration(self.lo_phase[tiles], self.tia_gain[tiles], self.alpha[tiles],
                           self.beta[tiles], self.status[tiles],
                           None if self.noise2 is None else self.noise2[tiles])

    @staticmethod
    def join(parts: list) -> "Calibration":
        """The calibrations ``parts`` of consecutive stacks as one."""
        if len(parts) == 1:
            return parts[0]
        noise2 = (None if any(p.noise2 is None for p in parts)
                  else np.concatenate([p.noise2 for p in parts]))
        return Calibration(*(np.concatenate([getattr(p, k) for p in parts])
                             for k in ("lo_phase", "tia_gain", "alpha", "beta")),
                           [s for p in parts for s in p.status], noise2)


def _channel(value, m: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (m,)).copy()


@functools.lru_cache(maxsize=32)
def calibration_columns(batch: int) -> np.ndarray:
    """At most CAL_BATCH column indices spread evenly over a training batch: the inputs a
    layer keeps as its next calibration batch (spread, because a conv layer's first
    columns are the corner patches of one image, often dark)."""
    return np.unique(np.linspace(0, batch - 1, min(batch, CAL_BATCH)).astype(int))


def calibration_codes(chip) -> np.ndarray:
    rng = stream(chip.seed, "chip", chip.cores + 1)
    half = CAL_BATCH // 2
    return np.concatenate([rng.uniform(0.0, 1.0, (half, chip.n)),
                           rng.uniform(-1.0, 1.0, (CAL_BATCH - half, chip.n))])


def _unit_current(chip) -> np.ndarray:
    """Detector current per unit of in-phase field, per output [A/sqrt(W)]."""
    pd = chip.chain.pd
    return pd.component.signal({**pd.params, "lo_phase": 0.0}, np.ones(chip.m))


def nominal_stack(chip, scales) -> Calibration:
    """The design read-out of tiles with digital scales ``scales`` (T,): no calibration,
    a lossless layer assumed."""
    c = chip.chain
    scale = np.asarray(scales, dtype=float)[:, None]
    gain = _channel(c.tia.params["gain"], chip.m)
    vfs_dac = np.mean(_channel(c.dac.params["v_fs"], chip.n))
    vfs_mod = np.mean(_channel(c.mod.params["v_fs"], chip.n))
    mod_amp = float(np.mean(np.abs(c.mod.signal(np.ones(chip.n), np.full(chip.n, vfs_mod)))))
    light = float(np.mean(np.abs(c.field_in))) * mod_amp * vfs_dac / vfs_mod
    vfs = _channel(c.adc.params["v_fs"], chip.m)
    if square_law(chip):  # I = R·|E|² + I_dark, E = light·z/scale
        per_z2 = _channel(c.pd.params["responsivity"], chip.m) * (light / scale) ** 2
        dark = _channel(c.pd.params["dark_current"], chip.m)
        alpha, beta = vfs / (gain * per_z2), -dark / per_z2
    else:
        alpha = vfs / (gain * _unit_current(chip) * light / scale)
        beta = np.zeros_like(alpha)
    T = len(scale)
    return Calibration(np.zeros((T, chip.m)), np.tile(gain, (T, 1)), alpha,
                       np.broadcast_to(beta, alpha.shape).copy(), ["nominal"] * T)


def square_law(chip) -> bool:
    """True when the core's detectors measure intensity |E|² (an optical square law)."""
    return chip.chain.pd.params.get("mode") == "intensity"


@dataclass(frozen=True, eq=False)
class Receiver:
    """A chip's read-out constants, looked up once: square law, the ADCs' full scales and
    levels, the TIAs' gain range and the detector parameters at LO phase 0; where the
    compiled loops apply (:mod:`.cal_kernels`), the probed detector slope and offset, the
    TIAs' slope and offset per ohm of gain and the modulator fields of every DAC level."""

    square: bool
    vfs: np.ndarray  # (m,) V
    levels: float  # ADC levels, 2^bits
    gain_lo: float
    gain_hi: float
    pd0: dict
    pd: tuple | None  # detector slope [A/sqrt(W)] and offset [A] (m,)
    tia: tuple | None  # TIA slope and offset per unit gain (m,) (:func:`.stream.tia_per_gain`)
    table: np.ndarray | None  # (n, DAC levels) fields [sqrt(W)] (:func:`.stream.light_table`)


def receiver(chip) -> Receiver:
    """The chip's :class:`Receiver` (a :class:`~.chip.Chip` keeps it as ``chip.rx``)."""
    c = chip.chain
    gain = c.tia.component.param("gain")
    pd = tia = table = None
    if foldable(chip):
        pd = tuple(np.ascontiguousarray(a) for a in pd_affine(chip))
        tia = tia_per_gain(chip)
        table = light_table(chip)
    return Receiver(square_law(chip), _channel(c.adc.params["v_fs"], chip.m),
                    2.0 ** int(c.adc.params["bits"]), gain.lo, gain.hi,
                    {**c.pd.params, "lo_phase": 0.0}, pd, tia, table)


def calibrate_stack(chip, matrices: np.ndarray, ideals: np.ndarray, rng=None,
                    codes: np.ndarray | None = None) -> Calibration:
    """Calibrate T tiles at once (channel matrices (T, m, n), digital weights (T, m, n)),
    each on its codes (T, B, n) (default: :func:`calibration_codes` for all)."""
    c, rx = chip.chain, chip.rx
    u = chip.cal_codes if codes is None else codes
    z = np.matmul(u, np.swapaxes(ideals, -1, -2))  # expected outputs (T, B, m)
    if rx.tia is not None and rng is None:  # one compiled pass (cal_kernels)
        lo, rms, gain, _, alpha, beta, live, r, limited = cal_kernels.calibrate(
            u[None] if codes is None else u, rx.table, matrices, ideals, z, *rx.pd, *rx.tia,
            rx.vfs, rx.gain_lo, rx.gain_hi, LOADING, rx.levels)
    else:
        lo, rms, gain, alpha, beta, live, r, limited = _calibrate_arrays(
            chip, matrices, ideals, z, rng, codes)
    noise2 = c.noise_current2({**c.tia.params, "gain": gain})
    if noise2.shape != gain.shape:
        noise2 = np.broadcast_to(noise2, gain.shape)
    weak = (live & ((r < MIN_CORRELATION) | (rms < np.sqrt(noise2)))).any(axis=1)
    status = ["below_noise" if w else "gain_limited" if g else "calibrated"
              for w, g in zip(weak.tolist(), limited.tolist())]
    return Calibration(lo, gain, alpha, beta, status, noise2)


def _calibrate_arrays(chip, matrices, ideals, z, rng, codes):
    """:func:`calibrate_stack`'s arrays (LO phases, rms currents, gains, α, β, ``live``, r
    per output, gain-limited per tile) as array operations over the tile axis through the
    components' own models (noise from ``rng`` if given)."""
    c, rx = chip.chain, chip.rx
    T, m = len(matrices), chip.m
    fields = np.broadcast_to(chip.cal_fields if codes is None else chip.light(codes),
                             (T,) + z.shape[-2:-1] + (chip.n,))
    E = np.matmul(fields, np.swapaxes(matrices, -1, -2))
    if rx.square:
        z = z * z
        lo = np.zeros((T, m))
    else:
        corr = (E * z).sum(axis=1)
        lo = np.where(np.abs(corr) > 0.0, np.angle(corr), 0.0)
    current = c.pd.component.signal({**rx.pd0, "lo_phase": lo[:, None, :]}, E)
    rms = np.sqrt((current * current).mean(axis=1))
    peak = LOADING * rms
    with np.errstate(divide="ignore"):
        wanted = np.where(peak > 0.0, rx.vfs / peak, rx.gain_hi)
    gain = np.minimum(np.maximum(wanted, rx.gain_lo), rx.gain_hi)
    rows = (ideals != 0.0).any(axis=2)  # outputs that carry weights (not tile padding)
    limited = ((wanted > rx.gain_hi) & rows).any(axis=1)
    if rng is None:
        y = chip.detect(fields, matrices, lo, gain)
    else:  # tile after tile: each draws its noise in turn, as one tile alone would
        y = np.stack([chip.detect(fields[t][None], matrices[t][None], lo[t][None],
                                  gain[t][None], rng)[0] for t in range(T)])
    return (lo, rms, gain) + fit(y, z) + (limited,)


def fit(y: np.ndarray, z: np.ndarray):
    """Least-squares decode z ≈ α·y + β per output of read-outs y and expected outputs z
    (..., B, m), B the calibration batch: α, β (..., m), the outputs that carry signal
    (``live``: variance of z above 1e-12 of the largest output's) and the correlation r
    (1 where undefined); one compiled pass (:func:`.cal_kernels.fit`)."""
    y, z = np.broadcast_arrays(np.asarray(y, dtype=float), np.asarray(z, dtype=float))
    lead = y.shape[:-2]
    flat = [np.ascontiguousarray(a).reshape((-1,) + a.shape[-2:]) for a in (y, z)]
    return tuple(a.reshape(lead + a.shape[-1:]) for a in cal_kernels.fit(*flat))
