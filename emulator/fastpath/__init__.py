"""The fast path: the same compiled chain evaluated for the whole batch at once.

Every bank of the plan (:mod:`emulator.engine.plan`) runs its components' ``signal``
functions on the (B, channels) block of its inputs, in topological order; the optical
region is one matrix product.  No timing, no energy: this is the numerical reference
the event engine must match (and the quick way to get outputs for training).
A WDM netlist's plan evaluates every channel and adds the detector currents
(:mod:`emulator.fastpath.wdm`).
"""

from __future__ import annotations

import numpy as np

from emulator.engine.plan import as_plan


def evaluate(netlist, inputs, *, quantize: bool = True, noise: bool = False, seed=None,
             registry=None) -> np.ndarray:
    """Outputs (B, n_out) for digital ``inputs`` (B, n_in) in [-1, 1].

    ``netlist`` is a path, dict, Netlist, CompiledCircuit or Plan; ``quantize``,
    ``noise`` and ``seed`` mean what they mean for :func:`emulator.engine.simulate`
    (with the same seed both draw the same noise).
    """
    plan = as_plan(netlist, registry)
    values = plan.values(plan.check_inputs(inputs), quantize=quantize, noise=noise, seed=seed)
    block = slice(None)
    for bank in plan.banks:
        values.run_bank(bank, block)
    return values.outputs()
