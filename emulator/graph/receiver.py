"""The read-out chain of each photodetector: one noise bandwidth, each noise source once.

A detector followed by a TIA and an ADC is one receiver.  Its noise is integrated over
the receiver's effective bandwidth, the narrowest of the detector's, the TIA's and the
ADC's Nyquist band (``sample_rate / 2``): a pass-band wider than what the ADC samples
adds noise the ADC never sees.  A detector read by a TIA has no load resistor: the
TIA's input-referred current noise already holds the feedback resistor's thermal noise,
so the detector's own thermal term is dropped (``load: tia``).

:func:`with_receivers` writes ``noise_bandwidth`` into each receiver's detector and TIA
(and ``load: tia``) unless the netlist set them itself; compiling a netlist applies it,
so the event engine and the chip model read the same values.
"""

from __future__ import annotations


def receivers(netlist) -> dict[str, dict]:
    """``{instance: {param: value}}`` derived from each detector's read-out chain."""
    insts = netlist.instances
    feeds = {(c.src, c.src_port): (c.dst, c.dst_port) for c in netlist.connections}
    out: dict[str, dict] = {}
    for name, inst in insts.items():
        if inst.kind != "detector":  # a photodetector or a balanced pair
            continue
        tia = feeds.get((name, "e_out"), (None,))[0]
        if tia is None or insts[tia].component.name != "tia":
            continue
        bands = [inst.params["bandwidth"], insts[tia].params["bandwidth"]]
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
