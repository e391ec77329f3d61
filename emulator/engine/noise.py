"""Phase noise: every phase setting of a netlist jittered for one pass.

Quasi-static model: during one pass (ns) each shifter's phase is off by an independent
Gaussian δ ~ N(0, σ²) (thermal drift, driver noise); the next pass draws again.  Applied
to the parameters in rad of the programmable parts (MZI θ and φ, phase-shifter phase), then
the optical region is compiled again.  For one MZI the mean cross-to-bar power follows
E[sin²((θ+δ)/2)] = (1 − cos θ · e^{−σ²/2}) / 2 (tested).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from components.errors import Problem, UserError
from emulator.netlist import Netlist
from emulator.rng import stream

PHASE_PARAMS = ("theta", "phi", "phase")


def phase_rng(seed) -> np.random.Generator:
    """The generator of the phase noise: stream ``phase_noise`` of an int seed (the
    detectors' cells draw on ``cell_noise``, see :mod:`emulator.rng`), or a child spawned
    from a Generator (before the cells' children, so never one of them)."""
    if isinstance(seed, np.random.Generator):
        return seed.spawn(1)[0]
    if seed is None:
        raise UserError(Problem("phase noise needs a seed", hint="pass seed=..."))
    return stream(check_seed(seed), "phase_noise")


def check_seed(seed) -> int | np.random.SeedSequence:
    """An int (or SeedSequence) seed as given, else a UserError."""
    if isinstance(seed, np.random.SeedSequence) or (
            isinstance(seed, Integral) and not isinstance(seed, bool) and seed >= 0):
        return seed
    raise UserError(Problem(f"bad seed {seed!r}: an integer >= 0 or a numpy Generator"))


def perturb_phases(netlist: Netlist, sigma: float, rng: np.random.Generator) -> Netlist:
    """A copy of ``netlist`` whose phase parameters carry N(0, sigma²) noise [rad]."""
    if not np.isfinite(sigma) or sigma < 0:
        raise UserError(Problem(f"phase noise must be a finite std >= 0 rad, got {sigma!r}"))
    changes = {}
    for name, inst in netlist.instances.items():
        keys = [k for k in PHASE_PARAMS if k in inst.params
                and inst.component.param(k).unit == "rad"]
        if keys:
            jitter = rng.normal(0.0, sigma, len(keys))
            changes[name] = {k: inst.params[k] + float(d) for k, d in zip(keys, jitter)}
    return netlist.with_params(changes, given=False)
