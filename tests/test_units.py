"""Quantities with units parse to SI, and every bad quantity is a UnitError with a hint."""

import math

import pytest

from components.errors import UnitError
from components.units import fmt, to_si


@pytest.mark.parametrize("text, unit, expected", [
    ("10 mW", "W", 0.01),
    ("1.55 um", "m", 1.55e-6),
    ("1.55 µm", "m", 1.55e-6),
    ("0.3 rad", "rad", 0.3),
    ("0.25 dB", "dB", 0.25),
    ("3.6 dB/cm", "dB/m", 360.0),
    ("-26 dBm", "W", 1e-3 * 10 ** (-2.6)),
    ("90 deg", "rad", math.pi / 2),
    ("0.5 pi", "rad", math.pi / 2),
    ("10 GS/s", "Hz", 1e10),
    ("14 GHz", "Hz", 1.4e10),
    ("22 fJ", "J", 22e-15),
    ("10 us", "s", 1e-5),
    ("10 ms", "s", 1e-2),
    ("2 mm", "m", 2e-3),
    ("166 Ohm", "Ohm", 166.0),
    ("10 pA/rtHz", "A/rtHz", 1e-11),
    ("1e-3", "W", 1e-3),
    (2.5, "W", 2.5),
    ("8 bit", "bit", 8.0),
])
def test_quantities_convert_to_si(text, unit, expected):
    assert to_si(text, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("value, unit, fragment", [
    ("3 mW", "rad", "does not fit"),
    ("3 umm", "m", "did you mean 'um'"),
    ("abc", "W", "cannot read"),
    (float("nan"), "W", "not finite"),
    ("inf W", "W", "not finite"),
    (True, "W", "boolean"),
    ([1, 2], "W", "expected a quantity"),
])
def test_bad_quantities_are_errors(value, unit, fragment):
    with pytest.raises(UnitError) as err:
        to_si(value, unit, file="f.yaml", path="a.b", line=3)
    assert fragment in str(err.value)
    assert "f.yaml:3: a.b" in str(err.value)


def test_format_uses_engineering_prefixes():
    assert fmt(1.2e-6, "s") == "1.2 µs"
    assert fmt(0.0143, "W") == "14.3 mW"
    assert fmt(3.4e-12, "J") == "3.4 pJ"
