"""The per-tile parameter columns of a core's weight layer, for evaluating every tile's
hold power over arrays (:meth:`emulator.chip.core.Core.static_power`).

The columns follow the ``svd_layer`` generator's naming (:mod:`emulator.netlist.generators.meshes`):
``v.mzi_c{column}_m{mode}`` / ``u.…`` (θ, φ), ``v.ps_out_{m}`` for the first min(m, n) modes and
``u.ps_out_{m}`` for all m (phase), ``sigma_{i}`` (transmission σ_i / σ_max).  The core checks
that the names cover its layer's shifters, else it programs tile by tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LayerColumns:
    """Per component, the layer's instance names and their varying parameters as
    (tiles × members) arrays."""

    mzi: tuple[list[str], dict]
    phase_shifter: tuple[list[str], dict]
    attenuator: tuple[list[str], dict]

    @property
    def names(self) -> list[str]:
        return self.mzi[0] + self.phase_shifter[0] + self.attenuator[0]

    def groups(self):
        for comp in ("mzi", "phase_shifter", "attenuator"):
            names, params = getattr(self, comp)
            if names:
                yield comp, names, params


def layer_columns(layer: str, maps) -> LayerColumns | None:
    """The columns of the SVD mappings ``maps`` (one per tile, all of one shape)."""
    if not maps:
        return None
    first = maps[0]
    k = min(first.m, first.n)
    mzi_names, thetas, phis = [], [], []
    for prefix, mesh in (("v", "vh"), ("u", "u")):
        mp = getattr(first, mesh)
        mzi_names += [f"{layer}.{prefix}.mzi_c{c}_m{m}"
                      for c, m in zip(mp.columns.tolist(), mp.modes.tolist())]
        thetas.append(np.stack([getattr(x, mesh).theta for x in maps]))
        phis.append(np.stack([getattr(x, mesh).phi for x in maps]))
    ps_names = ([f"{layer}.v.ps_out_{m}" for m in range(k)]
                + [f"{layer}.u.ps_out_{m}" for m in range(first.m)])
    phase = np.hstack([np.stack([x.vh.out_phase[:k] for x in maps]),
                       np.stack([x.u.out_phase for x in maps])])
    sigma = np.stack([x.sigma for x in maps])
    return LayerColumns((mzi_names, {"theta": np.hstack(thetas), "phi": np.hstack(phis)}),
                        (ps_names, {"phase": phase}),
                        ([f"{layer}.sigma_{i}" for i in range(sigma.shape[1])],
                         {"transmission": sigma}))
