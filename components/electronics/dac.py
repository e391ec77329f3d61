"""Digital-to-analog converter.

Power ``P = 2·FoM·bits·f`` (SimPhony device library), so the energy per conversion is
``2·FoM·bits``; the default FoM is fitted to 50 mW at 8 b, 14 GS/s (≈ 3.6 pJ).
``signal(p, code)`` quantizes the normalized code in [−1, 1] with the ADC's mid-rise
quantizer (:func:`.adc.quantize`) and scales it to ±v_fs volts.  A code reaches the output ``latency_cycles`` sample
periods after it is clocked in (input retiming and the output stage); the DAC takes one
code per period.
"""

from __future__ import annotations


from ..base import DIGITAL, ELECTRICAL, IN, OUT, Component, Param, Port
from .adc import quantize

FOM_REF = 50e-3 / (2 * 8 * 14e9)  # J per bit per conversion

DAC = Component(
    name="dac",
    kind="dac",
    doc="DAC turning a normalized code on d_in into a drive voltage on e_out.",
    params=(
        Param("bits", "bit", 8, 1, 16,
              "SimPhony device library (Yin et al., DAC 2025): 8 b",
              "resolution", integer=True),
        Param("sample_rate", "Hz", 14e9, 1e3, 1e12,
              "SimPhony device library (Yin et al., DAC 2025): 14 GS/s",
              "sample rate"),
        Param("v_fs", "V", 1.0, 1e-3, 100.0, "estimate: 1 V, a typical 50 Ω driver swing",
              "full-scale output voltage (range ±v_fs)"),
        Param("fom", "J", FOM_REF, 0.0, 1e-9,
              "SimPhony (Yin et al., DAC 2025) 50 mW at 8 b, 14 GS/s: P/(2·bits·f)",
              "figure of merit in P = 2·FoM·bits·f"),
        Param("latency_cycles", "1", 2.0, 1.0, 1000.0,
              "estimate: a current-steering DAC without digital interpolation: an input "
              "retiming latch and the output stage, 1-2 clock periods (interpolating "
              "datasheet parts add tens)",
              "pipeline latency in sample periods (code to output)"),
    ),
    ports=lambda p: (Port("d_in", DIGITAL, IN), Port("e_out", ELECTRICAL, OUT)),
    delay=lambda p: p["latency_cycles"] / p["sample_rate"],
    energy=lambda p: {"convert": 2.0 * p["fom"] * p["bits"]},
    signal=lambda p, code: quantize(code, p["bits"]) * p["v_fs"],
    stateful=True,
)
