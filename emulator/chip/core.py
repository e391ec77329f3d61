"""An optical core as the scenario uses it: loaded once, programmed with weight tiles.

The core netlist must hold exactly one weight layer, a generator instance of one of
:data:`LAYER_KINDS`: that is where weights go, and its kind is the core's architecture
(the scenario maps layers onto it by :mod:`emulator.scenario.mapping`).  For an
``svd_layer`` (Clements/Reck SVD mesh), :meth:`Core.program` returns the core with a tile's
phases and transmissions written into that layer (a copy sharing everything else): analyse
once, program many times, with no reload and no revalidation of the rest of the chip.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from components import Registry
from components.errors import NetlistError, Problem, did_you_mean
from emulator.netlist import Netlist, load_netlist
from emulator.graph.budget import with_link_budget
from emulator.engine.plan import static_entries, static_rows
from emulator.ledger import evaluate_many
from emulator.ledger.rows import Rows
from emulator.mesh.svd import svd_map
from emulator.netlist.generators import GENERATORS, svd_layer
from emulator.netlist.source import read_document

from .columns import layer_columns

MESH_COMPONENTS = ("mzi", "attenuator", "phase_shifter")  # generator keyword per component
# the weight layers a core can hold: generator -> architecture
LAYER_KINDS = {"svd_layer": "SVD mesh (weight-stationary)",
               "mrr_weight_bank": "microring weight bank (weight-stationary)",
               "dota_crossbar": "dynamically-operated crossbar (weights streamed)"}


@dataclass
class Core:
    netlist: Netlist
    layer: str  # name of the weight-layer instance
    layer_params: dict  # its generator params (mzi/attenuator/... dicts) without the matrix
    n_in: int
    n_out: int
    file: str
    kind: str = "svd_layer"  # the layer's generator (:data:`LAYER_KINDS`): the architecture
    settable: frozenset | None = None  # components overrides reach (None: not known)

    @classmethod
    def load(cls, path: Path, *, shifter: str | None = None, params: dict | None = None,
             laser: str = "set", allow_over_budget: bool = False,
             registry: Registry | None = None) -> "Core":
        """The core netlist at ``path`` with the scenario's overrides, its components from
        ``registry`` (default: the library's).  ``laser="link_budget"``: lasers at their
        link budget, an error beyond a bound unless ``allow_over_budget``."""
        data, lines = read_document(path)
        if not isinstance(data, dict) or not isinstance(data.get("instances"), dict):
            return cls._fail(path, "not a netlist with 'instances'")
        layers = [n for n, s in data["instances"].items()
                  if isinstance(s, dict) and s.get("generator") in LAYER_KINDS]
        if len(layers) != 1:
            return cls._fail(path, f"a core needs exactly one weight layer (an instance of "
                             f"generator {', '.join(LAYER_KINDS)}) to map weights onto, "
                             f"found {len(layers)}" + (f": {', '.join(layers)}" if layers
                                                       else ""))
        settable = reachable(data)
        data = apply_overrides(data, shifter, params or {})
        net = load_netlist(data, registry, base=path.parent, label=str(path), lines=lines)
        if laser == "link_budget":
            net = with_link_budget(net, allow_over_budget)
        layer = layers[0]
        lp = {k: v for k, v in (data["instances"][layer].get("params") or {}).items()
              if k in ("mzi", "attenuator", "phase_shifter", "method")}
        n_in = len(net.external("in"))
        n_out = len(net.external("out"))
        return cls(net, layer, lp, n_in, n_out, str(path),
                   data["instances"][layer]["generator"], settable)

    @staticmethod
    def _fail(path, msg):
        raise NetlistError(Problem(msg, str(path)))

    def layer_size(self) -> tuple[int, int]:
        info = self.netlist.info.get("subcircuits", {}).get(self.layer, {})
        return int(info.get("m", self.n_out)), int(info.get("n", self.n_in))

    def program(self, tile: np.ndarray) -> tuple[Netlist, float]:
        """The core holding ``tile`` (zero-padded to the layer size); returns (netlist, scale)."""
        m, n = self.layer_size()
        W = np.zeros((m, n))
        W[: tile.shape[0], : tile.shape[1]] = tile
        gen = svd_layer(W.tolist(), **self.layer_params)
        net = self.netlist.with_params({f"{self.layer}.{name}": spec.get("params", {})
                                        for name, spec in gen["instances"].items()})
        return net, float(gen["info"]["scale"])

    def static_power(self, tiles: list[np.ndarray]) -> tuple[Rows, np.ndarray, np.ndarray]:
        """The static power of the core holding each tile, by the components' own models
        evaluated over arrays (one call per component kind for all tiles): the rows (every
        instance × mechanism, in netlist order), the watts (tiles × rows) and the scales.
        Row values equal :func:`~emulator.engine.plan.static_entries` of
        ``program(tile)`` (zeros kept)."""
        rows, base, index = static_rows(self.netlist)
        watts = np.repeat(base[None, :], len(tiles), axis=0)
        m, n = self.layer_size()
        maps = []
        for t in tiles:
            W = np.zeros((m, n))
            W[: t.shape[0], : t.shape[1]] = t
            maps.append(svd_map(W, self.layer_params.get("method", "clements")))
        columns = layer_columns(self.layer, maps)
        if columns is None or set(columns.names) != set(self._layer_shifters()):
            return self._static_power_one_by_one(tiles, rows, index)  # another naming
        for comp, names, params in columns.groups():
            insts = [self.netlist.instances[nm] for nm in names]
            first = insts[0]
            if any(i.component is not first.component or i.given.keys() != first.given.keys()
                   or {k: v for k, v in i.params.items() if k not in params} !=
                   {k: v for k, v in first.params.items() if k not in params}
                   for i in insts):
                return self._static_power_one_by_one(tiles, rows, index)
            for key, value, _ in evaluate_many(first.component, "static_power",
                                               {**first.params, **params}, first.given):
                cols = [index[(nm, key)] for nm in names]
                watts[:, cols] = np.broadcast_to(value, (len(tiles), len(names)))
        return rows, watts, np.array([mp.scale for mp in maps], dtype=float)

    def _layer_shifters(self) -> list[str]:
        return [nm for nm, i in self.netlist.instances.items()
                if nm.startswith(self.layer + ".") and i.component.name in MESH_COMPONENTS]

    def _static_power_one_by_one(self, tiles, rows, index):
        """:meth:`static_power` through :meth:`program` and the netlist, tile by tile."""
        watts = np.zeros((len(tiles), len(rows)))
        scales = np.zeros(len(tiles))
        for j, t in enumerate(tiles):
            net, scales[j] = self.program(t)
            for name, _, mech, w, _ in static_entries(net):
                watts[j, index[(name, mech)]] = w
        return rows, watts, scales

    def counts(self) -> dict[str, int]:
        return self.netlist.counts()


def apply_overrides(data: dict, shifter: str | None, params: dict[str, dict]) -> dict:
    """Scenario overrides written into the raw core netlist: ``params`` by component name
    (on component instances and inside generators), ``shifter`` as every mesh's ``tech``."""
    data = {**data, "instances": {k: dict(v) if isinstance(v, dict) else v
                                  for k, v in data["instances"].items()}}
    per_comp = {c: dict(v) for c, v in params.items()}
    if shifter is not None:
        for c in MESH_COMPONENTS:
            per_comp.setdefault(c, {})["tech"] = shifter
    for spec in data["instances"].values():
        if not isinstance(spec, dict):
            continue
        if "component" in spec and spec["component"] in per_comp:
            spec["params"] = {**(spec.get("params") or {}), **per_comp[spec["component"]]}
        elif spec.get("generator") in GENERATORS:
            accepted = inspect.signature(GENERATORS[spec["generator"]]).parameters
            gp = dict(spec.get("params") or {})
            for c in per_comp:  # the components the generator takes settings for
                if c in accepted:
                    gp[c] = {**(gp.get(c) or {}), **per_comp[c]}
            spec["params"] = gp
    return data


def reachable(data: dict) -> frozenset | None:
    """The components :func:`apply_overrides` reaches in the raw core netlist: those of its
    component instances and those its generators take settings for (None with a subcircuit
    or a whole-core generator, whose insides it does not look into)."""
    out: set[str] = set()
    for spec in data["instances"].values():
        if not isinstance(spec, dict):
            continue
        if "component" in spec:
            out.add(spec["component"])
        elif spec.get("generator") in GENERATORS and spec["generator"] != "onn_core":
            out.update(inspect.signature(GENERATORS[spec["generator"]]).parameters)
        else:
            return None
    return frozenset(out)


def describe_core(core: Core) -> dict[str, Any]:
    counts = core.counts()
    return {"file": core.file, "inputs": core.n_in, "outputs": core.n_out,
            "mzis": counts.get("mzi", 0), "components": counts}


# costed with the library's defaults by scenario.step, not taken from the core netlist
_NOT_SETTABLE = {"sram": "the scenario's memory", "digital": "the scenario's digital unit",
                 "wdm_demux": "the demultiplexer of the scenario's wavelengths (its crosstalk "
                              "sets the receivers' WDM power penalty)"}


def override_problems(params: dict | None, core: Core, where,
                    at: tuple = ("hardware", "params")) -> list[Problem]:
    """A parameter override for a component the core does not contain (or whose generator
    takes no such settings) would be silently ignored: it is an error naming the components
    the core has.  ``where(*path)`` gives a problem's location (file, path, line)."""
    have = sorted({i.component.name for i in core.netlist.instances.values()})
    out = []
    for comp_name in params or {}:
        if comp_name in have and core.settable is not None and comp_name not in core.settable:
            out.append(Problem(f"the core's '{comp_name}' instances are built by its "
                               f"{core.kind} generator, which takes no '{comp_name}' settings, "
                               "so this setting would be ignored", **where(*at, comp_name),
                               hint="settings the generator takes: " + ", ".join(
                                   sorted(core.settable & set(have)))))
            continue
        if comp_name in have:
            continue
        why = (f"; {_NOT_SETTABLE[comp_name]} is costed with the library's '{comp_name}' "
               "defaults, which a scenario cannot change yet") if comp_name in _NOT_SETTABLE \
            else ""
        out.append(Problem(f"the core netlist has no '{comp_name}' instance, so this setting "
                           f"would be ignored{why}", **where(*at, comp_name),
                           hint=did_you_mean(str(comp_name), have)
                           or f"its components: {', '.join(have)}"))
    return out
