"""photonic-emulator: netlists of optical neural-network hardware, simulated event by
event with timing and energy, and trained with two-pass forward propagation (TPFP)."""

__version__ = "0.1.0"

from .errors import EmulatorError, UserError  # noqa: E402

__all__ = ["EmulatorError", "UserError", "__version__"]
