"""The read-out chain of each photodetector: one noise bandwidth, each noise source once.

A detector followed by a TIA and an ADC is one receiver.  Its noise is integrated over
the receiver's effective bandwidth, the narrowest of the detector's, the TIA's (what its
gain-bandwidth product delivers at its gain) and the
ADC's Nyquist band (``sample_rate / 2``): a pass-band wider than what the ADC samples
adds noise the ADC never sees.  A detector read by a TIA has no load resistor: the
TIA's input-referred current noise already holds the feedback resistor's thermal noise,
so the detector's own thermal term is dropped (``load: tia``).

:func:`with_receivers` writes ``noise_bandwidth`` into each receiver's detector and TIA
(and ``load: tia``) unless the netlist set them itself; compiling a netlist applies it,
so the event engine and the chip model read the same values.
"""

from __future__ import annotations

import math
from typing import Mapping

from components.electronics import photodetector as pd_model
from components.electronics import tia as tia_model
from components.errors import UserError
from components.optics import wdm as wdm_model
from components.optics.wdm import WDM_DEMUX


def receivers(netlist) -> dict[str, dict]:
    """``{instance: {param: value}}`` derived from each detector's read-out chain."""
    insts = netlist.instances
    detectors = [name for name, inst in insts.items()
                 if inst.kind == "detector"]  # photodetectors and balanced pairs
    feeds = {(c.src, c.src_port): (c.dst, c.dst_port) for c in netlist.connections
             } if detectors else {}
    out: dict[str, dict] = {}
    for name in detectors:
        inst = insts[name]
        tia = feeds.get((name, "e_out"), (None,))[0]
        if tia is None or insts[tia].component.name != "tia":
            continue
        bands = [inst.params["bandwidth"], float(tia_model.bandwidth(insts[tia].params))]
        adc = feeds.get((tia, "e_out"), (None,))[0]
        if adc is not None and insts[adc].component.name == "adc":
            bands.append(insts[adc].params["sample_rate"] / 2.0)
        band = float(min(bands))
        out[name] = {"noise_bandwidth": band, "load": "tia"}
        out[tia] = {"noise_bandwidth": band}
    return out


def with_receivers(netlist):
    """A copy of ``netlist`` whose receivers carry their derived noise settings (values
    the netlist set explicitly are kept)."""
    insts = netlist.instances
    new = {name: {k: v for k, v in params.items() if k not in insts[name].given}
           for name, params in receivers(netlist).items()}
    new = {name: params for name, params in new.items() if params}
    return netlist.with_params(new, given=False) if new else netlist


def receiver_flags(netlist) -> list[str]:
    """Read-out parts asked for more than they deliver: TIAs beyond their gain-bandwidth
    limit (:func:`components.electronics.tia.gbw_flag`), one line per distinct reason."""
    by_reason: dict[str, list[str]] = {}
    for name, inst in netlist.instances.items():
        if inst.component.name == "tia":
            reason = tia_model.gbw_flag(inst.params)
            if reason:
                by_reason.setdefault(reason, []).append(name)
    return [f"TIA {names[0]}{f' and {len(names) - 1} more' if len(names) > 1 else ''} "
            f"{reason}" for reason, names in by_reason.items()]


def wdm_demux(netlist, demux: Mapping | None = None) -> tuple[dict, str]:
    """The demultiplexer whose declared crosstalk the receivers see, and where it comes
    from: the netlist's wdm_demux with the worst adjacent-channel ``crosstalk``; for a
    netlist without one (a scenario's core, whose channel sets pass the mux/demux pair that
    ``hardware.wdm_loss`` charges) ``demux`` (wdm_demux parameters in SI), else the library's
    wdm_demux defaults."""
    own = [(name, inst.params) for name, inst in netlist.instances.items()
           if inst.component.name == WDM_DEMUX.name]
    if own:
        name, params = max(own, key=lambda item: item[1]["crosstalk"])
        return params, f"wdm_demux '{name}'"
    unknown = sorted(set(demux or {}) - set(WDM_DEMUX.param_names))
    if unknown:
        raise UserError(f"unknown wdm_demux parameters {unknown}")
    return WDM_DEMUX.resolve(dict(demux or {})), "wdm_demux parameters given" if demux else "wdm_demux defaults"


def wdm_crosstalk(netlist, wavelengths: int, demux: Mapping | None = None) -> dict:
    """What inter-channel crosstalk does to the read-out when ``wavelengths`` channel sets
    share the core: the demultiplexer's adjacent-channel leak ε = 10^(crosstalk/10) at its
    channel spacing (:func:`wdm_demux`), read by each photodetector
    (:func:`components.electronics.photodetector.interference_ratio`); the worst detector's
    interference ratio with two full-scale neighbours (one for W = 2), the power penalty
    each laser line makes up, and the resolution it leaves."""
    neighbours = 0 if wavelengths <= 1 else min(2, wavelengths - 1)
    dm, source = wdm_demux(netlist, demux)
    leak = 10.0 ** (dm["crosstalk"] / 10.0)
    spacing = float(wdm_model.spacing_hz(dm))
    bands = receivers(netlist)
    worst, where = 0.0, None
    for name, inst in netlist.instances.items():
        if inst.component.name != "photodetector":
            continue
        band = bands.get(name, {}).get("noise_bandwidth") or pd_model.noise_band(inst.params)
        r = pd_model.interference_ratio(inst.params, neighbours, leak, spacing, band)
        if where is None or r > worst:
            worst, where = r, inst
    out = {"neighbours": neighbours, "interference_ratio": worst,
           "power_penalty_db": pd_model.crosstalk_penalty_db(worst),
           "resolution_bits": math.log2(1.0 / worst) if worst > 0 else None}
    if where is not None:
        out["detection"] = where.params["mode"]
    out.update(crosstalk_db=dm["crosstalk"], channel_spacing_hz=spacing, demux=source)
    return out
