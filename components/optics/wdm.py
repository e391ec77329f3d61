"""WDM multiplexer and demultiplexer (arrayed-waveguide grating or ring filter bank).

Channel ``k`` (0 … n−1) is centred at ``wavelength + k·spacing``.  At a wavelength λ the
nearest channel is ``j = round((λ − wavelength)/spacing)``.  Demultiplexer, in0 ->
out0 … out{n−1}, power transmission:

* out j: ``IL = 10^(−loss/10)``;
* the adjacent outputs j ± 1: ``IL·10^(crosstalk/10)`` (adjacent-channel crosstalk,
  relative to the passband);
* every other output: ``IL·10^(crosstalk_far/10)``;
* a wavelength outside every channel (|λ − centre of j| > spacing/2, or j outside
  0 … n−1) reaches every output at the far level only.

If the leaks would add up to more than the input (a passive part cannot), the row is
scaled down to transmit at most the input power.  This is the one place WDM channel
crosstalk is declared: the compiled per-channel transfers carry it, and the receivers'
power penalty (:func:`emulator.graph.receiver.wdm_crosstalk`) reads it.  The multiplexer (in0 … in{n−1} ->
out0) is the transpose (reciprocity).  Fields are real and in phase (no dispersion).
"""

from __future__ import annotations

import numpy as np
from scipy.constants import c as C_LIGHT

from ..base import Component, Param, optical_ports


def channel(p, wavelength: float) -> int | None:
    """Index of the channel whose passband holds ``wavelength``, or None."""
    offset = (float(wavelength) - p["wavelength"]) / p["spacing"]
    j = int(np.round(offset))
    return j if 0 <= j < int(p["n"]) and abs(offset - j) <= 0.5 else None


def spacing_hz(p) -> float:
    """The channel spacing as an optical frequency [Hz] at channel 0: c·Δλ/λ²."""
    return C_LIGHT * p["spacing"] / p["wavelength"] ** 2


def power_row(p, wavelength: float) -> np.ndarray:
    """Power transmission from the common port to each channel port at ``wavelength``."""
    n = int(p["n"])
    il = 10.0 ** (-p["loss"] / 10.0)
    row = np.full(n, il * 10.0 ** (p["crosstalk_far"] / 10.0))
    j = channel(p, wavelength)
    if j is not None:
        row[j] = il
        for k in (j - 1, j + 1):
            if 0 <= k < n:
                row[k] = il * 10.0 ** (p["crosstalk"] / 10.0)
    total = row.sum()
    return row / total if total > 1.0 else row


def _params() -> tuple[Param, ...]:
    return (
        Param("n", "1", 12, 1, 1024, "Lightening-Transformer DOTA (Zhu et al., HPCA 2024): "
              "12 wavelengths", "number of channels", integer=True),
        Param("wavelength", "m", 1.55e-6, 0.4e-6, 2.0e-6,
              "estimate: C band, channel 0 at 1550 nm", "centre of channel 0"),
        Param("spacing", "m", 0.8e-9, 1e-12, 1e-7,
              "convention: the ITU-T G.694.1 100 GHz grid, 0.8 nm at 1550 nm", "channel spacing"),
        Param("loss", "dB", 1.25, 0.0, 30.0,
              "estimate: half of the 2.5 dB mux + demux pair this project charges per WDM "
              "line (hardware.wdm_loss)", "insertion loss of a channel"),
        Param("crosstalk", "dB", -25.0, -100.0, 0.0,
              "estimate: -25 dB, a typical silicon AWG's adjacent-channel figure "
              "(reports span about -15 to -30 dB)", "adjacent-channel crosstalk (what the "
              "receivers' WDM power penalty reads, emulator.graph.receiver.wdm_crosstalk)"),
        Param("crosstalk_far", "dB", -35.0, -100.0, 0.0,
              "estimate: 10 dB below the adjacent figure", "non-adjacent crosstalk"),
    )


def _demux(p, wavelength: float) -> np.ndarray:
    return np.sqrt(power_row(p, wavelength))[:, None].astype(complex)


def _mux(p, wavelength: float) -> np.ndarray:
    return np.sqrt(power_row(p, wavelength))[None, :].astype(complex)


WDM_DEMUX = Component(
    name="wdm_demux",
    kind="passive",
    doc="WDM demultiplexer: in0 -> out0..out{n-1} by wavelength, insertion loss and "
        "adjacent/far channel crosstalk.",
    params=_params(),
    ports=lambda p: optical_ports(1, int(p["n"])),
    transfer=_demux,
)

WDM_MUX = Component(
    name="wdm_mux",
    kind="passive",
    doc="WDM multiplexer: in0..in{n-1} -> out0, channel k passes at its own wavelength; "
        "insertion loss and adjacent/far channel crosstalk.",
    params=_params(),
    ports=lambda p: optical_ports(int(p["n"]), 1),
    transfer=_mux,
)
