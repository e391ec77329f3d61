"""Training and inference on a chip built from a core netlist (:mod:`emulator.chip`).

``hardware`` (a dict of :data:`emulator.chip.spec.CHIP_FIELDS`, a
:class:`~emulator.chip.spec.ChipSpec` or a built :class:`~emulator.chip.Chip`) puts
every weight layer on the core's tiles: both forward passes of every step (and the
evaluations) go through the DACs, modulators, realised meshes, detectors, TIAs and ADCs
of the core, with their noise; the updates stay digital and the tiles are re-written
as the policy says (``reprogram_every``, ``reprogram_drift``).
"""

from __future__ import annotations

from components.errors import Problem, UserError
from emulator.chip import Chip
from emulator.chip.device import ChipDevice
from emulator.chip.spec import ChipSpec
from emulator.rng import stream


def parse_hardware(hardware) -> "ChipSpec | Chip | None":
    if hardware is None or isinstance(hardware, Chip):
        return hardware
    return ChipSpec.parse(hardware)


def hardware_config(hw) -> dict | None:
    """What a history's config records of the hardware."""
    if hw is None:
        return None
    if isinstance(hw, Chip):
        return {"core": hw.file, "cores": hw.cores, "calibrate": hw.calibrate}
    return hw.as_dict()


def make_device(weights, hw, seed: int) -> ChipDevice:
    """The layers ``weights`` on the chip ``hw`` describes (built for this run)."""
    if isinstance(hw, Chip):
        chip, policy = hw, ChipSpec(core=hw.file)
    else:
        chip, policy = hw.build(seed), hw
    device = ChipDevice(weights, chip, every=policy.reprogram_every,
                        drift=policy.reprogram_drift, noise=policy.noise,
                        rng=None)
    squares = [i + 1 for i, layer in enumerate(device.layers) if layer.activation]
    if squares:
        raise UserError(Problem(
            f"the core {chip.file} detects intensity, so its detectors square every layer's "
            "output, the output layer's too; training needs a signed read-out there",
            path="hardware.core", hint="use a core with coherent detectors "
            "(photodetector mode: coherent)"))
    return device


def deploy(model, hardware, seed: int = 0):
    """The model's weights written onto a fresh chip (no retraining): a new Model whose
    evaluations run through it (read-out noise from the ``eval_noise`` stream)."""
    from .network import Model

    hw = parse_hardware(hardware)
    if hw is None:
        return model.ideal()
    weights = [w.copy() for w in model.weights]
    device = make_device(weights, hw, seed)
    return Model(model.net, model.activation, weights, device, rng=stream(seed, "eval_noise"))
