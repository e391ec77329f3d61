"""Netlists: read (source), check parameters (params), flatten (loader), check
structure (validate), and generate parametric structures (generators)."""

from .interop import import_netlist, to_sax
from .loader import load_netlist
from .model import Connection, Instance, Netlist, Where

__all__ = ["load_netlist", "import_netlist", "to_sax", "Netlist", "Instance", "Connection", "Where"]
