"""Transimpedance amplifier: current in, voltage out.

Gain and bandwidth trade (the transimpedance limit, Säckinger, IEEE TCAS-I 57(8), 2010):
a feedback TIA whose core amplifier has the gain-bandwidth product ``A·f_A`` and whose
input node carries ``C_T`` (photodiode, pad, amplifier input) reaches, at transimpedance
``R_T`` and a flat (Butterworth) response, at most ::

    f_max = sqrt(A·f_A / (2π·R_T·C_T))

:func:`max_bandwidth`.  The TIA delivers ``min(bandwidth, f_max)`` (:func:`bandwidth`):
its rise time and its own noise band use it, and a design asking for more is flagged
(:func:`gbw_flag`; ``netlist show`` and the scenario report list it).
"""

from __future__ import annotations

import numpy as np

from ..base import ELECTRICAL, IN, OUT, Component, Param, Port


def max_bandwidth(p):
    """The widest flat band [Hz] the TIA reaches at its gain (transimpedance limit);
    elementwise for an array of gains."""
    return np.sqrt(p["amp_gbw"] / (2.0 * np.pi * np.asarray(p["gain"], dtype=float)
                                   * p["c_in"]))


def bandwidth(p):
    """The 3 dB bandwidth [Hz] the TIA delivers: the one asked for, if the amplifier's
    gain-bandwidth product reaches it at this gain, else the limit."""
    return np.minimum(p["bandwidth"], max_bandwidth(p))


def gbw_flag(p) -> str | None:
    """Why ``bandwidth`` is not what the TIA gives (beyond the transimpedance limit at its
    gain), or None."""
    f_max = float(np.min(max_bandwidth(p)))
    if p["bandwidth"] <= f_max:
        return None
    return (f"asks for {p['bandwidth'] / 1e9:.3g} GHz at {float(np.max(p['gain'])):.4g} Ohm, "
            f"beyond its gain-bandwidth limit of {f_max / 1e9:.3g} GHz (A·f_A "
            f"{p['amp_gbw'] / 1e12:.3g} THz, C_T {p['c_in'] * 1e15:.3g} fF): it delivers the "
            "limit")


def noise_sigma(p) -> float:
    """Output voltage noise [V]: input current density · √B · gain, over the receiver's
    band (``noise_bandwidth``) or else the TIA's own (delivered) bandwidth."""
    band = p["noise_bandwidth"] or bandwidth(p)
    return p["noise_density"] * np.sqrt(band) * p["gain"]


def noise(p, voltage, rng: np.random.Generator) -> np.ndarray:
    voltage = np.asarray(voltage, dtype=float)
    return voltage + noise_sigma(p) * rng.standard_normal(voltage.shape, dtype=np.float32)


TIA = Component(
    name="tia",
    kind="tia",
    doc="Linear TIA: V = gain·I (e_in -> e_out), input-referred white current noise.",
    params=(
        Param("gain", "Ohm", 1e3, 1.0, 1e7,
              "estimate: puts typical photocurrents near the ADC range",
              "transimpedance"),
        Param("bandwidth", "Hz", 40e9, 1e6, 1e12,
              "the IHP 40 GHz TIA in SimPhony (Yin et al., DAC 2025)",
              "3 dB bandwidth asked for (it delivers at most the gain-bandwidth limit)"),
        Param("amp_gbw", "Hz", 1e12, 1e9, 1e14,
              "estimate: A·f_A of order 1 THz for a SiGe BiCMOS core amplifier (f_T ~300 "
              "GHz); transimpedance limit, Säckinger, IEEE TCAS-I 2010",
              "gain-bandwidth product A·f_A of the TIA's core amplifier"),
        Param("c_in", "F", 50e-15, 1e-16, 1e-9,
              "estimate: an integrated Ge photodiode (10-20 fF) plus the TIA input and pad",
              "total capacitance C_T at the TIA input"),
        Param("power", "W", 10e-3, 0.0, 1.0,
              "SimPhony device library (Yin et al., DAC 2025): 3-10 mW, upper end",
              "bias power"),
        Param("noise_density", "A/rtHz", 10e-12, 0.0, 1e-9,
              "~10 pA/rtHz: the IHP 40 GHz TIA in SimPhony (Yin et al., DAC 2025)",
              "input-referred current noise density"),
        Param("noise_bandwidth", "Hz", 0.0, 0.0, 1e12,
              "convention: 0 = the TIA's bandwidth; compiling sets the receiver's",
              "band the noise is integrated over"),
    ),
    ports=lambda p: (Port("e_in", ELECTRICAL, IN), Port("e_out", ELECTRICAL, OUT)),
    delay=lambda p: 0.35 / float(bandwidth(p)),
    static_power=lambda p: {"bias": p["power"]},
    noise=noise,
    signal=lambda p, current: p["gain"] * np.asarray(current, dtype=float),
    stateful=True,
)
