"""Chip power breakdown of a dynamically-operated crossbar (Lightening-Transformer's DOTA),
from a netlist slice and an architecture: each device's power from our component models
with the netlist's parameters, each device count from the architecture.

A breakdown file (``scenarios/validation/*.yaml``) names the netlist (one dot-product node
with its two operand paths: lasers, DAC-driven modulators, router rings, splitters, the
node's optics, a balanced detector pair, a TIA and an ADC), the architecture (tiles, cores
per tile, H×W nodes per core, N wavelengths, the clock, what is shared) and the fixed
digital figures (adders, memory).

Counts (H rows, W columns, N wavelengths, T tiles, C cores per tile)::

    weight modulators  H·N per core (T·C cores)
    input modulators   W·N per core slot, once for all tiles if the input is shared (C),
                       else per core (T·C)
    DACs               one per modulator;  router rings: 2 per modulator
    nodes              H·W per core: one phase shifter and one balanced pair each
    TIAs, ADCs         H·W per tile if a tile's cores share them, else per core
    adders             H·W per tile

Two conventions:

``lightening_transformer`` (how the published 14.75 W was computed):
  * laser per core: ``10^((S_dBm + IL + 10·log10(H·W))/10) mW · 2^bits / WPE``, IL the
    worst laser-to-detector path of the netlist, bits the output (ADC) resolution; no
    wavelength-count factor, no extinction-ratio factor;
  * DAC: the reference point scaled by ``(2^b/b)/(2^b_ref/b_ref)·f/f_ref`` (8 b, 14 GS/s);
  * modulator: energy per symbol × clock + its static power + its two router rings'
    static power; no electrical driver;
  * phase shifters (MEMS): 0.

``ours`` (this emulator's models with the same parameters):
  * laser: the link budget of :mod:`emulator.graph.budget` for every line (one line per
    modulator): ``S·10^(IL/10)·fan-out·2^(bits−1)/(1 − 10^(−ER/10))``, fan-out the nodes
    a line reaches (W for a weight line; H, times T if shared, for an input line), bits
    the DACs'; wall-plug by the source's own model;
  * DAC: ``2·FoM·bits·f`` (linear in bits);
  * modulator: plus the electrical driver's energy per symbol;
  * phase shifters: their static power (a MEMS shifter's holding driver).

ADC, detectors, TIAs, adders and memory are the same in both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.errors import Problem, UserError

from emulator.graph import insertion_loss_db, longest_paths, optical_graph
from emulator.graph.budget import line_power
from emulator.netlist import load_netlist
from emulator.netlist.source import read_document
from emulator.schema import Field, check, section

CONVENTIONS = ("lightening_transformer", "ours")
CATEGORIES = ("laser", "modulator", "dac", "adc", "photodetector", "tia", "phase_shifter",
              "adder", "memory")
# the component playing each role in the netlist slice
ROLES = {"laser": "multi_laser", "dac": "dac", "modulator": "modulator", "ring": "ring",
         "phase_shifter": "phase_shifter", "detector": "balanced_photodetector",
         "tia": "tia", "adc": "adc"}
# Lightening-Transformer's DAC reference point (its DAC_list entry: 8 b, 14 GS/s, 50 mW);
# the power at it comes from the netlist DAC's FoM: 2·FoM·8·14e9
LT_DAC_REF_BITS, LT_DAC_REF_RATE = 8, 14e9

_POS = dict(lo=1, hi=1_000_000)
SCHEMA = {
    "version": Field("int", 1, "file format version", lo=1, hi=1),
    "name": Field("str", "breakdown", "name of the design"),
    "netlist": Field("str", doc="netlist slice, relative to this file"),
    "architecture": section({
        "tiles": Field("int", doc="tiles", **_POS),
        "cores_per_tile": Field("int", doc="cores per tile", **_POS),
        "height": Field("int", doc="H: node rows per core (weight operand)", **_POS),
        "width": Field("int", doc="W: node columns per core (input operand)", **_POS),
        "wavelengths": Field("int", doc="N: wavelengths per core", **_POS),
        "clock": Field("float", doc="operating rate", unit="Hz", lo=1e3, hi=1e12),
        "input_shared": Field("bool", True, "the input operand is modulated once and "
                              "broadcast to every tile"),
        "receivers_shared": Field("bool", True, "a tile's cores share one TIA/ADC array"),
    }, "the chip around the slice"),
    "digital": section({
        "adder_power": Field("float", doc="power per adder (per tile output)", unit="W",
                             lo=0.0, hi=1.0),
        "global_buffer_power": Field("float", doc="global buffer power at "
                                     "global_buffer_tiles tiles", unit="W", lo=0.0, hi=100.0),
        "global_buffer_tiles": Field("int", 4, "tiles the global-buffer figure is for", **_POS),
        "local_buffer_power": Field("float", doc="one local buffer", unit="W", lo=0.0, hi=10.0),
        "buffer_power": Field("float", doc="one small activation buffer", unit="W", lo=0.0,
                              hi=10.0),
    }, "fixed digital figures"),
    "reference": Field("map", {}, "published/reference power per category and 'total'",
                       item=Field("float", unit="W", lo=0.0, hi=1e4)),
    "tolerance": section({
        "total": Field("float", 0.005, "relative tolerance of the total", lo=0.0, hi=1.0),
        "component": Field("float", 0.01, "relative tolerance of each category", lo=0.0,
                           hi=1.0),
    }),
}


@dataclass
class Spec:
    file: str
    name: str
    netlist: Any
    arch: dict
    digital: dict
    reference: dict[str, float]
    tolerance: dict


def load(path: str | Path, registry=None) -> Spec:
    """Read and check a breakdown file and its netlist; exit-2 errors name file and line."""
    data, lines = read_document(path)
    d = check(SCHEMA, data, file=str(path), lines=lines)
    unknown = set(d["reference"]) - set(CATEGORIES) - {"total"}
    if unknown:
        raise UserError(Problem(f"unknown reference categories {sorted(unknown)}", str(path),
                                "reference", hint=f"categories: {', '.join(CATEGORIES)}, total"))
    net = load_netlist(Path(path).parent / d["netlist"], registry)
    missing = [f"{role} ({comp})" for role, comp in ROLES.items()
               if not any(i.component.name == comp for i in net.instances.values())]
    if missing:
        raise UserError(Problem(f"the netlist slice has no {', '.join(missing)}", net.file,
                                hint="a DOTA node slice needs every role"))
    return Spec(str(path), d["name"], net, d["architecture"], d["digital"], d["reference"],
                d["tolerance"])


def _role(spec: Spec, role: str):
    """The (component, params) of a role; every instance of it must agree."""
    insts = [i for i in spec.netlist.instances.values() if i.component.name == ROLES[role]]
    first = insts[0]
    for other in insts[1:]:
        if other.params != first.params:
            raise UserError(Problem(f"instances '{first.name}' and '{other.name}' play the "
                                    f"same role ({role}) with different parameters",
                                    spec.netlist.file))
    return first.component, dict(first.params)


def counts(arch: dict) -> dict[str, int]:
    """Device counts of the chip (module docstring)."""
    h, w, n = arch["height"], arch["width"], arch["wavelengths"]
    tiles, per_tile = arch["tiles"], arch["cores_per_tile"]
    cores = tiles * per_tile
    weight_mods = h * n * cores
    input_mods = w * n * (per_tile if arch["input_shared"] else cores)
    receivers = h * w * (tiles if arch["receivers_shared"] else cores)
    return {"cores": cores, "weight_modulators": weight_mods, "input_modulators": input_mods,
            "modulators": weight_mods + input_mods, "dacs": weight_mods + input_mods,
            "rings": 2 * (weight_mods + input_mods), "nodes": h * w * cores,
            "tias": receivers, "adcs": receivers, "adders": h * w * tiles}


def worst_loss_db(spec: Spec) -> float:
    """Heaviest declared insertion loss from any laser to the detector pair [dB]."""
    net = spec.netlist
    g = optical_graph(net)
    worst = -math.inf
    for name, inst in net.instances.items():
        if inst.component.name != ROLES["laser"]:
            continue
        loss, _ = longest_paths(g, lambda x: insertion_loss_db(net.instances[x]), source=name)
        for det, total in loss.items():
            if net.instances[det].component.name == ROLES["detector"]:
                worst = max(worst, total - insertion_loss_db(net.instances[det]))
    if not math.isfinite(worst):
        raise UserError(Problem("no laser reaches the detector pair", net.file))
    return worst


def _sum(table) -> float:
    return float(sum(table.values()))


def _memory(arch: dict, dig: dict) -> float:
    """Lightening-Transformer's CACTI figures: the global buffer (scaled by tiles), per tile a
    local buffer and an input and output buffer, a buffer per core, one local buffer for the
    broadcast input, and the input buffers of the input operand (per core slot if shared)."""
    tiles, per_tile = arch["tiles"], arch["cores_per_tile"]
    cores, buf = tiles * per_tile, dig["buffer_power"]
    gb = dig["global_buffer_power"] * tiles / dig["global_buffer_tiles"]
    return (gb + tiles * (dig["local_buffer_power"] + 2 * buf) + buf * cores
            + dig["local_buffer_power"] + buf * (per_tile if arch["input_shared"] else cores))


def _laser(spec: Spec, c: dict, convention: str) -> float:
    arch = spec.arch
    comp, p = _role(spec, "laser")
    _, det = _role(spec, "detector")
    il = worst_loss_db(spec)
    if convention == "lightening_transformer":
        _, adc = _role(spec, "adc")
        dbm = 10 * math.log10(det["sensitivity"] / 1e-3) + il + 10 * math.log10(
            arch["height"] * arch["width"])
        return c["cores"] * 1e-3 * 10 ** (dbm / 10) * 2 ** adc["bits"] / p["wpe"]
    _, dac = _role(spec, "dac")
    _, mod = _role(spec, "modulator")
    input_fanout = arch["height"] * (arch["tiles"] if arch["input_shared"] else 1)
    lines = ((c["weight_modulators"], arch["width"]), (c["input_modulators"], input_fanout))
    return sum(_sum(comp.static_power({**p, "lines": k, "power": line_power(
        det["sensitivity"], il, fanout, dac["bits"], mod["extinction"])}))
        for k, fanout in lines)


def breakdown(spec: Spec, convention: str = "lightening_transformer") -> dict[str, float]:
    """Power per category [W] and ``total``."""
    if convention not in CONVENTIONS:
        raise UserError(Problem(f"unknown convention {convention!r}", spec.file,
                                hint=f"one of {', '.join(CONVENTIONS)}"))
    arch, dig, f = spec.arch, spec.digital, spec.arch["clock"]
    c = counts(arch)
    lt = convention == "lightening_transformer"
    role = {r: _role(spec, r) for r in ROLES}

    _, mod = role["modulator"]
    ring_c, ring = role["ring"]
    per_mod = (mod["energy_per_symbol"] * f + mod["lock_power"]
               + 2 * _sum(ring_c.static_power(ring)))
    if not lt:
        per_mod += mod["driver_energy"] * f

    dac_c, dac = role["dac"]
    if lt:
        ref = 2 * dac["fom"] * LT_DAC_REF_BITS * LT_DAC_REF_RATE
        b = dac["bits"]
        bit_scale = (2 ** b / b) / (2 ** LT_DAC_REF_BITS / LT_DAC_REF_BITS)
        per_dac = ref * bit_scale * f / LT_DAC_REF_RATE
    else:
        per_dac = dac_c.energy(dac)["convert"] * f

    adc_c, adc = role["adc"]
    per_adc = adc_c.energy({**adc, "sample_rate": f})["convert"] * f
    det_c, det = role["detector"]
    tia_c, tia = role["tia"]
    ps_c, ps = role["phase_shifter"]

    out = {
        "laser": _laser(spec, c, convention),
        "modulator": c["modulators"] * per_mod,
        "dac": c["dacs"] * per_dac,
        "adc": c["adcs"] * per_adc,
        "photodetector": c["nodes"] * _sum(det_c.static_power(det)),
        "tia": c["tias"] * _sum(tia_c.static_power(tia)),
        "phase_shifter": 0.0 if lt else c["nodes"] * _sum(ps_c.static_power(ps)),
        "adder": c["adders"] * dig["adder_power"],
        "memory": _memory(arch, dig),
    }
    out["total"] = sum(out.values())
    return out


def report(path: str | Path, registry=None) -> dict:
    """Both conventions, the counts, the worst path loss and the reference of a file."""
    spec = load(path, registry)
    return {"name": spec.name, "file": spec.file, "counts": counts(spec.arch),
            "worst_path_loss_db": worst_loss_db(spec),
            "conventions": {cv: breakdown(spec, cv) for cv in CONVENTIONS},
            "reference": spec.reference, "tolerance": spec.tolerance}
