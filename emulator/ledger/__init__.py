"""Energy ledger: Σ (energy per action × count) + Σ (static power × time), per instance.

The engine and the pass functions report to a ledger through two hooks and nothing
else (no patching of components):

* :meth:`Ledger.action` — an instance performed ``count`` actions (conversions, symbols,
  reprogrammings, MACs, bytes moved) of ``energy per action`` each;
* :meth:`Ledger.static` — an instance drew ``power`` for ``seconds`` (laser wall plug,
  shifter hold, TIA bias, ring lock).

Every entry keeps the :class:`Model` it came from: the component, the model function
(``energy`` or ``static_power``), the action or mechanism, and the source tag of every
parameter that function read — found by calling it on a dict that records reads
(:func:`evaluate`), so a tag can never name a parameter the number does not depend on.
A parameter the netlist set is tagged ``"netlist"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from components.base import Component

from .rows import Block, Rows


@dataclass(frozen=True)
class Model:
    """Where a number came from."""

    component: str
    function: str  # the component's model function: "energy" or "static_power"
    key: str  # the action or mechanism (a pass may say when: "hold (settling)")
    sources: tuple[tuple[str, str], ...]  # (parameter, source tag) for every parameter read

    @property
    def tag(self) -> str:
        used = "; ".join(f"{p}: {s}" for p, s in self.sources)
        return f"{self.component}.{self.function}[{self.key}]" + (f" <- {used}" if used else "")


class _Reads(dict):
    """A parameter dict that remembers which keys a model function read."""

    def __init__(self, data):
        super().__init__(data)
        self.read: list[str] = []

    def __getitem__(self, key):
        if key not in self.read:
            self.read.append(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        return self[key] if key in self else default


def _sources(component: Component, read: list[str], given: Mapping[str, Any]) -> tuple:
    out = []
    for name in read:
        try:
            tag = component.param(name).source
        except KeyError:
            tag = "not a declared parameter"
        out.append((name, "netlist" if name in given else tag))
    return tuple(out)


def evaluate(component: Component, function: str, params: Mapping[str, Any],
             given: Mapping[str, Any] | None = None) -> list[tuple[str, float, Model]]:
    """``component.<function>(params)`` as ``[(key, value, Model), ...]`` (zeros dropped)."""
    p = _Reads(params)
    values = getattr(component, function)(p)
    models = _sources(component, p.read, given or {})
    return [(key, float(v), Model(component.name, function, key, models))
            for key, v in values.items() if float(v) != 0.0]


def evaluate_many(component: Component, function: str, params: Mapping[str, Any],
                  given: Mapping[str, Any] | None = None) -> list[tuple[str, Any, Model]]:
    """:func:`evaluate` of many members in one call: the values of ``params`` may be arrays
    (one value per member, any shape); each result is a float or an array; zeros kept."""
    p = _Reads(params)
    values = getattr(component, function)(p)
    models = _sources(component, p.read, given or {})
    return [(key, v, Model(component.name, function, key, models))
            for key, v in values.items()]


@dataclass
class Entry:
    instance: str
    kind: str  # component kind (report category)
    action: str  # action name, or the static mechanism
    static: bool  # True: power × seconds; False: energy per action × count
    count: float  # actions, or seconds for a static entry
    rate: float  # J per action, or W for a static entry
    model: Model

    @property
    def energy_j(self) -> float:
        return self.count * self.rate

    def to_dict(self) -> dict:
        d = {"instance": self.instance, "kind": self.kind, "energy_j": self.energy_j}
        if self.static:
            d.update(mechanism=self.action, power_w=self.rate, seconds=self.count)
        else:
            d.update(action=self.action, count=self.count, energy_per_action_j=self.rate)
        d["model"] = self.model.tag
        return d


class Ledger:
    """Energy entries of one pass (or of several, if the caller passes one ledger on).

    Charges come one by one (:meth:`action`, :meth:`static`) or by the array on a shared
    :class:`~emulator.ledger.rows.Rows` table (:meth:`charge`), which keeps two arrays per
    table however often it is charged; :attr:`entries` lists both kinds alike."""

    def __init__(self):
        self._entries: list[Entry] = []
        self._blocks: dict[int, Block] = {}

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry: those charged one by one, then one per present row of each table
        (its accumulated count, and energy / count as the rate)."""
        out = list(self._entries)
        for b in self._blocks.values():
            r = b.rows
            for i in np.flatnonzero(b.present).tolist():
                c = float(b.count[i])
                out.append(Entry(r.instances[i], r.kinds[i], r.actions[i], bool(r.static[i]),
                                 c, float(b.energy[i]) / c if c else 0.0, r.models[i]))
        return tuple(out)

    def extend(self, other: "Ledger") -> None:
        """Add ``other``'s entries to this ledger."""
        self._entries.extend(other._entries)
        for b in other._blocks.values():
            self._block(b.rows).add(b.count, b.energy, b.present)

    def _block(self, rows: Rows) -> Block:
        b = self._blocks.get(id(rows))  # a block holds its rows: the id stays theirs
        if b is None:
            b = self._blocks[id(rows)] = Block(rows)
        return b

    def charge(self, rows: Rows, count, rate=None, *, energy=None) -> None:
        """Every row of ``rows`` charged ``count`` actions (or seconds, for static rows) at
        ``rate`` J per action (or W), or with ``energy`` [J] in all (the caller summed
        several charges): arrays over the rows, or scalars."""
        count = np.broadcast_to(np.asarray(count, dtype=float), (len(rows),))
        if np.any(count < 0):
            i = int(np.argmin(count))
            raise ValueError(f"negative count or time {count[i]} for {rows.instances[i]}")
        e = count * np.asarray(rate, dtype=float) if energy is None else energy
        e = np.broadcast_to(np.asarray(e, dtype=float), (len(rows),))
        charged = (count != 0) & ((e != 0) | ~rows.static)
        self._block(rows).add(np.where(charged, count, 0.0), e, charged)

    def action(self, instance: str, kind: str, action: str, count: float,
               energy_per_action_j: float, model: Model) -> None:
        if count < 0:
            raise ValueError(f"negative action count {count} for {instance}.{action}")
        if count:
            self._entries.append(Entry(instance, kind, action, False, float(count),
                                      float(energy_per_action_j), model))

    def static(self, instance: str, kind: str, mechanism: str, power_w: float,
               seconds: float, model: Model) -> None:
        if seconds < 0:
            raise ValueError(f"negative time {seconds} s for {instance}.{mechanism}")
        if seconds and power_w:
            self._entries.append(Entry(instance, kind, mechanism, True, float(seconds),
                                      float(power_w), model))

    @property
    def total_j(self) -> float:
        return float(sum(e.energy_j for e in self._entries)
                     + sum(float(b.energy.sum()) for b in self._blocks.values()))

    def by_kind(self) -> dict[str, float]:
        return self._sum(lambda e: e.kind)

    def by_instance(self) -> dict[str, float]:
        return self._sum(lambda e: e.instance)

    def _sum(self, key) -> dict[str, float]:
        out: dict[str, float] = {}
        for e in self.entries:
            k = key(e)
            out[k] = out.get(k, 0.0) + e.energy_j
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def to_list(self) -> list[dict]:
        return [e.to_dict() for e in self.entries]
