"""The fast path over every WDM channel: each channel's plan (its own compiled transfer)
runs up to the detectors, the detector currents add across channels (lines at different
optical frequencies beat far outside any receiver's band: powers add, fields do not), and
the rest of the chain (TIAs, ADCs, …) runs once on the sum.

A detector's zero-light output (an intensity detector's dark current) is counted once, not
once per channel.  With ``noise`` each detector draws its noise once, on the summed current
(its shot noise then follows the total photocurrent), and the TIAs theirs as usual, from
the streams of ``seed``.
"""

from __future__ import annotations

import numpy as np

from components.errors import UserError

from emulator.compile.channels import channel_wavelengths
from emulator.engine.plan import as_netlist, build_plan


def evaluate_channels(netlist, inputs, *, quantize: bool = True, noise: bool = False,
                      seed=None, registry=None) -> np.ndarray:
    """Outputs (B, n_out) for digital ``inputs`` (B, n_in), summing every channel."""
    net = as_netlist(netlist, registry)
    plans = [build_plan(net, wavelength=float(lam)) for lam in channel_wavelengths(net)]
    ref = plans[0]
    x = ref.check_inputs(inputs)
    for p in plans[1:]:
        if [b.members for b in p.banks] != [b.members for b in ref.banks]:
            raise UserError(f"{net.file or net.name}: the channels of this netlist do not "
                            "share one bank layout")
    main = ref.values(x, quantize=quantize, noise=noise, seed=seed)
    rngs, main.rngs = main.rngs, None  # detectors: noiseless per channel, noise on the sum
    vals = [main] + [p.values(x, quantize=quantize) for p in plans[1:]]
    dark = ref.values(x, quantize=quantize)
    dark.F[:] = 0.0
    for i, bank in enumerate(ref.banks):
        if bank.kind != "detector":
            main.rngs = rngs
            for p, v in zip(plans, vals):
                v.run_bank(p.banks[i], slice(None))
            main.rngs = None
            continue
        for p, v in zip(plans, vals):
            v.run_bank(p.banks[i], slice(None))
        dark.run_bank(bank, slice(None))
        slots = bank.output[1]
        total = sum(v.E[:, slots] for v in vals) - (len(vals) - 1) * dark.E[:, slots]
        if rngs is not None and bank.component.noise is not None:
            for cell in bank.cells:
                total[:, cell.pos] = bank.component.noise(cell.params, total[:, cell.pos],
                                                          rngs[cell.index])
        main.E[:, slots] = total
    return main.outputs()
