"""What `netlist show` reports: counts, ports, optical depth, worst-path loss, static power."""

from __future__ import annotations

import networkx as nx
import numpy as np

from components.base import OPTICAL

from .graph import longest_path
from .netlist import Netlist


def insertion_loss_db(inst) -> float:
    """Declared insertion loss of one instance [dB], propagation loss included."""
    p = inst.params
    return float(p.get("loss", 0.0)) + float(p.get("loss_per_length", 0.0)) * float(
        p.get("length", 0.0) if "loss_per_length" in p else 0.0)


def static_power(netlist: Netlist) -> dict[str, float]:
    """Static power by component kind [W] (data-dependent hold power from set phases)."""
    out: dict[str, float] = {}
    for inst in netlist.instances.values():
        total = sum(inst.component.static_power(inst.params).values())
        if total:
            out[inst.kind] = out.get(inst.kind, 0.0) + total
    return out


def summarize(netlist: Netlist, compiled=None) -> dict:
    g = netlist.graph
    optical = nx.DiGraph()
    optical.add_nodes_from(netlist.instances)
    optical.add_edges_from((c.src, c.dst) for c in netlist.connections if c.domain == OPTICAL)
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
    if any(i.component.name == "laser" for i in insts.values()) and any(
            i.component.name == "photodetector" for i in insts.values()):
        from .budget import link_budget

        out["link_budget"] = link_budget(netlist)
    if compiled is not None:
        tof = compiled.delay[np.isfinite(compiled.delay)] if compiled.delay.size else []
        out["wavelength_m"] = compiled.wavelength
        out["max_time_of_flight_s"] = float(max(tof)) if len(tof) else 0.0
    return out



