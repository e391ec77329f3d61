"""Laser power from the link budget (the SimPhony energy model, Yin et al., DAC 2025).

For each laser, the light must reach every detector it feeds with at least the
detector's sensitivity, after the worst path's insertion loss and the fan-out::

    P_laser [dBm] = IL_worst [dB] + S_PD [dBm] + 10·log10(fan-out)
    P_laser      ×= 2^(bits − 1)            one doubling per input bit beyond the first
    P_laser      ×= 1 / (1 − 10^(−ER/10))   finite extinction ratio of the modulators
    P_wall        = P_laser / WPE

For a multi-wavelength source ``power`` is per line and the budget is one line's (each
line reaches its detectors on its own channel); the wall-plug figure is the source's own
model (every line, its efficiencies).  Lasers, detectors (single or balanced) and
modulators are found by kind.

IL_worst is the heaviest path of declared insertion losses (``loss``, propagation loss)
from the laser to a detector; the ideal 1/N of splitting is the fan-out term, not part
of IL.  fan-out = the number of detectors the laser reaches; bits = the largest
resolution of the DACs driving its modulators; ER = the smallest extinction ratio among
them.  (An analytic tool in this field shipped a config that dropped the fan-out term and
reported 1.18 mW instead of ~170 mW: the test keeps that term honest.)
"""

from __future__ import annotations

import math

from components.errors import NetlistError, Problem

# silicon strip waveguides carry about 0.1-0.5 W before two-photon and free-carrier
# absorption set in (the upper end of that range)
WAVEGUIDE_LIMIT_W = 0.5

from . import insertion_loss_db, longest_paths, optical_graph


def line_power(sensitivity_w: float, loss_db: float, fanout: float, bits: int,
               extinction_db: float = math.inf) -> float:
    """Optical power one laser line needs [W] (the formula above)."""
    power = sensitivity_w * 10 ** (loss_db / 10) * fanout * 2 ** (bits - 1)
    if math.isfinite(extinction_db):
        power /= 1.0 - 10 ** (-extinction_db / 10)
    return power


def link_budget(netlist) -> list[dict]:
    """One entry per laser: the terms of the formula and the power it gives [W]."""
    insts = netlist.instances
    optical = optical_graph(netlist)
    drivers = {c.dst: c.src for c in netlist.connections
               if insts[c.dst].kind == "modulator" and c.dst_port == "drive"}
    out = []
    for name, inst in insts.items():
        if inst.kind != "laser":  # a laser, or one line of a multi-wavelength source
            continue
        loss, _ = longest_paths(optical, lambda n: insertion_loss_db(insts[n]), source=name)
        detectors = sorted(n for n in loss if insts[n].kind == "detector")
        if not detectors:
            raise NetlistError(Problem(f"laser '{name}' reaches no photodetector",
                                       netlist.file, hint="the link budget needs one"))
        worst = max(detectors, key=lambda d: loss[d] - insertion_loss_db(insts[d]))
        il = loss[worst] - insertion_loss_db(insts[worst])  # light arriving at the detector
        sens_w = min(insts[d].params["sensitivity"] for d in detectors)
        mods = [n for n in loss if insts[n].kind == "modulator"]
        bits = max((insts[drivers[m]].params["bits"] for m in mods
                    if m in drivers and "bits" in insts[drivers[m]].params), default=1)
        er = min((insts[m].params["extinction"] for m in mods), default=math.inf)
        fanout = len(detectors)
        power = line_power(sens_w, il, fanout, bits, er)
        out.append({"laser": name, "detectors": fanout, "worst_path_loss_db": il,
                    "worst_detector": worst, "sensitivity_w": sens_w, "input_bits": bits,
                    "extinction_db": er, "optical_power_w": power,
                    "wall_plug_w": sum(inst.component.static_power(
                        {**inst.params, "power": power}).values()),
                    "set_power_w": inst.params["power"],
                    "flags": budget_flags(name, inst, power)})
    return out


def budget_flags(name: str, laser, power: float) -> list[str]:
    """Why a link budget is not a design: beyond the laser's own range, or beyond what a
    silicon waveguide carries before nonlinear loss."""
    flags = []
    hi = laser.component.param("power").hi
    if power > hi:
        flags.append(f"laser '{name}' would need {power:.3g} W, beyond its range ({hi:g} W)")
    if power > WAVEGUIDE_LIMIT_W:
        flags.append(f"laser '{name}' would put {power:.3g} W into a silicon waveguide, which "
                     f"carries about {WAVEGUIDE_LIMIT_W:g} W before two-photon and free-carrier "
                     "absorption")
    return flags


def with_link_budget(netlist, allow_over: bool = False):
    """A copy of ``netlist`` whose lasers emit the power their link budget asks for; a
    budget with flags (:func:`budget_flags`) is an error unless ``allow_over``."""
    budget = link_budget(netlist)
    flags = [f for entry in budget for f in entry["flags"]]
    if flags and not allow_over:
        raise NetlistError([Problem(f, netlist.file, hint="lower the loss or the bits, or "
                                    "allow it explicitly (--allow-over-budget; in a scenario "
                                    "hardware.allow_over_budget: true)") for f in flags])
    return netlist.with_params({e["laser"]: {"power": e["optical_power_w"]} for e in budget})
