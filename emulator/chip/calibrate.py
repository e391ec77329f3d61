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
off (``nominal``), the design values are used as they are: LO phase 0, the netlist's
TIA gains, and a decode that assumes a lossless layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emulator.rng import stream

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


def _channel(value, m: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (m,)).copy()


def calibration_codes(chip) -> np.ndarray:
    rng = stream(chip.seed, "chip", chip.cores + 1)
    half = CAL_BATCH // 2
    return np.concatenate([rng.uniform(0.0, 1.0, (half, chip.n)),
                           rng.uniform(-1.0, 1.0, (CAL_BATCH - half, chip.n))])


def _unit_current(chip) -> np.ndarray:
    """Detector current per unit of in-phase field, per output [A/sqrt(W)]."""
    pd = chip.chain.pd
    return pd.component.signal({**pd.params, "lo_phase": 0.0}, np.ones(chip.m))


def nominal(chip, scale: float) -> Readout:
    """The design read-out: no calibration, a lossless layer assumed."""
    c = chip.chain
    gain = _channel(c.tia.params["gain"], chip.m)
    vfs_dac = np.mean(_channel(c.dac.params["v_fs"], chip.n))
    vfs_mod = np.mean(_channel(c.mod.params["v_fs"], chip.n))
    mod_amp = float(np.mean(np.abs(c.mod.signal(np.ones(chip.n), np.full(chip.n, vfs_mod)))))
    light = float(np.mean(np.abs(c.field_in))) * mod_amp * vfs_dac / vfs_mod
    vfs = _channel(c.adc.params["v_fs"], chip.m)
    if square_law(chip):  # I = R·|E|² + I_dark, E = light·z/scale
        per_z2 = _channel(c.pd.params["responsivity"], chip.m) * (light / scale) ** 2
        dark = _channel(c.pd.params["dark_current"], chip.m)
        return Readout(np.zeros(chip.m), gain, vfs / (gain * per_z2), -dark / per_z2,
                       "nominal")
    volts_per_z = gain * _unit_current(chip) * light / scale
    return Readout(np.zeros(chip.m), gain, vfs / volts_per_z, np.zeros(chip.m), "nominal")


def square_law(chip) -> bool:
    """True when the core's detectors measure intensity |E|² (an optical square law)."""
    return chip.chain.pd.params.get("mode") == "intensity"


def calibrate(chip, matrix: np.ndarray, ideal: np.ndarray, rng=None,
              codes: np.ndarray | None = None) -> Readout:
    """Calibrate one tile (channel matrix ``matrix``, digital weights ``ideal``) on
    ``codes`` (B × n input codes; default: :func:`calibration_codes`)."""
    c = chip.chain
    m = chip.m
    u = calibration_codes(chip) if codes is None or len(codes) < 2 else codes[:CAL_BATCH]
    z = u @ ideal.T  # expected outputs (B, m)
    fields = c.mod.signal(c.field_in, c.dac.signal(u))
    E = fields @ matrix.T
    if square_law(chip):
        z = z * z
        lo = np.zeros(m)
    else:
        corr = np.sum(E * z, axis=0)
        lo = np.where(np.abs(corr) > 0.0, np.angle(corr), 0.0)
    current = c.pd.component.signal({**c.pd.params, "lo_phase": lo}, E)
    rms = np.sqrt(np.mean(current * current, axis=0))
    peak = LOADING * rms
    g_lo, g_hi = c.tia.component.param("gain").lo, c.tia.component.param("gain").hi
    vfs = _channel(c.adc.params["v_fs"], m)
    with np.errstate(divide="ignore"):
        wanted = np.where(peak > 0.0, vfs / peak, g_hi)
    gain = np.clip(wanted, g_lo, g_hi)
    rows = np.any(ideal != 0.0, axis=1)  # outputs that carry weights (not tile padding)
    status = "gain_limited" if np.any((wanted > g_hi) & rows) else "calibrated"
    y = chip.detect(fields[None], matrix[None], lo[None], gain[None], rng)[0]
    alpha, beta, live, r = fit(y, z)
    noise_i = np.broadcast_to(np.sqrt(c.noise_current2({**c.tia.params, "gain": gain})), (m,))
    if np.any(live & ((r < MIN_CORRELATION) | (rms < noise_i))):
        status = "below_noise"
    return Readout(lo, gain, alpha, beta, status)


def fit(y: np.ndarray, z: np.ndarray):
    """Least-squares decode z ≈ α·y + β per output of read-outs y and expected outputs z
    (B × m): α, β, the outputs that carry signal (``live``) and the correlation r."""
    ym, zm = y.mean(axis=0), z.mean(axis=0)
    dy, dz = y - ym, z - zm
    var_y = np.sum(dy * dy, axis=0)
    cov = np.sum(dy * dz, axis=0)
    alpha = np.where(var_y > 0.0, cov / np.where(var_y > 0.0, var_y, 1.0), 0.0)
    beta = zm - alpha * ym
    var_z = np.sum(dz * dz, axis=0)
    live = var_z > 1e-12 * max(float(var_z.max(initial=0.0)), 1e-300)
    r = np.where(live & (var_y > 0.0), cov / np.sqrt(np.maximum(var_y * var_z, 1e-300)), 1.0)
    return alpha, beta, live, r
