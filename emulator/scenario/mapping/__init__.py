"""How a scenario maps weight layers onto a core, one small strategy per architecture.

The architecture is a property of the core netlist: the generator of its weight layer
(:data:`emulator.chip.core.LAYER_KINDS`).  Every strategy answers the same questions for
:mod:`emulator.scenario.step`:

``tile_shape()``      (rows, cols) of a weight tile, for the one tiler (:mod:`emulator.tiling`)
``lanes``             input vectors one stream cycle carries (the crossbar's h rows)
``signed_rails``      streams a signed batch takes (2 where inputs are optical powers: one
                      per sign, the read-outs subtracted; 1 where modulators take a sign)
``static_power(mats)``  the static rows, watts per tile (tiles × rows) and scales
``program()``         the engine pass that writes and settles one tile (None: the weights
                      are not held by the core, they stream with the data)
``update_work(mapped, weights)``  the digital work turning updated weights into settings
                      for ``mapped`` re-written tiles (a list of :class:`Work`)

* ``svd_layer`` (:mod:`.mesh`): weight-stationary Clements/Reck meshes, SVD + nullings;
* ``mrr_weight_bank`` (:mod:`.ring_bank`): weight-stationary rings, a weight is a detuning;
* ``dota_crossbar`` (:mod:`.crossbar`): dynamic operands, weights stream from memory.
"""

from __future__ import annotations

from dataclasses import dataclass

BYTES = 4  # float32 activations and weights in SRAM


@dataclass(frozen=True)
class Work:
    """Digital work of the update pass: MACs, SRAM bytes read and written, and how many
    MACs can run at once (None: the unit's lanes)."""

    label: str
    macs: int
    reads: int
    writes: int
    parallel: int | None = None


from .crossbar import CrossbarMapping  # noqa: E402
from .mesh import MeshMapping  # noqa: E402
from .ring_bank import RingBankMapping  # noqa: E402

MAPPINGS = {m.kind: m for m in (MeshMapping, RingBankMapping, CrossbarMapping)}


def mapping_for(core):
    """The strategy of ``core``'s architecture (its weight layer's generator)."""
    return MAPPINGS[core.kind](core)
