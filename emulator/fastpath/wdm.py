"""The fast path over every WDM channel: each channel's plan (its own compiled transfer)
runs up to the detectors, the detector currents add across channels (lines at different
optical frequencies beat far outside any receiver's band: powers add, fields do not), and
the rest of the chain (TIAs, ADCs, …) runs once on the sum.

A detector's zero-light output (an intensity detector's dark current) is counted once, not
once per channel.  With ``noise`` each detector draws its noise once, on the summed current
(its shot noise then follows the total photocurrent), and the TIAs theirs as usual, from
the streams of ``seed``.

The summing is :class:`emulator.engine.plan.ChannelValues`, which a plan of a WDM netlist
evaluates through :meth:`~emulator.engine.plan.Plan.values`; the event engine evaluates
the same, so :func:`evaluate_channels` is :func:`emulator.fastpath.evaluate` of the
netlist's every-channel plan.
"""

from __future__ import annotations

import numpy as np

from emulator.engine.plan import as_netlist, build_plan

from . import evaluate


def evaluate_channels(netlist, inputs, *, quantize: bool = True, noise: bool = False,
                      seed=None, registry=None) -> np.ndarray:
    """Outputs (B, n_out) for digital ``inputs`` (B, n_in), summing every channel."""
    plan = build_plan(as_netlist(netlist, registry))
    return evaluate(plan, inputs, quantize=quantize, noise=noise, seed=seed)
