"""What `netlist show` reports: counts, ports, optical depth, worst-path loss, static power."""

from __future__ import annotations

import numpy as np

from . import insertion_loss_db, longest_path, optical_graph
from .budget import link_budget
from .receiver import receiver_flags


def static_power(netlist) -> dict[str, float]:
    """Static power by component kind [W] (data-dependent hold power from set phases)."""
    out: dict[str, float] = {}
    for inst in netlist.instances.values():
        total = sum(inst.component.static_power(inst.params).values())
        if total:
            out[inst.kind] = out.get(inst.kind, 0.0) + total
    return out


def summarize(netlist, compiled=None) -> dict:
    g = netlist.graph
    optical = optical_graph(netlist)
    insts = netlist.instances
    depth, _ = longest_path(optical, lambda n: 1.0 if insts[n].component.is_passive_optical else 0)
    loss, loss_path = longest_path(optical, lambda n: insertion_loss_db(insts[n]))
    power = static_power(netlist)
    ports = []
    for name, (inst, port) in netlist.ports.items():
        p = insts[inst].port_map[port]
        ports.append({"name": name, "domain": p.domain, "direction": p.direction,
                      "target": f"{inst},{port}"})
    out = {
        "name": netlist.name,
        "file": netlist.file,
        "instances": len(insts),
        "connections": g.number_of_edges(),
        "counts": netlist.counts(),
        "ports": ports,
        "optical_depth": int(depth),
        "worst_path_loss_db": round(loss, 6),
        "worst_loss_path": loss_path,
        "static_power_w": sum(power.values()),
        "static_power_by_kind_w": power,
    }
    if any(i.kind == "laser" for i in insts.values()) and any(
            i.kind == "detector" for i in insts.values()):
        out["link_budget"] = link_budget(netlist)
    out["flags"] = receiver_flags(netlist)
    if compiled is not None:
        tof = compiled.delay[np.isfinite(compiled.delay)] if compiled.delay.size else []
        out["wavelength_m"] = compiled.wavelength
        out["max_time_of_flight_s"] = float(max(tof)) if len(tof) else 0.0
    return out



