"""photonic-emulator: netlists of optical neural-network hardware, simulated event by
event with timing and energy, and trained with two-pass forward propagation (TPFP).

The pipeline, one folder a stage::

    netlist/ (read, check, flatten, generators) -> graph/ -> compile/
        -> engine/ (SimPy, timing) | fastpath/ (batched numerics) -> ledger/ (energy)
        -> scenario/ (train, cost, report), sweep/ (many scenarios on Dask)

``components`` (the pure component models, errors, units) sits below all of it.
"""

__version__ = "0.1.0"

from components.errors import EmulatorError, UserError

from .compile import CompiledCircuit, compile_netlist, transfer_matrix
from .netlist import Netlist, load_netlist

__all__ = ["CompiledCircuit", "EmulatorError", "Netlist", "UserError", "__version__",
           "compile_netlist", "load_netlist", "transfer_matrix"]
