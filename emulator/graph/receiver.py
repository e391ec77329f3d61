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

from components.electronics import photodetector as pd_model
from components.electronics import tia as tia_model


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


def wdm_crosstalk(netlist, wavelengths: int) -> dict:
    """What inter-channel crosstalk does to the read-out when ``wavelengths`` channel sets
    share the core (:func:`components.electronics.photodetector.interference_ratio`): the
    worst detector's interference ratio with two full-scale neighbours (one for W = 2),
    the power penalty each laser line makes up, and the resolution it leaves."""
    neighbours = 0 if wavelengths <= 1 else min(2, wavelengths - 1)
    bands = receivers(netlist)
    worst, where = 0.0, None
    for name, inst in netlist.instances.items():
        if inst.component.name != "photodetector":
            continue
        band = bands.get(name, {}).get("noise_bandwidth") or pd_model.noise_band(inst.params)
        r = pd_model.interference_ratio(inst.params, neighbours, band)
        if where is None or r > worst:
            worst, where = r, inst
    out = {"neighbours": neighbours, "interference_ratio": worst,
           "power_penalty_db": pd_model.crosstalk_penalty_db(worst),
           "resolution_bits": math.log2(1.0 / worst) if worst > 0 else None}
    if where is not None:
        out.update(detection=where.params["mode"],
                   crosstalk_db=where.params["wdm_crosstalk"],
                   channel_spacing_hz=where.params["channel_spacing"])
    return out
