"""Photodetector: optical field in, photocurrent out.

Modes:

* ``intensity`` (direct detection): ``I = R·|E|² + I_dark``.
* ``coherent`` (balanced homodyne): the signal beats with a local oscillator of power
  ``lo_power`` (real, the phase reference) on a 50:50 coupler and two diodes whose
  currents are subtracted: ``I = R·(|E+L|² − |E−L|²)/2 = 2·R·√P_LO·Re(E·e^{−iφ_LO})``,
  where ``lo_phase`` φ_LO is the LO's phase against the laser (set by calibration to
  the quadrature that carries the signal).  The two dark currents cancel in the mean.
  The LO light is charged as the detector's static power, ``lo_power / lo_wpe`` (a tap
  of the laser, at the laser's wall-plug efficiency).

Noise (independent Gaussians over the band B, ``noise_bandwidth`` when the read-out chain
sets it, else the diode's own bandwidth): shot noise of variance ``2·q·I_dc·B`` and, for
a diode on a load resistor (``load: resistor``), its thermal noise ``4·k·T·B/R_load``.  ``I_dc`` is the direct current through
the diodes: ``|I|`` for intensity mode (``I`` already holds the dark current) and
``R·P_LO + 2·I_dark`` for coherent mode (LO-dominated; the signal's own power is
neglected next to the LO).

WDM crosstalk (``wavelengths > 1``: W channel sets share a mesh and a demultiplexer
separates them in front of the detectors).  The leak is the demultiplexer's, not the
diode's: it passes a fraction ``ε = 10^(crosstalk/10)`` of each adjacent channel's power
(the ``crosstalk`` of :mod:`components.optics.wdm`; AWG or ring demultiplexers: −20 to
−30 dB) at its channel spacing Δf.  What that leak does to the read-out depends on how the
diode detects, :func:`interference_ratio`: the worst-case interference current over the
full-scale signal current, with ``neighbours`` adjacent channels at full scale:

* ``intensity``: the leaked power is detected like the signal: ``r = neighbours·ε``;
* ``coherent``: the leaked field beats with the LO at the channel spacing; outside the
  receiver band (Δf > band) it is filtered out (its direct-detection term cancels in the
  balanced pair, its shot noise is negligible next to the LO's): ``r = 0``; inside it,
  ``r = neighbours·√ε``.

It is signal-dependent: it closes the "eye" by ``r``, so the detector needs
``1/(1 − r)`` more light for the same noise margin, a power penalty
``−10·log10(1 − r)`` dB (:func:`crosstalk_penalty_db`; the interchannel-crosstalk penalty
of Ramaswami, Sivarajan & Sasaki, *Optical Networks*), and it bounds the resolution of
the read-out to ``log2(1/r)`` bits (the interference stays below half an LSB of a
±full-scale range), whatever the light.  (The diode's former ``wdm_crosstalk`` and
``channel_spacing`` parameters are retired: they described the demultiplexer.)
"""

from __future__ import annotations

import numpy as np
from scipy.constants import e as Q_E
from scipy.constants import k as K_B

from ..base import ELECTRICAL, IN, OPTICAL, OUT, Component, Param, Port


def signal(p, field) -> np.ndarray:
    field = np.asarray(field)
    r = p["responsivity"]
    if p["mode"] == "coherent":
        if np.any(p["lo_phase"]):
            field = field * np.exp(-1j * np.asarray(p["lo_phase"]))
        quadrature = field.real if np.iscomplexobj(field) else field  # a real field is its Re
        return 2.0 * r * np.sqrt(p["lo_power"]) * quadrature
    return r * np.abs(field) ** 2 + p["dark_current"]


def noise_band(p) -> float:
    """The band noise is integrated over [Hz]: the receiver's if set, else the diode's."""
    return p["noise_bandwidth"] or p["bandwidth"]


def shot_and_load_variance(p, i_dc) -> np.ndarray:
    """Current-noise variance [A²] of diodes carrying the direct current ``i_dc`` over
    :func:`noise_band`: shot noise ``2·q·I_dc·B``, plus the load resistor's thermal noise
    ``4·k·T·B/R_load`` unless a TIA reads the diodes (``load: tia``)."""
    b = noise_band(p)
    thermal = 0.0 if p["load"] == "tia" else 4.0 * K_B * p["temperature"] * b / p["r_load"]
    return 2.0 * Q_E * np.asarray(i_dc) * b + thermal


def noise_variance(p, current) -> np.ndarray:
    """Total current-noise variance [A²] for the mean ``current`` (coherent: the LO's
    direct current, whatever the signal)."""
    if p["mode"] == "coherent":
        i_dc = p["responsivity"] * p["lo_power"] + 2.0 * p["dark_current"]
    else:
        i_dc = np.abs(current)
    return shot_and_load_variance(p, i_dc)


def interference_ratio(p, neighbours: int, leak: float, spacing_hz: float,
                       band: float | None = None) -> float:
    """Worst-case WDM crosstalk current over the full-scale signal current with
    ``neighbours`` adjacent channels at full scale, each leaking the fraction ``leak`` of
    its power through the demultiplexer at ``spacing_hz`` from the signal; ``band``: the
    receiver's noise band (default :func:`noise_band`)."""
    if neighbours <= 0:
        return 0.0
    if p["mode"] != "coherent":
        return neighbours * leak
    band = noise_band(p) if band is None else band
    return neighbours * float(np.sqrt(leak)) if spacing_hz <= band else 0.0


def crosstalk_penalty_db(ratio: float) -> float:
    """Power penalty [dB] of an interference closing the eye by ``ratio``: −10·log10(1 − r)."""
    return -10.0 * float(np.log10(1.0 - ratio)) if ratio > 0 else 0.0


def noise(p, current, rng: np.random.Generator) -> np.ndarray:
    current = np.asarray(current, dtype=float)
    # coherent: LO-dominated, the same variance for every sample of a channel
    level = np.zeros(np.shape(p["responsivity"])) if p["mode"] == "coherent" else current
    sigma = np.sqrt(noise_variance(p, level))
    return current + sigma * rng.standard_normal(current.shape, dtype=np.float32)


PHOTODETECTOR = Component(
    name="photodetector",
    kind="detector",
    doc="Photodiode (direct or balanced-homodyne detection): in0 -> e_out current.",
    params=(
        Param("mode", "1", "intensity", source="convention: direct (intensity) detection",
              choices=("intensity", "coherent"), doc="detection scheme"),
        Param("responsivity", "A/W", 1.0, 0.0, 2.0,
              "SimPhony (Yin et al., DAC 2025), Lightening-Transformer (Zhu et al., HPCA 2024), "
              "photontorch defaults: 1 A/W",
              "responsivity R"),
        Param("bandwidth", "Hz", 20e9, 1e6, 1e12,
              "photontorch defaults 20 GHz (SimPhony, Yin et al. DAC 2025: 20-34 GHz)",
              "electrical bandwidth B"),
        Param("dark_current", "A", 50e-9, 0.0, 1e-3,
              "SimPhony (Yin et al., DAC 2025), Lightening-Transformer (Zhu et al., HPCA 2024): "
              "25-60 nA",
              "dark current"),
        Param("sensitivity", "W", 10 ** (-26 / 10) * 1e-3, 0.0, 1.0,
              "SimPhony (Yin et al., DAC 2025), Lightening-Transformer (Zhu et al., HPCA 2024): "
              "-25 to -27 dBm",
              "minimum detectable power (for the link budget)"),
        Param("r_load", "Ohm", 166.0, 1.0, 1e9, "photontorch defaults: 166 Ohm load",
              "load resistance (thermal noise)"),
        Param("temperature", "K", 300.0, 0.0, 1000.0, "estimate: room temperature",
              "noise temperature of the load"),
        Param("lo_power", "W", 1e-3, 0.0, 1.0, "estimate: 1 mW, a typical local-oscillator tap",
              "local-oscillator power (coherent mode)"),
        Param("noise_bandwidth", "Hz", 0.0, 0.0, 1e12,
              "convention: 0 = the diode's bandwidth; compiling sets the receiver's",
              "band the noise is integrated over (the narrowest of diode, TIA, ADC Nyquist)"),
        Param("load", "1", "resistor", source="convention: a bare diode on its load "
              "resistor; compiling sets 'tia' when a TIA reads it",
              choices=("resistor", "tia"), doc="what reads the current: the load "
              "resistor's thermal noise counts only without a TIA"),
        Param("lo_wpe", "1", 0.2, 0.01, 1.0,
              "SimPhony (Yin et al., DAC 2025) and Lightening-Transformer laser WPE 0.2: "
              "the LO is a tap of the laser",
              "wall-plug efficiency of the local-oscillator light"),
        Param("lo_phase", "rad", 0.0, -7.0, 7.0,
              "convention: 0, in phase with the laser; calibration sets it",
              "local-oscillator phase against the laser (coherent mode)"),
    ),
    ports=lambda p: (Port("in0", OPTICAL, IN), Port("e_out", ELECTRICAL, OUT)),
    delay=lambda p: 0.35 / p["bandwidth"],
    static_power=lambda p: ({"local_oscillator": p["lo_power"] / p["lo_wpe"]}
                            if p["mode"] == "coherent" else {}),
    noise=noise,
    signal=signal,
    stateful=True,
    retired={
        "wdm_crosstalk": "WDM crosstalk is the demultiplexer's, not the diode's: set "
                         "'crosstalk' (dB, adjacent channel) on the wdm_demux that separates "
                         "the channels; the compiled transfers carry its leak",
        "channel_spacing": "the WDM channel spacing is the demultiplexer's: set 'spacing' "
                           "(m) on the wdm_demux",
    },
)
