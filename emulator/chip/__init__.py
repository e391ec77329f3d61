"""The core netlist as the one chip: training and inference run through the same
components the cost model charges.

``chain`` (the core's signal chain read from its netlist) · ``realise`` (a weight tile
mapped and held by the layer's parts) · ``calibrate`` (LO phase, gain, offset) ·
``chip`` (program tiles, run batches of them) for SVD-mesh cores; ``ring_bank`` and
``crossbar`` the same for the WDM cores (shared read-out: ``wdm``); ``chips`` picks the
chip of a core by its architecture; ``device`` puts a network's layers on any of them.
"""

from .calibrate import Readout
from .chip import Chip, Tile

__all__ = ["Chip", "Readout", "Tile"]
