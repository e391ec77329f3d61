"""Compile once, evaluate many: the passive optics of a netlist collapse into one matrix.

The *optical region* is every passive optical instance.  Its inputs are the netlist's
external optical inputs and the optical outputs of active parts (lasers, modulators);
its outputs are the external optical outputs and the optical inputs of active parts
(modulators, detectors).  Compiling multiplies the instance transfers in topological
order, a whole stage of same-shaped instances at a time, and tracks the longest time of
flight from every region input to every region output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Mapping

import numpy as np

from components.base import IN, OPTICAL, OUT
from components.errors import NetlistError, Problem

from emulator.graph.order import generations, topological_order
from emulator.graph.receiver import with_receivers
from emulator.netlist import Netlist, load_netlist
from emulator.netlist.model import gc_paused

from .live import Live

DEFAULT_WAVELENGTH = 1.55e-6  # m, C band

EXT = ""  # instance name used for the netlist's own external ports


@dataclass
class CompiledCircuit:
    netlist: Netlist
    wavelength: float
    region_in: list[tuple[str, str]]  # (instance, port) or (EXT, external name)
    region_out: list[tuple[str, str]]
    matrix: np.ndarray  # (len(region_out), len(region_in)) complex field transfer
    delay: np.ndarray  # same shape: longest time of flight [s]; -inf where no path
    active: list[str]  # non-passive instances, topological order
    n_ext_in: int  # the first n_ext_in region inputs are the external optical inputs
    n_ext_out: int
    passive_count: int = 0
    _t: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def index_in(self) -> dict[tuple[str, str], int]:
        return {k: i for i, k in enumerate(self.region_in)}

    @cached_property
    def index_out(self) -> dict[tuple[str, str], int]:
        return {k: i for i, k in enumerate(self.region_out)}

    @property
    def transfer(self) -> np.ndarray:
        """Field transfer between external optical ports: rows outputs, columns inputs."""
        return self.matrix[: self.n_ext_out, : self.n_ext_in]

    @property
    def time_of_flight(self) -> np.ndarray:
        return self.delay[: self.n_ext_out, : self.n_ext_in]

    def evaluate(self, fields: np.ndarray) -> np.ndarray:
        """Output fields for a batch of input fields, shape (B, n_in) -> (B, n_out)."""
        if self._t is None:
            self._t = np.ascontiguousarray(self.transfer.T)
        x = np.asarray(fields)
        if x.ndim != 2 or x.shape[1] != self.n_ext_in:
            raise ValueError(f"expected fields of shape (B, {self.n_ext_in}), got {x.shape}")
        return x @ self._t


def default_wavelength(netlist: Netlist) -> float:
    for inst in netlist.instances.values():
        if "wavelength" in inst.params:
            return float(inst.params["wavelength"])
    return DEFAULT_WAVELENGTH


def compile_netlist(netlist: Netlist | str | Path | Mapping, wavelength: float | None = None,
                    registry=None) -> CompiledCircuit:
    """Compile a netlist (loaded, or a path or dict to load) at one wavelength [m]."""
    if not isinstance(netlist, Netlist):
        netlist = load_netlist(netlist, registry)
    with gc_paused():
        return _compile(netlist, wavelength)


def _compile(netlist: Netlist, wavelength: float | None) -> CompiledCircuit:
    netlist = with_receivers(netlist)  # each detector's noise over its receiver's band
    lam = default_wavelength(netlist) if wavelength is None else float(wavelength)
    if not np.isfinite(lam) or lam <= 0:
        raise NetlistError(Problem(f"wavelength must be positive and finite, got {wavelength!r}",
                                   netlist.file))
    insts = netlist.instances
    passive = {n for n, i in insts.items() if i.component.is_passive_optical}

    # where each output port's light goes: (instance, input port), or (EXT, external name)
    sink: dict[tuple[str, str], tuple[str, str]] = {}
    for c in netlist.connections:
        if c.domain == OPTICAL:
            sink[(c.src, c.src_port)] = (c.dst, c.dst_port)
    ext_in, ext_out = [], []
    for ext, (inst, port) in netlist.ports.items():
        p = insts[inst].port_map[port]
        if p.domain != OPTICAL:
            continue
        if p.direction == IN:
            ext_in.append(ext)
        else:
            ext_out.append(ext)
            sink[(inst, port)] = (EXT, ext)

    links = [(c.src, c.dst) for c in netlist.connections]
    active = [n for n in (topological_order(insts, links) if len(passive) < len(insts)
                          else ()) if n not in passive]
    region_in = [(EXT, e) for e in ext_in] + [
        (n, p.name) for n in active for p in insts[n].ports
        if p.domain == OPTICAL and p.direction == OUT]
    region_out = [(EXT, e) for e in ext_out] + [
        (n, p.name) for n in active for p in insts[n].ports
        if p.domain == OPTICAL and p.direction == IN]
    R = len(region_in)
    out_index = {k: i for i, k in enumerate(region_out)}
    matrix = np.zeros((len(region_out), R), dtype=complex)
    delay = np.full((len(region_out), R), -np.inf)
    live = Live(R, capacity=max(64, 2 * R))

    def deliver(dsts, fields, times, per: int = 1):
        """Light leaving ports whose destinations are ``dsts`` (row i of ``fields``, row
        i // per of ``times``): into the passive inputs waiting for it, or the matrix."""
        to_live, live_rows, to_out, out_rows = [], [], [], []
        for i, dst in enumerate(dsts):
            if dst is None:
                continue  # an output of a passive part with nothing attached cannot pass validation
            if dst[0] in passive:
                to_live.append(dst)
                live_rows.append(i)
            else:
                to_out.append(out_index[dst])
                out_rows.append(i)
        if to_live:
            live.put(to_live, fields[live_rows], times[np.array(live_rows) // per])
        if to_out:
            matrix[to_out] = fields[out_rows]
            delay[to_out] = times[np.array(out_rows) // per]

    deliver([netlist.ports[port] if inst == EXT else sink.get((inst, port))
             for inst, port in region_in],
            np.eye(R, dtype=complex), np.where(np.eye(R, dtype=bool), 0.0, -np.inf))
    for generation in generations((n for n in insts if n in passive), links):
        groups: dict[tuple, list[str]] = {}
        for name in generation:
            inst = insts[name]
            groups.setdefault((id(inst.component), len(inst.ports)), []).append(name)
        for names in groups.values():
            _apply_group([insts[n] for n in names], lam, live, sink, deliver)

    return CompiledCircuit(netlist, lam, region_in, region_out, matrix, delay, active,
                           len(ext_in), len(ext_out), len(passive))


def _apply_group(group, lam, live: Live, sink, deliver):
    """One stage's instances of one component: their transfers times the light waiting at
    their inputs (one gather, one stacked product), passed on to where their outputs go."""
    first = group[0]
    ins = [p.name for p in first.ports if p.direction == IN]
    outs = [p.name for p in first.ports if p.direction == OUT]
    comp = first.component
    T = (np.asarray(comp.transfer_many([inst.params for inst in group], lam), dtype=complex)
         if comp.transfer_many is not None and len(group) > 1 else
         np.array([comp.transfer(inst.params, lam) for inst in group], dtype=complex))
    d = np.array([comp.delay(inst.params) for inst in group])
    G, R = len(group), live.fields.shape[1]
    if ins:
        fields, times = live.take([(inst.name, port) for inst in group for port in ins])
        out = T @ fields.reshape(G, len(ins), R)
        tout = times.reshape(G, len(ins), R).max(axis=1) + d[:, None]
    else:
        out = np.zeros((G, len(outs), R), dtype=complex)
        tout = np.full((G, R), -np.inf)
    deliver([sink.get((inst.name, port)) for inst in group for port in outs],
            out.reshape(G * len(outs), R), tout, per=len(outs))


def transfer_matrix(netlist, wavelength: float | None = None, registry=None) -> np.ndarray:
    """Complex field transfer over the declared optical ports (rows outputs, columns inputs)."""
    return compile_netlist(netlist, wavelength, registry).transfer
