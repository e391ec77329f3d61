"""SVD meshes (``svd_layer``): weight-stationary.  A tile is programmed (every shifter of
the layer written, then settling) and holds its phases while the batch streams; an update
re-maps each re-written tile by SVD and mesh decomposition (:mod:`emulator.mesh.cost`)."""

from __future__ import annotations

from emulator.engine import reprogram
from emulator.mesh.cost import mapping_ops

from . import BYTES, Work


class MeshMapping:
    kind = "svd_layer"
    name = "SVD mesh"
    operands = "weight_stationary"
    lanes = 1
    signed_rails = 1

    def __init__(self, core):
        self.core = core

    def tile_shape(self) -> tuple[int, int]:
        return self.core.n_out, self.core.n_in

    def static_power(self, mats):
        return self.core.static_power(mats)  # the shifters' hold at each tile's phases

    def program(self):
        return reprogram(self.core.netlist)

    def update_work(self, mapped: float, weights: int) -> list[Work]:
        m, n = self.core.layer_size()
        ops = mapping_ops(m, n)  # counted from what the mapping does
        return [Work("SVD of the re-written tiles", round(mapped * ops.svd_macs),
                     weights * BYTES, 0),
                Work("mesh decompositions (chains of nullings)",
                     round(mapped * (ops.rotation_macs + ops.scalar_ops)), 0,
                     round(mapped * (m * m + n * n + min(m, n))) * BYTES, ops.parallel)]
