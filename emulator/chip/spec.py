"""What training on hardware needs to know: which core, how many, and the controller's
policy, declared once as schema Fields (used by ``train(hardware=...)``, the CLI and
the scenario's ``hardware`` and ``nonideal`` sections).

The chip's physics is not here: phase resolution, fabrication errors, crosstalk, losses,
converter bits, laser power and noise are parameters of the core netlist's components
(``params``: overrides by component, e.g. ``{mzi: {driver_bits: 8}, adc: {bits: 6}}``).
Only what is not a component property stays: the chip instance (``chip_seed``),
calibration on or off, read-out noise on or off, and when tiles are re-programmed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from components.errors import Problem, UserError
from emulator.schema import Field, validate

TECHS = ("thermo", "eo", "mems")

CORE_FIELDS: dict[str, Field] = {
    "core": Field("str", doc="optical-core netlist (one svd_layer, mrr_weight_bank or "
                  "dota_crossbar; relative paths from the scenario file)"),
    "cores": Field("int", 1, "optical cores working in parallel", lo=1, hi=4096),
    "shifter": Field("choice", None, "phase-shifter technology of the meshes",
                     choices=TECHS, nullable=True),
    "params": Field("map", {}, "parameter overrides by component, e.g. {adc: {bits: 6}, "
                    "mzi: {driver_bits: 8, phase_error: '0.02 rad'}}", item=Field("map")),
    "laser": Field("choice", "set", "laser power as set in the core, or from the link "
                   "budget", choices=("set", "link_budget")),
    "allow_over_budget": Field("bool", False, "with laser: link_budget, accept a budget "
                               "beyond the laser's range or the ~0.5 W a silicon waveguide "
                               "carries (it stays a flag in the report); false: an error"),
}

POLICY_FIELDS: dict[str, Field] = {
    "calibrate": Field("bool", True, "set each tile's LO phase, TIA gain and read-out "
                       "offset from a calibration batch (false: the raw chip)"),
    "noise": Field("bool", True, "detector shot/thermal and TIA noise in every read-out"),
    "chip_seed": Field("int", None, "chip instance (fabrication errors); default: the "
                       "run's seed", lo=0, nullable=True),
    "reprogram_every": Field("int", 1, "updates between re-programming checks", lo=1,
                             hi=1_000_000),
    "reprogram_drift": Field("float", 0.01, "re-write a tile only once its weights moved "
                             "by more than this fraction (‖ΔW‖/‖W‖) since it was written; "
                             "null: re-write every tile at every check", lo=0,
                             nullable=True),
}

CHIP_FIELDS = {**CORE_FIELDS, **POLICY_FIELDS}

# settings of the old emulated-mesh trainer that are now component parameters
MOVED = {
    "phase_bits": "params: {mzi: {driver_bits: B}, phase_shifter: {driver_bits: B}, "
                  "attenuator: {driver_bits: B}}",
    "phase_sigma": "params: {mzi: {phase_error: S}, ...} (the shifters' phase_error)",
    "phase_error": "params: {mzi: {phase_error: S}, ...} (the shifters' phase_error)",
    "crosstalk": "params: {mzi: {crosstalk: C}, ...} (the shifters' crosstalk)",
    "mzi_loss_db": "params: {mzi: {loss: L}}",
    "loss": "params: {mzi: {loss: L}}",
    "detector_noise": "the photodetector and tia parameters (responsivity, bandwidth, "
                      "noise_density, ...) and the laser power; noise: false for a quiet "
                      "chip",
    "adc_bits": "params: {adc: {bits: B}}",
    "dac_bits": "params: {dac: {bits: B}}",
    "mesh_size": "the core netlist (its svd_layer's size)",
}


def moved_problems(data: dict, at: tuple = (), where=None) -> list[Problem]:
    """An error for each old setting in ``data``, naming where it lives now."""
    out = []
    for key in data:
        if key in MOVED:
            loc = where(*at, key) if where else {"path": ".".join(map(str, (*at, key)))}
            out.append(Problem(f"'{key}' is a property of the chip's components now",
                               hint=f"set it in the core netlist or as {MOVED[key]}", **loc))
    return out


@dataclass(frozen=True)
class ChipSpec:
    """A core netlist, how many of it, overrides, and the controller's policy."""

    core: str
    cores: int = 1
    shifter: str | None = None
    params: dict = field(default_factory=dict)
    laser: str = "set"
    allow_over_budget: bool = False
    calibrate: bool = True
    noise: bool = True
    chip_seed: int | None = None
    reprogram_every: int = 1
    reprogram_drift: float | None = 0.01
    loaded: object = field(default=None, compare=False, repr=False)  # a Core already loaded

    @classmethod
    def of_core(cls, core, *, cores: int = 1, **policy) -> "ChipSpec":
        """A spec for a :class:`~emulator.chip.core.Core` already loaded with its
        overrides (a scenario's), with the controller policy given."""
        return cls(core=core.file, cores=cores, loaded=core, **policy)

    @classmethod
    def parse(cls, value, base: Path | None = None) -> "ChipSpec | None":
        """None, a ChipSpec, or a dict of :data:`CHIP_FIELDS` (a UserError lists every
        problem; settings that moved to the components name their new place)."""
        if value is None or isinstance(value, ChipSpec):
            return value
        if not isinstance(value, dict):
            raise UserError(Problem(f"hardware must be a mapping of {', '.join(CHIP_FIELDS)}"
                                    f", got {type(value).__name__}", path="hardware"))
        problems = moved_problems(value, ("hardware",))
        data, found = validate(CHIP_FIELDS, {k: v for k, v in value.items() if k not in MOVED},
                               at=("hardware",))
        problems += found
        if problems:
            raise UserError(problems)
        core = Path(data["core"])
        if base is not None and not core.is_absolute():
            core = base / core
        if not core.exists():
            raise UserError(Problem(f"core netlist not found: {core}", path="hardware.core"))
        data["core"] = str(core)
        return cls(**data)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in CHIP_FIELDS}

    def build(self, seed: int, registry=None):
        """The chip: the core loaded with the overrides, analysed once."""
        from .chips import chip_of
        from .core import Core, override_problems

        core = self.loaded or Core.load(Path(self.core), shifter=self.shifter,
                                        params=self.params, laser=self.laser,
                                        allow_over_budget=self.allow_over_budget,
                                        registry=registry)
        if self.loaded is None:  # an override no instance of the core takes is an error
            problems = override_problems(self.params, core,
                                         lambda *path: {"path": ".".join(map(str, path))})
            if problems:
                raise UserError(problems)
        return chip_of(core, cores=self.cores, calibrate=self.calibrate,
                       seed=seed if self.chip_seed is None else self.chip_seed)
