"""What a pass reports: outputs, latency, energy (with its ledger), events, flags."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import Ledger

# Optical energy per MAC below this is a bug: Hamerly et al., PRX 9, 021032 (2019), ~50 zJ/MAC.
SHOT_NOISE_FLOOR_J = 50e-21


class Costed:
    """Energy and average power of anything with a ``ledger`` and a ``latency_s``."""

    @property
    def energy_j(self) -> float:
        return self.ledger.total_j

    @property
    def avg_power_w(self) -> float:
        return self.energy_j / self.latency_s if self.latency_s > 0 else 0.0


@dataclass
class PassResult(Costed):
    """One pass: ``kind`` is "inference", "reprogram" or "digital".  SI units throughout."""

    kind: str
    outputs: np.ndarray  # (B, n_out) digital codes in [-1, 1]; (0, 0) for passes without data
    latency_s: float  # first input conversion (or pass start) to last output available
    ledger: Ledger
    events: int  # SimPy events processed
    batch: int = 0
    macs: int = 0  # optical multiply-accumulates (B × n_in × n_out)
    optical_energy_j: float = 0.0  # laser optical power × pass time
    detected_energy_j: float = 0.0  # light reaching the detectors while the vectors stream
    photon_energy_j: float = 0.0  # h·c/λ of the pass's light (for photon counts)
    output_times_s: np.ndarray | None = None  # per vector: when its last output was available
    trace_events: list[dict] = field(default_factory=list)  # Chrome Trace Event dicts
    flags: list[str] = field(default_factory=list)
    wall_s: dict[str, float] = field(default_factory=dict)  # wall-clock time per phase
    # (diagnostics for benchmarks; not part of to_dict, which holds simulated figures only)

    @property
    def breakdown_j(self) -> dict[str, float]:
        """Energy by component kind [J]."""
        return self.ledger.by_kind()

    @property
    def by_instance_j(self) -> dict[str, float]:
        return self.ledger.by_instance()

    @property
    def optical_energy_per_mac_j(self) -> float | None:
        """Optical energy that reaches the detectors while data streams, per MAC (the
        quantity the ~50 zJ shot-noise floor bounds); None without MACs."""
        return self.detected_energy_j / self.macs if self.macs else None

    @property
    def photons_per_output_symbol(self) -> float | None:
        """Mean photons reaching one detector per vector."""
        n_out = self.outputs.shape[1] if self.outputs.ndim == 2 else 0
        if not (self.batch and n_out and self.photon_energy_j):
            return None
        return self.detected_energy_j / (self.batch * n_out * self.photon_energy_j)

    def to_dict(self, ledger: bool = True) -> dict:
        d = {
            "kind": self.kind,
            "batch": self.batch,
            "latency_s": self.latency_s,
            "energy_j": self.energy_j,
            "avg_power_w": self.avg_power_w,
            "breakdown_j": self.breakdown_j,
            "events": self.events,
            "macs": self.macs,
            "optical_energy_per_mac_j": self.optical_energy_per_mac_j,
            "photons_per_output_symbol": self.photons_per_output_symbol,
            "flags": list(self.flags),
            "by_instance_j": self.by_instance_j,
        }
        if ledger:
            d["ledger"] = self.ledger.to_list()
        return d


def shot_noise_flag(per_mac_j: float | None) -> list[str]:
    if per_mac_j is not None and per_mac_j < SHOT_NOISE_FLOOR_J:
        return [f"optical energy per MAC {per_mac_j:.3g} J is below the shot-noise floor "
                f"(~{SHOT_NOISE_FLOOR_J:.0e} J/MAC, Hamerly et al. 2019): the laser cannot "
                "deliver this accuracy"]
    return []
