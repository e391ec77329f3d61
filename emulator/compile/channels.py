"""Wavelength as an axis of the compiled circuit: one compiled transfer per WDM channel.

The channels are the lines of the netlist's multi-wavelength sources (``multi_laser``);
a netlist without one has the single wavelength :func:`compile_netlist` picks.  Every
passive part sees each channel at its own wavelength, so a ring or a WDM filter routes
channel k by its resonance or passband, and what leaks into another channel's path is in
that channel's matrix (the crosstalk the components declare).  Detectors add the channels
incoherently (different optical frequencies beat far above any receiver's bandwidth).

Loading refuses a source with more lines than a WDM multiplexer or demultiplexer it feeds
declares channels (:mod:`emulator.netlist.wdm`).
"""

from __future__ import annotations

import numpy as np

from components.electronics.multi_laser import line_wavelengths
from emulator.netlist import Netlist, load_netlist

from . import CompiledCircuit, compile_netlist, default_wavelength

SOURCE = "multi_laser"


def channel_wavelengths(netlist: Netlist) -> np.ndarray:
    """Sorted distinct line wavelengths of the sources [m] (one if there is no source)."""
    lines = [line_wavelengths(i.params) for i in netlist.instances.values()
             if i.component.name == SOURCE]
    if not lines:
        return np.array([default_wavelength(netlist)])
    return np.unique(np.round(np.concatenate(lines), 15))


def compile_channels(netlist, registry=None) -> list[CompiledCircuit]:
    """One compiled circuit per channel wavelength, in wavelength order."""
    if not isinstance(netlist, Netlist):
        netlist = load_netlist(netlist, registry)
    return [compile_netlist(netlist, float(lam)) for lam in channel_wavelengths(netlist)]
