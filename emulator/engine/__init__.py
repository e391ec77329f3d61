"""The event-driven simulation engine: passes through a netlist in SimPy, with
latency, energy ledger and trace.  ``simulate`` runs an inference pass;
``reprogram`` and ``digital_work`` are the other pass types a scenario composes."""

from emulator.ledger import Ledger, Model
from .passes import digital_work, reprogram
from .plan import Plan, build_plan
from emulator.ledger.result import SHOT_NOISE_FLOOR_J, PassResult
from .sim import simulate
from .timebase import TICK_S

__all__ = ["simulate", "reprogram", "digital_work", "build_plan", "Plan", "PassResult",
           "Ledger", "Model", "TICK_S", "SHOT_NOISE_FLOOR_J"]
