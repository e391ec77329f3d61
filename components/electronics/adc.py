"""Analog-to-digital converter.

Quantizer: mid-rise, ``2^bits`` uniform levels over the normalized range [−1, 1]:
``LSB = 2/2^bits`` and levels ``−1 + (k + ½)·LSB``, k = 0 … 2^bits − 1.  The range is
symmetric and has no zero code; every input in [−v_fs, v_fs] lands within ±½ LSB of
its level, inputs beyond full scale are clipped.  Codes are returned normalized to
[−1, 1] (the level value).

Energy per conversion (SimPhony energy model, Yin et al., DAC 2025): the reference power
``power_ref`` at ``bits_ref`` bits and ``rate_ref`` samples/s scales as ``bits·f`` for SAR
and as ``(2^bits − 1)·f`` for flash, so ``E = P(bits, f)/f``.  The same reference point
anchors both architectures.

Latency: a sample's code leaves ``latency_cycles`` sample periods after it was taken (a
pipelined or time-interleaved converter accepts one sample per period but needs several
to finish one); the throughput stays one sample per period.
"""

from __future__ import annotations

import math

import numpy as np

from ..base import DIGITAL, ELECTRICAL, IN, OUT, Component, Param, Port


def quantize(x, bits: int) -> np.ndarray:
    """Mid-rise uniform quantizer of ``x`` clipped to [−1, 1], ``2^bits`` levels."""
    levels = 2 ** int(bits)
    lsb = 2.0 / levels
    y = np.array(np.clip(np.asarray(x, dtype=float), -1.0, 1.0), ndmin=1)  # then in place
    y += 1.0
    y /= lsb
    np.floor(y, out=y)
    np.clip(y, 0, levels - 1, out=y)
    y += 0.5
    y *= lsb
    y -= 1.0
    return y if np.ndim(x) else y[0]


def level(v: float, levels: int) -> float:
    """One normalized input's level: :func:`quantize` for a scalar, step for step (the
    form a compiled loop calls; ``levels`` = 2^bits)."""
    lsb = 2.0 / levels
    k = math.floor((min(max(v, -1.0), 1.0) + 1.0) / lsb)
    return -1.0 + (min(max(k, 0), levels - 1) + 0.5) * lsb


def power(p) -> float:
    """Conversion power [W] at ``bits`` and ``sample_rate``."""
    if p["architecture"] == "flash":
        scale = (2.0 ** p["bits"] - 1.0) / (2.0 ** p["bits_ref"] - 1.0)
    else:
        scale = p["bits"] / p["bits_ref"]
    return p["power_ref"] * scale * p["sample_rate"] / p["rate_ref"]


ADC = Component(
    name="adc",
    kind="adc",
    doc="ADC sampling voltage e_in into a normalized code on d_out.",
    params=(
        Param("bits", "bit", 8, 1, 16,
              "SimPhony device library (Yin et al., DAC 2025): 8 b",
              "resolution", integer=True),
        Param("sample_rate", "Hz", 10e9, 1e3, 1e12,
              "SimPhony device library (Yin et al., DAC 2025): 10 GS/s",
              "sample rate"),
        Param("v_fs", "V", 1.0, 1e-3, 100.0, "estimate: 1 V, a typical low-voltage converter range",
              "full-scale input voltage (range ±v_fs)"),
        Param("architecture", "1", "sar",
              source="SimPhony energy model (Yin et al., DAC 2025): SAR", choices=("sar", "flash"),
              doc="power-scaling law"),
        Param("power_ref", "W", 34e-3, 0.0, 10.0,
              "Murmann ADC survey (2024): ~8 b, 1-10 GS/s median 3.4 pJ, i.e. 34 mW at "
              "10 GS/s; SimPhony's 14.8 mW (Yin et al., DAC 2025, 1.48 pJ) is near the best",
              "power at the reference point"),
        Param("bits_ref", "bit", 8, 1, 16,
              "SimPhony (Yin et al., DAC 2025) reference 8 b",
              "reference resolution", integer=True),
        Param("rate_ref", "Hz", 10e9, 1e3, 1e12,
              "SimPhony (Yin et al., DAC 2025) reference 10 GS/s",
              "reference sample rate"),
        Param("latency_cycles", "1", 8.0, 1.0, 1000.0,
              "estimate: a time-interleaved SAR of 8 sub-ADCs at f_s/8 finishes a sample in "
              "one sub-ADC period, 8 sample periods; pipelined ADC datasheets give 3-10+",
              "pipeline latency in sample periods (sample to code)"),
    ),
    ports=lambda p: (Port("e_in", ELECTRICAL, IN), Port("d_out", DIGITAL, OUT)),
    delay=lambda p: p["latency_cycles"] / p["sample_rate"],
    energy=lambda p: {"convert": power(p) / p["sample_rate"]},
    signal=lambda p, v: quantize(np.asarray(v, dtype=float) / p["v_fs"], p["bits"]),
    stateful=True,
)
