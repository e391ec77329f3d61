"""What a training run returns: per-epoch curves, final accuracies, weights, counters."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .network import Model


@dataclass(eq=False)
class History:
    """One run.  Lists have one entry per epoch (after that epoch's updates).

    ``counters`` are totals over the run: ``steps`` (mini-batch updates), ``samples``, and
    on a chip ``tile_writes`` (tiles mapped and written), ``phase_writes`` (phase-shifter
    and attenuator settings written), ``tile_passes`` (batches streamed through a tile),
    ``dac_conversions``, ``adc_conversions`` and ``tiles`` (tiles of the network).
    ``chip`` says which chip the accuracy was obtained on (None: ideal, digital).
    ``seconds`` is wall time, excluded from comparisons.
    """

    method: str
    seed: int
    config: dict
    model: Model
    train_accuracy_per_epoch: list[float] = field(default_factory=list)
    test_accuracy_per_epoch: list[float] = field(default_factory=list)
    train_loss_per_epoch: list[float] = field(default_factory=list)
    test_loss_per_epoch: list[float] = field(default_factory=list)
    lr_per_epoch: list[float] = field(default_factory=list)
    counters: dict = field(default_factory=dict)
    seconds: float = 0.0
    chip: dict | None = None

    def record_epoch(self, train: tuple[float, float], test: tuple[float, float],
                     lr: float) -> None:
        """Append one epoch's (accuracy, loss) on the train and test sets and its rate."""
        self.train_accuracy_per_epoch.append(train[0])
        self.train_loss_per_epoch.append(train[1])
        self.test_accuracy_per_epoch.append(test[0])
        self.test_loss_per_epoch.append(test[1])
        self.lr_per_epoch.append(lr)

    @property
    def epochs(self) -> int:
        return len(self.test_accuracy_per_epoch)

    @property
    def train_accuracy(self) -> float:
        """Final train accuracy (last epoch)."""
        return self.train_accuracy_per_epoch[-1]

    @property
    def test_accuracy(self) -> float:
        """Final test accuracy (last epoch)."""
        return self.test_accuracy_per_epoch[-1]

    @property
    def weights(self) -> list[np.ndarray]:
        return self.model.weights

    def per_step(self) -> dict:
        """Counters divided by the number of steps (for the energy ledger)."""
        steps = max(int(self.counters.get("steps", 0)), 1)
        return {k: v / steps for k, v in self.counters.items() if k != "steps"}

    def curves(self) -> dict:
        return {
            "epoch": list(range(1, self.epochs + 1)),
            "train_accuracy": list(self.train_accuracy_per_epoch),
            "test_accuracy": list(self.test_accuracy_per_epoch),
            "train_loss": list(self.train_loss_per_epoch),
            "test_loss": list(self.test_loss_per_epoch),
            "lr": list(self.lr_per_epoch),
        }

    def to_dict(self) -> dict:
        """JSON-ready summary (no weights)."""
        return {
            "method": self.method, "seed": self.seed, "config": dict(self.config),
            "train_accuracy": self.train_accuracy, "test_accuracy": self.test_accuracy,
            "history": self.curves(), "counters": dict(self.counters),
            "counters_per_step": self.per_step(), "seconds": self.seconds,
            "chip": self.chip,
        }

    def __eq__(self, other) -> bool:
        """Same method, seed, curves, counters and bit-identical weights (time ignored)."""
        if not isinstance(other, History):
            return NotImplemented
        return (self.method == other.method and self.seed == other.seed
                and self.curves() == other.curves() and self.counters == other.counters
                and len(self.weights) == len(other.weights)
                and all(np.array_equal(a, b) for a, b in zip(self.weights, other.weights)))

    __hash__ = None
