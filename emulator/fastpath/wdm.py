"""The fast path over every WDM channel: each channel's plan (its own compiled transfer)
runs up to the detectors, the detector currents add across channels (lines at different
optical frequencies beat far outside any receiver's band: powers add, fields do not), and
the rest of the chain (TIAs, ADCs, …) runs once on the sum.

A detector's zero-light output (an intensity detector's dark current) is counted once, not
once per channel.  Read-out noise is not drawn here (``noise`` stays with the single-channel
paths); the converters quantize as usual.
"""

from __future__ import annotations

import numpy as np

from components.errors import UserError

from emulator.compile.channels import channel_wavelengths
from emulator.engine.plan import as_netlist, build_plan


def evaluate_channels(netlist, inputs, *, quantize: bool = True, registry=None) -> np.ndarray:
    """Outputs (B, n_out) for digital ``inputs`` (B, n_in), summing every channel."""
    net = as_netlist(netlist, registry)
    plans = [build_plan(net, wavelength=float(lam)) for lam in channel_wavelengths(net)]
    ref = plans[0]
    x = ref.check_inputs(inputs)
    for p in plans[1:]:
        if [b.members for b in p.banks] != [b.members for b in ref.banks]:
            raise UserError(f"{net.file or net.name}: the channels of this netlist do not "
                            "share one bank layout")
    vals = [p.values(x, quantize=quantize) for p in plans]
    dark = ref.values(x, quantize=quantize)
    dark.F[:] = 0.0
    for i, bank in enumerate(ref.banks):
        for p, v in zip(plans, vals):
            v.run_bank(p.banks[i], slice(None))
        if bank.kind == "detector":
            dark.run_bank(bank, slice(None))
            slots = bank.output[1]
            total = sum(v.E[:, slots] for v in vals)
            vals[0].E[:, slots] = total - (len(vals) - 1) * dark.E[:, slots]
    return vals[0].outputs()
