"""What a component is: data (ports, parameters) plus pure model functions.

A component never touches SimPy, files or global state.  Every model takes the
resolved parameter dict ``p`` (SI floats, ints or choice strings, defaults filled in)
and returns numbers in SI units:

``transfer(p, wavelength) -> ndarray``
    complex field transfer, shape (n optical outputs, n optical inputs), rows and
    columns in port-declaration order.  Forward (unidirectional) propagation.
``delay(p) -> float``
    signal latency through the part [s] (time of flight, conversion, rise time).
``energy(p) -> {action: J}``
    dynamic energy per action ("convert", "symbol", "reprogram", ...).
``static_power(p) -> {mechanism: W}``
    power drawn while the part is on ("hold", "wall_plug", "bias", ...).
``settle(p) -> float``
    time for a reprogrammed setting (a phase) to settle [s].
``noise(p, signal, rng) -> ndarray``
    a noisy copy of ``signal`` (only where the physics defines one).
``check(p) -> [str]``
    limits that involve several parameters (the validator reports each message).
``signal(p, *inputs) -> ndarray``
    the non-linear-optical signal model of an active part, vectorized over a batch:
    laser ``signal(p) -> field [sqrt(W)]``; dac ``signal(p, code) -> drive [V]``;
    modulator ``signal(p, field, drive) -> field``; photodetector
    ``signal(p, field) -> current [A]``; tia ``signal(p, current) -> voltage [V]``;
    adc ``signal(p, voltage) -> code``.  Digital codes are normalized to [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

OPTICAL, ELECTRICAL, DIGITAL = "optical", "electrical", "digital"
DOMAINS = (OPTICAL, ELECTRICAL, DIGITAL)
IN, OUT = "in", "out"

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Port:
    name: str
    domain: str  # optical | electrical | digital
    direction: str  # in | out


@dataclass(frozen=True)
class Param:
    """One parameter: SI unit, default, bounds and where the default comes from."""

    name: str
    unit: str  # SI unit the value is stored in ("W", "s", "dB", "rad", "1", "bit", ...)
    default: Any
    lo: float | None = None
    hi: float | None = None
    source: str = ""  # where the default comes from: paper/survey/datasheet, or why estimated
    doc: str = ""
    choices: tuple[str, ...] = ()  # non-empty: a categorical parameter
    integer: bool = False

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)


def _zero(p: Params) -> float:
    return 0.0


def _nothing(p: Params) -> dict:
    return {}


def _fine(p: Params) -> list[str]:
    return []


def optical_ports(n_in: int, n_out: int) -> tuple[Port, ...]:
    """``in0..in{n_in-1}`` and ``out0..out{n_out-1}``, all optical."""
    return tuple(Port(f"in{i}", OPTICAL, IN) for i in range(n_in)) + tuple(
        Port(f"out{i}", OPTICAL, OUT) for i in range(n_out))


@dataclass(frozen=True)
class Component:
    """A component model: declared ports and parameters, and pure functions."""

    name: str
    kind: str  # report category: laser, modulator, phase_shifter, detector, tia, adc, dac, passive
    doc: str
    params: tuple[Param, ...]
    ports: Callable[[Params], tuple[Port, ...]]
    transfer: Callable[[Params, float], np.ndarray] | None = None
    # optional: the transfers of many instances at once, (G, outputs, inputs), equal to
    # stacking ``transfer`` of each (tested for every component that has one); compiling
    # a generated mesh calls it once per stage instead of once per MZI
    transfer_many: Callable[[Sequence[Params], float], np.ndarray] | None = None
    delay: Callable[[Params], float] = _zero
    energy: Callable[[Params], Mapping[str, float]] = _nothing
    static_power: Callable[[Params], Mapping[str, float]] = _nothing
    settle: Callable[[Params], float] = _zero
    noise: Callable[..., np.ndarray] | None = None
    signal: Callable[..., np.ndarray] | None = None
    # defaults that depend on a choice parameter: {choice param: {value: {param: default}}}
    variants: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    stateful: bool = False  # delays or holds state: gets a process in the event engine
    # limits across parameters (e.g. a ring's detuning within its FSR): messages, [] if fine
    check: Callable[[Params], list[str]] = _fine
    # parameters this component no longer takes: {name: where the setting lives now}; a
    # netlist that still sets one is an error saying so (not an "unknown parameter")
    retired: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def defaults(self, given: Params | None = None) -> dict[str, Any]:
        """Defaults, with the variant chosen in ``given`` applied (not validated)."""
        given = given or {}
        out = {p.name: p.default for p in self.params}
        for choice, table in self.variants.items():
            value = given.get(choice, out.get(choice))
            out.update(table.get(value, {}))
        return out

    def resolve(self, given: Params | None = None) -> dict[str, Any]:
        """Full parameter dict: defaults (per variant) overridden by ``given`` (already SI)."""
        out = self.defaults(given)
        if given:
            out.update(given)
        return out

    def port_list(self, p: Params) -> tuple[Port, ...]:
        return self.ports(p)

    @property
    def is_passive_optical(self) -> bool:
        """Only optical ports and a transfer matrix: collapsed into a compiled region."""
        return self.transfer is not None and not self.stateful

