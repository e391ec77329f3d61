"""photonic-emulator: netlists of optical neural-network hardware, simulated event by
event with timing and energy, and trained with two-pass forward propagation (TPFP)."""

__version__ = "0.1.0"

from .compile import CompiledCircuit, compile_netlist, transfer_matrix  # noqa: E402
from .errors import EmulatorError, UserError  # noqa: E402
from .netlist import Netlist, load_netlist  # noqa: E402

__all__ = ["EmulatorError", "UserError", "load_netlist", "transfer_matrix", "compile_netlist",
           "CompiledCircuit", "Netlist", "__version__"]
