"""Microring weight banks (``mrr_weight_bank``): weight-stationary, no SVD.

A tile (m outputs × n wavelengths) is normalised by its largest magnitude and each weight
becomes one add-drop ring's detuning (:func:`components.optics.ring.bank_detunings`: the
inverse of the balanced drop − through response of that ring on its own channel); the
rings' heaters are written and settle, then the batch streams.  A thermal ring holds its detuning with
``|detuning| / tuning_efficiency`` of heater power, so the hold power is the tile's.

The update computes the re-written tiles' detunings: per weight, ``DETUNING_OPS`` scalar
operations (the tile's normalisation, then the closed-form inverse of a Lorentzian,
δ = (Δλ/2)·√((w₀ − w)/(w − w_min)): two subtractions, a division, a square root, a
multiply), independent weights in parallel; one heater code per ring written to SRAM.
"""

from __future__ import annotations

import numpy as np

from components.optics.ring import bank_detunings
from emulator.engine import reprogram
from emulator.engine.plan import static_rows
from emulator.ledger import evaluate_many

from . import BYTES, Work

DETUNING_OPS = 6


class RingBankMapping:
    kind = "mrr_weight_bank"
    name = "microring weight bank"
    operands = "weight_stationary"
    lanes = 1
    signed_rails = 2  # inputs are optical powers (emulator.chip.ring_bank)

    def __init__(self, core):
        self.core = core
        info = core.netlist.info["subcircuits"][core.layer]
        self.m, self.n = int(info["m"]), int(info["n"])
        self.rings = [f"{core.layer}.ring{j}_{k}" for j in range(self.m) for k in range(self.n)]

    def tile_shape(self) -> tuple[int, int]:
        return self.m, self.n

    def detunings(self, mats) -> tuple[np.ndarray, np.ndarray]:
        """Each tile's ring detunings (tiles × m·n, ring order of :attr:`rings`) and its
        scale (realised output per unit weight)."""
        W = np.zeros((len(mats), self.m, self.n))
        for t, mat in enumerate(mats):
            W[t, : mat.shape[0], : mat.shape[1]] = mat
        peak = np.abs(W).reshape(len(mats), -1).max(axis=1) if len(mats) else np.zeros(0)
        peak = np.where(peak > 0, peak, 1.0)
        inst = self.core.netlist.instances
        ring = inst[self.rings[0]].params
        res = [inst[name].params["resonance"] for name in self.rings[: self.n]]
        det, scale = bank_detunings(ring, res, W / peak[:, None, None])
        return det.reshape(len(mats), -1), scale / peak

    def static_power(self, mats):
        """The base static power, with each ring's hold at its tile's detuning (the ring's
        own model, evaluated over all tiles at once)."""
        rows, base, index = static_rows(self.core.netlist)
        watts = np.repeat(base[None, :], len(mats), axis=0)
        det, scales = self.detunings(mats)
        first = self.core.netlist.instances[self.rings[0]]
        for key, value, _ in evaluate_many(first.component, "static_power",
                                           {**first.params, "detuning": det}, first.given):
            cols = [index[(nm, key)] for nm in self.rings]
            watts[:, cols] = np.broadcast_to(value, (len(mats), len(self.rings)))
        return rows, watts, scales

    def program(self):
        return reprogram(self.core.netlist, self.rings)

    def update_work(self, mapped: float, weights: int) -> list[Work]:
        rings = round(mapped * self.m * self.n)
        return [Work("ring detunings of the re-written tiles", rings * DETUNING_OPS,
                     weights * BYTES, rings * BYTES)]
