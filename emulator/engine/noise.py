"""Phase noise: every phase setting of a netlist jittered for one pass.

Quasi-static model: during one pass (ns) each shifter's phase is off by an independent
Gaussian δ ~ N(0, σ²) (thermal drift, driver noise); the next pass draws again.  Applied
to the parameters in rad of the programmable parts (MZI θ and φ, phase-shifter phase), then
the optical region is compiled again.  For one MZI the mean cross-to-bar power follows
E[sin²((θ+δ)/2)] = (1 − cos θ · e^{−σ²/2}) / 2 (tested).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from components.errors import Problem, UserError
from emulator.netlist import Netlist

PHASE_PARAMS = ("theta", "phi", "phase")


def phase_rng(seed) -> np.random.Generator:
    """A generator for phase noise, independent of the one the detectors use."""
    if isinstance(seed, np.random.Generator):
        return seed.spawn(1)[0]
    if seed is None:
        raise UserError(Problem("phase noise needs a seed", hint="pass seed=..."))
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])


def perturb_phases(netlist: Netlist, sigma: float, rng: np.random.Generator) -> Netlist:
    """A copy of ``netlist`` whose phase parameters carry N(0, sigma²) noise [rad]."""
    if not np.isfinite(sigma) or sigma < 0:
        raise UserError(Problem(f"phase noise must be a finite std >= 0 rad, got {sigma!r}"))
    insts = dict(netlist.instances)
    for name, inst in netlist.instances.items():
        keys = [k for k in PHASE_PARAMS if k in inst.params
                and inst.component.param(k).unit == "rad"]
        if keys:
            jitter = rng.normal(0.0, sigma, len(keys))
            params = dict(inst.params)
            for k, d in zip(keys, jitter):
                params[k] = params[k] + float(d)
            insts[name] = dataclasses.replace(inst, params=params)
    out = dataclasses.replace(netlist, instances=insts)
    return out
