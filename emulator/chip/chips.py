"""The chip of a core, by its architecture (the generator of its weight layer,
:data:`emulator.chip.core.LAYER_KINDS`): an SVD mesh (:class:`~.chip.Chip`), a microring
weight bank (:class:`~.ring_bank.RingBankChip`) or a DOTA crossbar
(:class:`~.crossbar.CrossbarChip`).  All three give :class:`~.device.ChipLayer` the same
interface: ``m``, ``n``, ``cores``, ``program``, ``program_many``, ``describe``,
``settings_written``, and the flags ``holds_weights`` (False: the weights stream from
memory every pass) and ``signed_inputs`` (False: a signed input takes one pass per
sign)."""

from __future__ import annotations

from .chip import Chip
from .crossbar import CrossbarChip
from .ring_bank import RingBankChip

CHIPS = {"svd_layer": Chip.of, "mrr_weight_bank": RingBankChip, "dota_crossbar": CrossbarChip}


def chip_of(core, *, cores: int = 1, seed=0, calibrate: bool = True):
    """The chip of a loaded :class:`~emulator.chip.core.Core`."""
    return CHIPS[core.kind](core, cores=cores, seed=seed, calibrate=calibrate)
