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
from emulator.chip.calibrate import square_law
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


def make_device(weights, hw, seed: int, activation: str | None = None,
                method: str | None = None, dense: bool = True) -> ChipDevice:
    """The layers ``weights`` on the chip ``hw`` describes (built for this run).

    On a core whose detectors measure intensity, the hidden layers' activation is the
    detectors' square law |z|² (the model's activation must be ``square``), computed by
    the optics; the output layer stays digital (the softmax needs a signed read-out), and
    backpropagation is refused (it needs z, which the detectors never see)."""
    if isinstance(hw, Chip):
        chip, policy = hw, ChipSpec(core=hw.file)
    else:
        chip, policy = hw.build(seed), hw
    intensity = square_law(chip)
    if intensity:
        problems = []
        if not dense:
            problems.append(Problem(
                f"the core {chip.file} detects intensity: in-situ CNNs need coherent "
                "detection", path="hardware.core"))
        if activation not in (None, "square"):
            problems.append(Problem(
                f"the core {chip.file} detects intensity, so its detectors square each "
                f"hidden layer's field: the model's activation must be 'square', not "
                f"{activation!r}", path="activation",
                hint="set activation: square, or use a core with coherent detectors"))
        if method in ("bp", "bp_modulated"):
            problems.append(Problem(
                f"{method} needs each layer's z, and the intensity detectors of {chip.file} "
                "only give z²", path="method", hint="train with tpfp (or frozen) in situ"))
        if problems:
            raise UserError(problems)
    return ChipDevice(weights, chip, every=policy.reprogram_every,
                      drift=policy.reprogram_drift, noise=policy.noise, rng=None,
                      digital_output=intensity)


def deploy(model, hardware, seed: int = 0):
    """The model's weights written onto a fresh chip (no retraining): a new Model whose
    evaluations run through it (read-out noise from the ``eval_noise`` stream)."""
    from .network import Model

    hw = parse_hardware(hardware)
    if hw is None:
        return model.ideal()
    weights = [w.copy() for w in model.weights]
    device = make_device(weights, hw, seed, model.activation, None, model.net.dense)
    return Model(model.net, model.activation, weights, device, rng=stream(seed, "eval_noise"))
