"""The component library: pure models of optical and electronic parts."""

from .base import DIGITAL, ELECTRICAL, IN, OPTICAL, OUT, Component, Param, Port, optical_ports
from .registry import Registry, UnknownComponent


def default_registry() -> Registry:
    """A fresh registry holding every component of the library."""
    from .library import ALL

    return Registry(ALL)


__all__ = ["Component", "Param", "Port", "Registry", "UnknownComponent", "default_registry",
           "optical_ports", "OPTICAL", "ELECTRICAL", "DIGITAL", "IN", "OUT"]
