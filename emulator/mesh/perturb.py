"""Hardware imperfections of phase shifters, as functions on phase arrays [rad].

All three act on the phases only, so a perturbed mesh stays lossless (unitary); losses
are the ``mzi_loss_db`` argument of :func:`~emulator.mesh.layout.mesh_matrix`.  Every
random draw takes an explicit :class:`numpy.random.Generator`.

* :func:`quantize_phases` — a b-bit phase DAC: 2^b levels spread uniformly over [0, 2π).
* :func:`static_phase_error` — fabrication offsets, one Gaussian draw per shifter,
  fixed for the life of the chip (draw once, add to every programmed setting).
* :func:`thermal_crosstalk` — heat of a thermo-optic shifter leaking into its neighbours.

Thermal crosstalk model.  A heater's power is proportional to the phase it holds, taken in
[0, 2π) (a controller never drives beyond one period), and a fraction of that heat reaches
the shifters beside it.  Shifters of one kind (all θ, or all φ) of the MZIs of one physical
column sit side by side; the d-th neighbour of the MZI on modes (m, m+1) is the MZI of the
same column on modes (m ± 2d, m ± 2d + 1).  Each shifter then holds::

    φ_eff[k] = φ[k] + Σ_d c_d · Σ_{j: d-th neighbour of k} wrap(φ[j])

with ``coupling = c_1`` or ``(c_1, c_2, …)``.  On the output phase screen (``out=True``)
the shifters sit on every mode, and the d-th neighbour of mode m is mode m ± d.  The
model is linear, symmetric and ignores coupling between θ and φ heaters and between
columns (they are a device length apart).
"""

from __future__ import annotations

import numpy as np

from components.errors import UserError
from components.optics._shifter import SHIFTER_PARAMS

DRIVER_BITS = next(p for p in SHIFTER_PARAMS if p.name == "driver_bits")  # one bound

from .kernels import crosstalk_into, quantize_into
from .layout import MeshPhases


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def driver_levels(bits) -> float:
    """The number of levels 2^bits of a b-bit phase driver (a UserError out of bounds)."""
    lo, hi = int(DRIVER_BITS.lo), int(DRIVER_BITS.hi)
    if isinstance(bits, bool) or int(bits) != bits or not lo <= bits <= hi:
        raise UserError(f"phase resolution bits must be an integer in {lo}..{hi}, got {bits!r}")
    return float(2 ** int(bits))


def quantize_phases(phases, bits: int) -> np.ndarray:
    """Nearest of the 2^bits levels k·2π/2^bits (k = 0 … 2^bits − 1), in [0, 2π).

    The circular distance to the input is at most half a step, π/2^bits.
    """
    levels = driver_levels(bits)
    x = np.asarray(phases, dtype=float)
    flat = np.ravel(x)  # one compiled pass (the same arithmetic as the array expression)
    return quantize_into(flat, levels, np.empty_like(flat)).reshape(x.shape)


def static_phase_error(shape, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian phase offsets [rad] with standard deviation ``sigma``, one per shifter."""
    _check_rng(rng)
    if not np.isfinite(sigma) or sigma < 0:
        raise UserError(f"phase error sigma must be >= 0 rad, got {sigma!r}")
    return rng.normal(0.0, float(sigma), size=shape)


def _couplings(coupling) -> np.ndarray:
    c = np.atleast_1d(np.asarray(coupling, dtype=float))
    if c.ndim != 1 or not np.all(np.isfinite(c)) or np.any(np.abs(c) > 1):
        raise UserError(f"crosstalk coupling must be a fraction (or a list of fractions "
                        f"per neighbour distance) with |c| <= 1, got {coupling!r}")
    return c


def _neighbour_pairs(mesh: MeshPhases, out: bool, d: int):
    """(receiver, source) index arrays of all pairs at neighbour distance d."""
    if out:
        m = np.arange(mesh.n)
        lo, hi = m[:-d] if d < mesh.n else m[:0], m[d:]
        return np.concatenate([lo, hi]), np.concatenate([hi, lo])
    grid = np.full((int(mesh.columns.max(initial=-1)) + 1, mesh.n), -1, dtype=np.int64)
    grid[mesh.columns, mesh.modes] = np.arange(mesh.n_mzi)
    recv, src = [], []
    for shift in (2 * d, -2 * d):
        target = mesh.modes + shift
        ok = (target >= 0) & (target <= mesh.n - 2)
        j = grid[mesh.columns[ok], target[ok]]
        has = j >= 0
        recv.append(np.flatnonzero(ok)[has])
        src.append(j[has])
    return np.concatenate(recv), np.concatenate(src)


def crosstalk_pairs(mesh: MeshPhases, coupling, out: bool = False):
    """(receiver, source, coupling) arrays of every neighbour pair that couples, by
    distance d = 1, 2, … and in receiver order within one distance."""
    recv, src, coef = [np.zeros(0, dtype=np.int64)] * 2 + [np.zeros(0)]
    for d, c in enumerate(_couplings(coupling), start=1):
        if c != 0.0:
            r, j = _neighbour_pairs(mesh, out, d)
            recv, src, coef = (np.concatenate([recv, r]), np.concatenate([src, j]),
                               np.concatenate([coef, np.full(len(r), c)]))
    return recv, src, coef


def thermal_crosstalk(mesh: MeshPhases, phases, coupling, *, out: bool = False) -> np.ndarray:
    """Phases actually held when every heater leaks into its same-column neighbours.

    ``phases`` has shape (..., K) for one kind of MZI shifter (θ or φ) of ``mesh``, or
    (..., n) for the output screen with ``out=True``.  ``coupling``: fraction c_1, or
    (c_1, c_2, …) by neighbour distance.  The result is not wrapped.
    """
    p = np.asarray(phases, dtype=float)
    size = mesh.n if out else mesh.n_mzi
    if p.shape[-1:] != (size,):
        raise UserError(f"phases have shape {p.shape}, expected (..., {size}) for the "
                        + ("output screen" if out else "MZIs") + " of this mesh")
    flat = np.ascontiguousarray(p.reshape(-1, size))
    return crosstalk_into(flat, *crosstalk_pairs(mesh, coupling, out),
                          flat.copy()).reshape(p.shape)


def perturb_mesh(mesh: MeshPhases, rng: np.random.Generator | None = None, *,
                 bits: int | None = None, sigma: float = 0.0, coupling=0.0,
                 out_phase: bool = True) -> MeshPhases:
    """A copy of ``mesh`` with the phases the hardware really holds.

    In the order it happens: the DAC quantizes the programmed phase (``bits``), the heater
    power leaks into neighbours (``coupling``), and fixed fabrication offsets add on
    (``sigma``, drawn from ``rng``).  ``out_phase=False`` leaves the output screen exact.
    """
    def one(p, out):
        if bits is not None:
            p = quantize_phases(p, bits)
        if np.any(_couplings(coupling) != 0.0):
            p = thermal_crosstalk(mesh, p, coupling, out=out)
        if sigma:
            p = p + static_phase_error(np.shape(p), sigma, _check_rng(rng))
        return p

    return mesh.with_phases(
        theta=one(mesh.theta, False), phi=one(mesh.phi, False),
        out_phase=one(mesh.out_phase, True) if out_phase else mesh.out_phase)
