"""Ends of the light path: an absorbing terminator and a dark (unlit) input."""

from __future__ import annotations

import numpy as np

from ..base import Component, optical_ports

TERMINATOR = Component(
    name="terminator",
    kind="passive",
    doc="Absorbs all light arriving at in0 (no outputs).",
    params=(),
    ports=lambda p: optical_ports(1, 0),
    transfer=lambda p, wavelength: np.zeros((0, 1), dtype=complex),
)

DARK = Component(
    name="dark",
    kind="passive",
    doc="An unused mesh input: out0 emits no light (no inputs).",
    params=(),
    ports=lambda p: optical_ports(0, 1),
    transfer=lambda p, wavelength: np.zeros((1, 0), dtype=complex),
)
