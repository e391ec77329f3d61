"""Dynamically-operated crossbars (``dota_crossbar``): no weight is held by the core.

An h×w×n crossbar computes ``out_ij = Σ_k x_ik·y_jk``: a weight tile is w outputs × n
inputs (the column operands y, one wavelength per input), and the h row buses carry h input
vectors of the batch at once.  Every cycle both operands are read from SRAM and modulated
(the step's buffer traffic counts every DAC code), so there is no programming and no
settling; the update pass is the digital update writing the new weights to memory."""

from __future__ import annotations

import numpy as np

from emulator.engine.plan import static_rows

from . import Work


class CrossbarMapping:
    kind = "dota_crossbar"
    name = "DOTA crossbar"
    operands = "dynamic"

    def __init__(self, core):
        self.core = core
        info = core.netlist.info["subcircuits"][core.layer]
        self.h, self.w, self.n = int(info["h"]), int(info["w"]), int(info["n"])
        self.lanes = self.h
        self.signed_rails = 1  # its modulators take signed operands

    def tile_shape(self) -> tuple[int, int]:
        return self.w, self.n

    def static_power(self, mats):
        """The same static power whatever the weights (ring routers locked, MEMS node
        shifters, detectors, TIAs, lasers); scale 1 (weights are DAC codes)."""
        rows, base, _ = static_rows(self.core.netlist)
        return rows, np.repeat(base[None, :], len(mats), axis=0), np.ones(len(mats))

    def program(self):
        return None

    def update_work(self, mapped: float, weights: int) -> list[Work]:
        return []  # the updated weights are the operands: their SRAM write is the update's
