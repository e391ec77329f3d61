"""photonic-emulator: netlists of optical neural-network hardware, simulated event by
event with timing and energy, and trained with two-pass forward propagation (TPFP)."""

__version__ = "0.1.0"

from .errors import EmulatorError, UserError  # noqa: E402

# the public API is imported lazily, so that `import components` (which needs
# emulator.errors) never runs into the netlist loader (which needs components)
_LAZY = {
    "load_netlist": "emulator.netlist", "Netlist": "emulator.netlist",
    "transfer_matrix": "emulator.compile", "compile_netlist": "emulator.compile",
    "CompiledCircuit": "emulator.compile",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'emulator' has no attribute {name!r}")


__all__ = ["EmulatorError", "UserError", "__version__", *_LAZY]
