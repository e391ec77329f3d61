"""Other tools' model names mapped onto this library's components.

An :class:`Alias` names our component, how each of the other tool's settings translates
into one of our parameters (with its unit: SAX and gdsfactory write lengths in µm and
propagation loss in dB/cm), the parameters the other tool's model fixes by default (a
SAX ``straight`` is lossless and 10 µm long unless told otherwise), and the settings that
only shape a layout (ignored, each with a note).  A setting in none of these is an error:
nothing is dropped silently.

Port names: gdsfactory numbers a component's ports counter-clockwise from the bottom
left (its ``port.py``), SAX's optical naming does the same (``PortNamer``): for a part with
``n_in`` inputs on the west and ``n_out`` outputs on the east, ``in_i = o{i+1}`` and
``out_j = o{n_in + n_out - j}``.  A 2×2 part: o1 = in0, o2 = in1, o3 = out1, o4 = out0.
Our own names (``in0``, ``out0``: SAX's default "inout" naming) are accepted as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from components.base import IN, OPTICAL, OUT, Port

# a translation of one setting: (our parameter, function of their value -> our value)
Rule = tuple[str, Callable[[Any], Any]]


def _um(v):
    return f"{_num(v)!r} um"


def _db_cm(v):
    return f"{_num(v)!r} dB/cm"


def _same(v):
    return v


def _num(v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected a number, got {v!r}")
    return float(v)


# settings that only shape a layout (gdsfactory cross sections, bends, ...): ignored, noted
LAYOUT = ("cross_section", "layer", "width", "npoints", "radius", "with_bbox", "add_pins",
          "port_names", "port_types", "bbox_layers", "bbox_offsets", "taper", "width_taper",
          "length_taper", "width_mmi", "length_mmi", "gap_mmi", "dx", "dy", "gap")


@dataclass(frozen=True)
class Alias:
    component: str
    rules: dict[str, Rule] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)  # their model's defaults, ours' units
    layout: tuple[str, ...] = LAYOUT
    note: str = ""  # what the translation leaves out, said once per instance
    # settings that make parameters of ours together: settings -> (params, note or None)
    combine: Callable[[dict], tuple[dict, str | None]] | None = None


def _phase_shifter(settings: dict) -> tuple[dict, str | None]:
    """SAX ``phase_shifter``: phase = π·voltage + 2π·neff·length/λ (the propagation term
    folded in at λ = 1.55 µm), loss in dB per µm of length."""
    v = _num(settings.pop("voltage", 0.0))
    neff = _num(settings.pop("neff", 2.34))
    length = _num(settings.pop("length", 10.0))
    loss = _num(settings.pop("loss", 0.0))
    phase = (math.pi * v + 2 * math.pi * neff * length / 1.55) % (2 * math.pi)  # e^{iφ} alike
    note = ("its propagation phase 2π·neff·length/λ is folded into 'phase' at λ = 1.55 µm "
            "(exact there only)") if neff * length else None
    return {"phase": f"{phase!r} rad", "loss": loss * length, "length": _um(length)}, note


ALIASES: dict[str, Alias] = {
    "coupler_ideal": Alias("coupler", {"coupling": ("coupling", _same)}, {"loss": 0.0}),
    "mmi2x2_ideal": Alias("coupler", {}, {"coupling": 0.5, "loss": 0.0}),
    "mmi2x2": Alias("coupler", {"loss_dB": ("loss", _same)}, {"coupling": 0.5, "loss": 0.3},
                    layout=LAYOUT + ("wl0", "fwhm"),
                    note="taken as a 50:50 coupler at its centre wavelength (SAX's dispersive "
                         "mmi2x2 puts the i on the thru port; its spectral roll-off is not "
                         "modelled)"),
    "mmi1x2_ideal": Alias("splitter", {}, {"n": 2, "loss": 0.0}),
    "splitter_ideal": Alias("splitter", {}, {"n": 2, "loss": 0.0}),
    "mmi1x2": Alias("splitter", {"loss_dB": ("loss", _same)}, {"n": 2, "loss": 0.3},
                    layout=LAYOUT + ("wl0", "fwhm"),
                    note="taken at its centre wavelength (the spectral roll-off of SAX's "
                         "mmi1x2 is not modelled)"),
    "straight": Alias("waveguide", {
        "length": ("length", _um), "neff": ("n_eff", _same), "ng": ("n_g", _same),
        "wl0": ("wavelength0", _um), "loss_dB_cm": ("loss_per_length", _db_cm)},
        {"length": "10.0 um", "n_eff": 2.34, "n_g": 3.4, "loss_per_length": 0.0, "loss": 0.0,
         "wavelength0": "1.55 um"}),
    "phase_shifter": Alias("phase_shifter", {"phase": ("phase", _same)}, {"loss": 0.0},
                           combine=_phase_shifter),
    "attenuator": Alias("attenuator", {"loss": ("loss", _same)},
                        {"transmission": 1.0, "loss": 0.0}),
    "crossing_ideal": Alias("crossing", {}, {"loss": 0.0, "crosstalk": -100.0},
                            note="crosstalk taken as -100 dB (the model's floor)"),
    "terminator": Alias("terminator", {}, {}),
}

# gdsfactory names a layout cell; the model behind it is the user's choice.  These read a
# layout's ``coupler`` as an ideal coupler (its gap and length do not set the coupling).
GDSFACTORY_ALIASES: dict[str, Alias] = {
    **ALIASES,
    "coupler": Alias("coupler", {"coupling": ("coupling", _same)},
                     {"coupling": 0.5, "loss": 0.0},
                     note="an ideal coupler, 50:50 unless 'coupling' is given (the layout's "
                          "gap and length do not set it)"),
    "mmi2x2": Alias("coupler", {}, {"coupling": 0.5, "loss": 0.0},
                    note="taken as an ideal 50:50 coupler"),
    "mmi1x2": Alias("splitter", {}, {"n": 2, "loss": 0.0},
                    note="taken as an ideal 1x2 splitter"),
    "crossing": Alias("crossing", {}, {"loss": 0.0, "crosstalk": -100.0},
                      note="an ideal crossing (crosstalk -100 dB)"),
}

# the prefix of our own components in an exported SAX netlist (``emu_coupler``): SAX has
# models of the same names (coupler, phase_shifter, attenuator, terminator)
PREFIX = "emu_"

# models that exist in SAX but have no counterpart here: a pointed error, not a guess
NO_EQUIVALENT = {
    "coupler": "SAX's dispersive coupler (coupling0, dk1, dn, ...; its cross port carries "
               "-i) has no counterpart here: use coupler_ideal with 'coupling'",
}


def optical_name(port: Port, ports: tuple[Port, ...]) -> str | None:
    """gdsfactory / SAX optical name of one of our optical ports."""
    if port.domain != OPTICAL:
        return None
    ins = [p.name for p in ports if p.domain == OPTICAL and p.direction == IN]
    outs = [p.name for p in ports if p.domain == OPTICAL and p.direction == OUT]
    if port.direction == IN:
        return f"o{ins.index(port.name) + 1}"
    return f"o{len(ins) + len(outs) - outs.index(port.name)}"


def port_names(ports: tuple[Port, ...]) -> dict[str, str]:
    """Every accepted name of a port of ours (``o1``…, and our own) -> our name."""
    names = {p.name: p.name for p in ports}
    optical = {optical_name(p, ports): p.name for p in ports if p.domain == OPTICAL}
    for o in sorted(optical, key=lambda o: int(o[1:])):
        names.setdefault(o, optical[o])
    return names
