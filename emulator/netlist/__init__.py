"""Netlists: read (source), check parameters (params), flatten (loader), check
structure (validate), and generate parametric structures (generators)."""

from .loader import load_netlist
from .model import Connection, Instance, Netlist, Where

__all__ = ["load_netlist", "Netlist", "Instance", "Connection", "Where"]
