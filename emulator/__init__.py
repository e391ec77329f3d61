"""photonic-emulator: netlists of optical neural-network hardware, simulated event by
event with timing and energy, and trained with two-pass forward propagation (TPFP).

The pipeline, one folder a stage::

    netlist/ (read, check, flatten, generators) -> graph/ -> compile/
        -> engine/ (SimPy, timing) | fastpath/ (batched numerics) -> ledger/ (energy)
        -> scenario/ (train, cost, report), sweep/ (many scenarios on Dask)

``components`` (the pure component models, errors, units) sits below all of it.

For notebooks, ``import emulator as pe``:

=====================  ==============================================================
``pe.load_netlist``    a netlist file, dict or string → a checked :class:`Netlist`
``pe.compile``         a netlist → its :class:`CompiledCircuit` (one transfer matrix)
``pe.simulate``        a batch through the netlist, event by event: outputs, latency,
                       the energy ledger
``pe.train``           a dense network trained on a data set (ideal or in situ)
``pe.run_scenario``    a scenario → a :class:`~emulator.scenario.view.Report` (tables,
                       figures)
``pe.sweep``           a sweep file → its results (table, Pareto figures), on Dask
=====================  ==============================================================

Each is the library's own function (its docstring says the rest).
"""

__version__ = "0.1.0"

from components.errors import EmulatorError, UserError

from .compile import CompiledCircuit, compile_netlist, transfer_matrix
from .netlist import Netlist, load_netlist

from .engine import simulate  # noqa: E402
from .scenario import run_scenario  # noqa: E402
from .scenario.view import Report  # noqa: E402
from . import sweep  # noqa: E402 - callable: pe.sweep(file, out) runs it (run_sweep)
from .training import train  # noqa: E402

compile = compile_netlist  # noqa: A001 - pe.compile(netlist), as the notebook API names it

__all__ = ["CompiledCircuit", "EmulatorError", "Netlist", "Report", "UserError",
           "__version__", "compile", "compile_netlist", "load_netlist", "run_scenario",
           "simulate", "sweep", "train", "transfer_matrix"]
