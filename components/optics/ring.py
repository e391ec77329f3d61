"""Microring resonator, all-pass or add-drop, with thermal or electro-optic tuning.

Round trip: circumference ``L = 2πR``, single-pass field transmission
``a = 10^(−α·L/20)`` (α in dB/m), phase ``φ(λ) = 2π·n_g·L·(1/λ − 1/λ_r)`` measured from
the tuned resonance ``λ_r = resonance + detuning`` (group-index dispersion: the
resonances are equally spaced in frequency, FSR ``λ²/(n_g·L)``).  Self-coupling
``r = √(1 − κ²)`` from the power coupling κ² of each bus (coupler convention of
:mod:`.coupler`: cross term ``i·κ``).  Exact (Airy) field responses, rows = outputs:

* all-pass, in0 -> out0:   ``t = (r − a·e^{iφ}) / (1 − r·a·e^{iφ})``
* add-drop, in0 (input), in1 (add) -> out0 (through), out1 (drop):
  ``t1 = (r1 − r2·a·e^{iφ}) / D``, ``t2 = (r2 − r1·a·e^{iφ}) / D``,
  ``d = −κ1·κ2·√a·e^{iφ/2} / D``, ``D = 1 − r1·r2·a·e^{iφ}``;
  ``[[t1, d], [d, t2]]``.

Near a resonance the responses are Lorentzian with FWHM
``λ²·(1 − ρ)/(π·n_g·L·√ρ)``, ρ = r·a (all-pass) or r1·r2·a (add-drop); loaded Q = λ/FWHM.
``loss`` is a lumped bus loss on every path (the router figures of accelerator papers).

Tuning: ``detuning`` shifts the resonance.  A thermal ring holds it with
``|detuning| / tuning_efficiency`` of heater power (data-dependent, like the thermo-optic
shifter); an electro-optic ring holds it with its driver's static power and pays
``write_energy`` per write.  ``lock_power`` is a fixed trim/stabilisation power holding
the ring on its channel whatever the data.  A detuning beyond half an FSR aliases onto
the next resonance: the netlist validator refuses it (:func:`check`).
"""

from __future__ import annotations

import functools

import numpy as np

from components.units import db_to_amplitude

from ..base import Component, Param, optical_ports


def circumference(p) -> float:
    return 2.0 * np.pi * p["radius"]


def round_trip_amplitude(p) -> float:
    """Single-pass field transmission ``a`` around the ring."""
    return 10.0 ** (-p["loss_per_length"] * circumference(p) / 20.0)


def self_coupling(p) -> tuple[float, float]:
    """(r1, r2); r2 = 1 (no second bus) for an all-pass ring."""
    r1 = np.sqrt(1.0 - p["coupling"])
    r2 = np.sqrt(1.0 - p["drop_coupling"]) if p["mode"] == "add_drop" else 1.0
    return float(r1), float(r2)


def resonance(p) -> float:
    """Tuned resonance wavelength [m]."""
    return p["resonance"] + p["detuning"]


def phase(p, wavelength) -> np.ndarray:
    """Round-trip phase from the tuned resonance [rad] (0 on resonance)."""
    lam = np.asarray(wavelength, dtype=float)
    return 2.0 * np.pi * p["n_g"] * circumference(p) * (1.0 / lam - 1.0 / resonance(p))


def fsr(p) -> float:
    """Free spectral range [m] at the tuned resonance."""
    return resonance(p) ** 2 / (p["n_g"] * circumference(p))


def fwhm(p) -> float:
    """Full width at half maximum of the resonance dip/peak [m]."""
    r1, r2 = self_coupling(p)
    rho = r1 * r2 * round_trip_amplitude(p)
    return resonance(p) ** 2 * (1.0 - rho) / (np.pi * p["n_g"] * circumference(p) * np.sqrt(rho))


def q_loaded(p) -> float:
    return resonance(p) / fwhm(p)


def finesse(p) -> float:
    return fsr(p) / fwhm(p)


def response(p, wavelength) -> np.ndarray:
    """Field transfer, shape (..., outputs, inputs), vectorized over ``wavelength``."""
    a = round_trip_amplitude(p)
    r1, r2 = self_coupling(p)
    e = np.exp(1j * phase(p, wavelength))
    bus = db_to_amplitude(p["loss"])
    if p["mode"] == "all_pass":
        t = (r1 - a * e) / (1.0 - r1 * a * e)
        return bus * t[..., None, None]
    den = 1.0 - r1 * r2 * a * e
    t1 = (r1 - r2 * a * e) / den
    t2 = (r2 - r1 * a * e) / den
    d = -np.sqrt((1.0 - r1 ** 2) * (1.0 - r2 ** 2) * a) * np.sqrt(e) / den
    return bus * np.stack([np.stack([t1, d], -1), np.stack([d, t2], -1)], -2)


def transfer(p, wavelength: float) -> np.ndarray:
    return np.asarray(response(p, float(wavelength)), dtype=complex)


def static_power(p) -> dict:
    if p["tech"] == "thermo":
        return {"hold": abs(p["detuning"]) / p["tuning_efficiency"], "lock": p["lock_power"]}
    return {"hold": 0.0, "driver": p["driver_power"], "lock": p["lock_power"]}


def check(p) -> list[str]:
    """Cross-parameter limits: a detuning beyond ±FSR/2 reaches the next resonance."""
    half = fsr({**p, "detuning": 0.0}) / 2.0
    if abs(p["detuning"]) > half:
        return [f"ring detuning {p['detuning'] * 1e9:.3g} nm is outside its free spectral "
                f"range: |detuning| must be <= FSR/2 = {half * 1e9:.3g} nm (radius "
                f"{p['radius'] * 1e6:.3g} um, n_g {p['n_g']:.3g})"]
    return []


RING = Component(
    name="ring",
    kind="ring",
    doc="Microring resonator, all-pass (in0 -> out0) or add-drop (in0, in1 -> out0 "
        "through, out1 drop): exact response vs detuning, FSR, Q, tuning power.",
    params=(
        Param("mode", "1", "all_pass", source="convention: all-pass (one bus)",
              choices=("all_pass", "add_drop"), doc="one bus, or two buses (add-drop)"),
        Param("radius", "m", 5e-6, 1e-6, 1e-3,
              "Bogaerts et al., Laser Photonics Rev. 6, 47 (2012): 5 um, a common SOI ring",
              "ring radius R (circumference 2πR)"),
        Param("n_g", "1", 4.2, 1.0, 5.0,
              "estimate: 4.2, the upper end of the 3.4-4.2 of SOI strip guides (SAX and "
              "photontorch defaults 3.4)", "group index (sets FSR and linewidth)"),
        Param("loss_per_length", "dB/m", 300.0, 0.0, 1e5,
              "estimate: 3 dB/cm in the ring's bends, near the 3.6 dB/cm of a strip guide "
              "(Vlasov & McNab 2004)", "round-trip propagation loss"),
        Param("coupling", "1", 0.03, 0.0, 1.0,
              "estimate: κ² = 0.03 gives a loaded Q ~ 10^4 at R = 5 um, the usual "
              "weight-bank range (Tait et al., Sci. Rep. 7, 7430, 2017)",
              "power coupling κ1² of the input bus"),
        Param("drop_coupling", "1", 0.03, 0.0, 1.0,
              "estimate: symmetric with the input bus", "power coupling κ2² of the drop bus "
              "(add-drop)"),
        Param("resonance", "m", 1.55e-6, 0.4e-6, 2.0e-6,
              "estimate: 1550 nm, the telecom C band", "untuned resonance wavelength"),
        Param("detuning", "m", 0.0, -1e-6, 1e-6, "convention: 0, on resonance",
              "resonance shift set by the tuner (|detuning| <= FSR/2)"),
        Param("loss", "dB", 0.0, 0.0, 30.0,
              "convention: 0; Lightening-Transformer books 0.93 dB per router ring",
              "lumped bus insertion loss on every path"),
        Param("tech", "1", "thermo", source="convention: thermal tuning (microheater)",
              choices=("thermo", "eo"), doc="tuning mechanism"),
        Param("tuning_efficiency", "m/W", 0.25e-6, 1e-9, 1e-3,
              "estimate: 0.25 nm/mW, silicon microheaters without undercut span ~0.1-0.3 "
              "nm/mW", "thermal resonance shift per heater power"),
        Param("lock_power", "W", 0.275e-3, 0.0, 1.0,
              "Lightening-Transformer (Zhu et al., HPCA 2024): router ring 0.275 mW static",
              "fixed trim/stabilisation power holding the ring on its channel"),
        Param("driver_power", "W", 0.1e-3, 0.0, 1.0,
              "estimate: 0.1 mW holding DAC per channel, as the EO phase shifter's driver",
              "static power of the EO tuner's driver"),
        Param("write_energy", "J", 42e-15, 0.0, 1e-9,
              "Lightening-Transformer (Zhu et al., HPCA 2024) ring modulator: 42 fJ/bit",
              "energy per EO write"),
        # what a weight bank's ring holds when a detuning is written (read by the chip
        # model, emulator.chip.ring_bank)
        Param("driver_bits", "bit", 12, 1, 24,
              "estimate: 12-bit heater/driver DACs, as the mesh shifters' drivers",
              "resolution of the tuning driver: 2^bits detuning levels over [0, FSR/2]",
              integer=True),
        Param("resonance_error", "m", 0.0, 0.0, 1e-8,
              "convention: 0, each ring trimmed onto its channel by its lock (lock_power); "
              "set the residual to study it",
              "fabrication resonance offset σ, drawn once per chip and ring"),
        Param("crosstalk", "1", 0.0, 0.0, 0.5,
              "estimate: 0 with thermal isolation trenches, a few % without them",
              "fraction of a heater's detuning reaching each neighbouring ring of its bank"),
        Param("settling", "s", 4e-6, 1e-12, 1.0,
              "thermo estimate: a microheater's time constant, 1-10 us like a thermo-optic "
              "shifter (Harris et al. 2014); eo 1 ns",
              "time for a new detuning to settle"),
    ),
    ports=lambda p: optical_ports(2, 2) if p["mode"] == "add_drop" else optical_ports(1, 1),
    transfer=transfer,
    energy=lambda p: {"reprogram": p["write_energy"] if p["tech"] == "eo" else 0.0},
    static_power=static_power,
    settle=lambda p: p["settling"],
    variants={"tech": {"thermo": {"settling": 4e-6}, "eo": {"settling": 1e-9}}},
    check=check,
)


def weight_response(p, detuning) -> np.ndarray:
    """Signed weight of an add-drop ring read by a balanced pair on its own channel:
    ``|drop|² − |through|²`` at the untuned resonance for each ``detuning``."""
    d = np.atleast_1d(np.asarray(detuning, dtype=float))
    t = np.array([response({**p, "detuning": float(x)}, p["resonance"]) for x in d])
    return np.abs(t[:, 1, 0]) ** 2 - np.abs(t[:, 0, 0]) ** 2


def weight_to_detuning(p, weights, points: int = 4001) -> tuple[np.ndarray, float]:
    """Detunings realising ``scale·weights`` (weights in [−1, 1]) on an add-drop ring, and
    ``scale``: the largest magnitude both signs reach (the weight at zero detuning and the
    weight half an FSR away).  Inverts the exact response on a grid, monotone in |δ|."""
    w = np.clip(np.asarray(weights, dtype=float), -1.0, 1.0)
    grid, resp = _weight_table(tuple(sorted(p.items())), points)
    scale = float(min(resp[0], -resp[-1]))
    det = np.interp(-w * scale, -resp, grid)
    return det, scale


def bank_detunings(p, resonances, weights) -> tuple[np.ndarray, float]:
    """Detunings realising ``scale·weights`` on a bank whose ring k sits on its own channel
    ``resonances[k]`` (weights (..., n), the last axis over the rings), and the common
    ``scale`` every ring reaches.  Each ring is inverted on its own response: the linewidth
    and FSR follow λ², so one ring's table read on another channel misplaces its weight
    (≈ 6 % of full scale across 15 nm at 1550 nm)."""
    w = np.clip(np.asarray(weights, dtype=float), -1.0, 1.0)
    res = np.asarray(resonances, dtype=float)
    if w.shape[-1:] != res.shape:
        raise ValueError(f"weights over {w.shape[-1:]} rings, resonances {res.shape}")
    tables = [_weight_table(tuple(sorted({**p, "resonance": float(r)}.items())), 4001)
              for r in res]
    scale = float(min(min(resp[0], -resp[-1]) for _, resp in tables))
    det = np.empty_like(w)
    for k, (grid, resp) in enumerate(tables):
        det[..., k] = np.interp(-w[..., k] * scale, -resp, grid)
    return det, scale


@functools.lru_cache(maxsize=256)
def _weight_table(items: tuple, points: int) -> tuple[np.ndarray, np.ndarray]:
    """The inversion grid of :func:`weight_to_detuning` for one ring's parameters (computed
    once: a chip maps a tile at every re-write)."""
    p = dict(items)
    grid = np.linspace(0.0, 0.5 * fsr({**p, "detuning": 0.0}), points)
    resp = weight_response(p, grid)  # decreasing from the peak to the far floor
    grid.flags.writeable = False
    resp.flags.writeable = False
    return grid, resp
