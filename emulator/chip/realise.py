"""Programming a weight tile into a core's ``svd_layer``: what the chip really holds.

The update pass maps a tile W (m × n) exactly as the cost model charges it: SVD, two
mesh decompositions (V† and U) and an attenuator column, W = scale · U · Σ · V†.  Then,
in the order it happens on the chip, each phase shifter of the layer (MZI θ and φ,
output screens, the attenuators' internal θ) holds

1. the setting its driver can produce: the nearest of ``2^driver_bits`` levels;
2. plus the heat leaking from its same-column neighbours (``crosstalk``, thermo-optic);
3. plus its fabrication offset, drawn once per physical core from ``phase_error`` σ.

``driver_bits``, ``crosstalk`` and ``phase_error`` are parameters of the layer's own
``mzi``/``phase_shifter``/``attenuator`` instances in the core netlist, and so is every
``loss``: the realised matrix M carries each MZI's insertion loss on the paths light
really takes, the dummy sections of a loss-balanced layout (Clements edge modes skip
every other column), the two output screens' and the attenuator's.

:func:`realise_many` does all of it for a stack of tiles at once: one LAPACK call for
the SVDs, the gauge (:func:`emulator.mesh.svd.gauge_stack`), then one compiled pass over
the stack (:func:`emulator.mesh.kernels.realise_stack`): both decompositions, the
holds (driver levels, crosstalk over each mesh's neighbour pairs, offsets; the layer's
constants worked out once in :func:`write_plan`) and the light through the held meshes,
and one product for the realised matrices; :func:`realise` is the one-tile case.
:func:`programmed_netlist` writes the same held settings into the netlist so the
compiled circuit and the event engine see exactly that chip.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from components.errors import NetlistError, Problem, UserError
from components.units import db_to_amplitude
from emulator.mesh import clements, kernels, reck
from emulator.mesh.layout import MeshPhases, _loss_and_screen, _placement
from emulator.mesh.perturb import crosstalk_pairs, driver_levels
from emulator.mesh.svd import decomposer, gauge_stack

HOLD = ("driver_bits", "phase_error", "crosstalk", "loss")
UNITARY_TOL = 1e-8  # as emulator.mesh.layout.check_reduced


@dataclass(frozen=True, eq=False)
class LayerSpec:
    """The layer's programmable parts, read from its instances (uniform per component)."""

    m: int
    n: int
    method: str
    mzi: dict  # driver_bits, phase_error, crosstalk, loss of the MZIs
    screen: dict  # the same for the output phase screens
    attenuator: dict  # the same for the attenuators
    balance: bool = True  # the meshes carry loss-balancing sections


@dataclass(frozen=True, eq=False)
class MeshHolds:
    """What realising one mesh of a layer needs beyond its phases, worked out once: its
    topology, the crosstalk pairs of its MZIs' and its screen's heaters
    (:func:`~emulator.mesh.perturb.crosstalk_pairs`), the loss amplitude per MZI and
    the factor the output screen carries (:func:`~emulator.mesh.layout._loss_and_screen`)."""

    mesh: MeshPhases
    order: np.ndarray  # light order -> (column, mode) order
    mzi_pairs: tuple
    screen_pairs: tuple
    amp: np.ndarray  # (K,)
    screen: float


@dataclass(frozen=True, eq=False)
class Offsets:
    """Fabrication offsets [rad] of one physical core's layer, fixed for its life."""

    u: dict
    vh: dict
    att: np.ndarray

    def take(self, cores) -> "Offsets":
        """Of offsets stacked over cores (:func:`stack_offsets`): those of ``cores``."""
        idx = np.asarray(cores, dtype=np.int64)
        return Offsets(u={k: v[idx] for k, v in self.u.items()},
                       vh={k: v[idx] for k, v in self.vh.items()}, att=self.att[idx])


@dataclass(frozen=True, eq=False)
class Programmed:
    """One tile on one core: the settings held and the matrix realised."""

    tile: np.ndarray  # the digital weights written (m × n, zero-padded)
    u: dict  # held theta, phi, out_phase of mesh U
    vh: dict  # held theta, phi, out_phase of mesh V†
    sigma: np.ndarray  # held attenuator transmissions
    matrix: np.ndarray  # (m × n) complex field transfer, losses included
    gain: float  # scale / |M| nominal: digital factor that undoes the normalisation
    meshes: tuple  # topologies (MeshPhases, phases 0) of U and V†, shared by all tiles


@dataclass(frozen=True, eq=False)
class Realised:
    """A stack of T tiles realised at once: :class:`Programmed`'s arrays with a leading
    tile axis (:meth:`programmed` gives tile t's)."""

    tile: np.ndarray  # (T, m, n)
    u: dict  # (T, K_u) θ, φ and (T, m) out_phase
    vh: dict  # (T, K_v) θ, φ and (T, n) out_phase
    sigma: np.ndarray  # (T, k)
    matrix: np.ndarray  # (T, m, n)
    gain: np.ndarray  # (T,)
    meshes: tuple

    def programmed(self, t: int) -> Programmed:
        return Programmed(self.tile[t], {k: v[t] for k, v in self.u.items()},
                          {k: v[t] for k, v in self.vh.items()}, self.sigma[t],
                          self.matrix[t], float(self.gain[t]), self.meshes)


@functools.lru_cache(maxsize=16)
def topology(n: int, method: str) -> tuple[MeshPhases, np.ndarray]:
    """The mesh of a decomposition on ``n`` modes (phases 0) and the permutation from its
    light order to the (column, mode) order of :class:`MeshPhases`."""
    decomposer(method)  # an unknown method is a UserError naming the choices
    lay = {"clements": clements, "reck": reck}[method]
    modes = np.asarray(lay.light_modes(n), dtype=np.int64)
    return lay.layout(n), _placement(n, modes.tobytes())[1]


def layer_spec(netlist, layer: str, method: str, file: str) -> LayerSpec:
    info = netlist.info.get("subcircuits", {}).get(layer, {})
    groups: dict[str, dict] = {"mzi": {}, "screen": {}, "attenuator": {}}
    prefix = f"{layer}."
    padded = False
    for name, inst in netlist.instances.items():
        if not name.startswith(prefix):
            continue
        padded = padded or ".pad_c" in name
        comp = inst.component.name
        key = ("screen" if comp == "phase_shifter" else comp)
        if key not in groups:
            continue
        for p in HOLD:
            value = inst.params[p]
            seen = groups[key].setdefault(p, value)
            if seen != value:
                raise NetlistError(Problem(
                    f"the chip model needs one {p} for every {comp} of the svd_layer "
                    f"'{layer}': found {seen!r} and {value!r} ({name})", file,
                    hint=f"set {p} once in the svd_layer's {comp} params"))
    return LayerSpec(m=int(info["m"]), n=int(info["n"]), method=method, mzi=groups["mzi"],
                     screen=groups["screen"], attenuator=groups["attenuator"],
                     balance=padded or groups["mzi"].get("loss", 0.0) == 0.0)


def draw_offsets(spec: LayerSpec, rng: np.random.Generator) -> Offsets:
    """One core's fabrication offsets (zero where the part's phase_error is 0)."""
    k = min(spec.m, spec.n)

    def mesh(n: int) -> dict:
        n_mzi = n * (n - 1) // 2
        s, s_out = spec.mzi["phase_error"], spec.screen["phase_error"]
        return {"theta": rng.normal(0.0, s, n_mzi), "phi": rng.normal(0.0, s, n_mzi),
                "out_phase": rng.normal(0.0, s_out, n)}

    return Offsets(u=mesh(spec.m), vh=mesh(spec.n),
                   att=rng.normal(0.0, spec.attenuator["phase_error"], k))


def stack_offsets(offsets: list[Offsets]) -> Offsets:
    """Several cores' offsets as one, stacked along a leading core axis."""
    return Offsets(u={k: np.stack([o.u[k] for o in offsets]) for k in offsets[0].u},
                   vh={k: np.stack([o.vh[k] for o in offsets]) for k in offsets[0].vh},
                   att=np.stack([o.att for o in offsets]))


def _key(coupling) -> tuple:
    return tuple(np.ravel(coupling).tolist()) if np.any(coupling) else ()


def mesh_holds(spec: LayerSpec, n: int) -> MeshHolds:
    """The :class:`MeshHolds` of the layer's mesh on ``n`` modes (kept in the layer's
    :func:`write_plan`)."""
    mesh, order = topology(n, spec.method)
    mzi_loss, factor = _loss_and_screen(mesh, np.zeros(1), spec.mzi["loss"], spec.balance)
    return MeshHolds(mesh, order, crosstalk_pairs(mesh, _key(spec.mzi["crosstalk"]) or 0.0),
                     crosstalk_pairs(mesh, _key(spec.screen["crosstalk"]) or 0.0, out=True),
                     np.full(mesh.n_mzi, 10.0 ** (-float(mzi_loss) / 20.0)),
                     float(factor[0].real))


@dataclass(frozen=True, eq=False)
class WritePlan:
    """What :func:`realise_many` hands the compiled pass for one layer, worked out once
    (:func:`write_plan`): each mesh side's tuple (see
    :func:`emulator.mesh.kernels.realise_stack`), the driver levels of the MZIs, screens
    and attenuators, and the amplitude of the two output screens' and the attenuator's
    insertion loss."""

    u: MeshHolds
    vh: MeshHolds
    u_side: tuple
    vh_side: tuple
    levels: tuple
    reck: bool
    loss: float


def _side(holds: MeshHolds) -> tuple:
    return (holds.order, holds.mesh.modes, *holds.mzi_pairs, *holds.screen_pairs,
            holds.amp, holds.screen)


@functools.lru_cache(maxsize=64)
def write_plan(spec: LayerSpec) -> WritePlan:
    """The :class:`WritePlan` of a layer (cached per layer)."""
    u, vh = mesh_holds(spec, spec.m), mesh_holds(spec, spec.n)
    return WritePlan(u, vh, _side(u), _side(vh),
                     tuple(driver_levels(p["driver_bits"])
                           for p in (spec.mzi, spec.screen, spec.attenuator)),
                     spec.method == "reck",
                     db_to_amplitude(spec.screen["loss"]) ** 2
                     * db_to_amplitude(spec.attenuator["loss"]))


def _rows(offsets: dict) -> tuple:
    """θ, φ and output-screen offsets, each as rows (one per tile, or one for all)."""
    return tuple(o if o.ndim == 2 else o[None] for o in
                 (offsets["theta"], offsets["phi"], offsets["out_phase"]))


def realise_many(spec: LayerSpec, tiles: np.ndarray, offsets: Offsets) -> Realised:
    """Map a stack of real tiles (T, ≤ m, ≤ n; zero-padded) and realise what the core
    holds; ``offsets``: each tile's core's (:meth:`Offsets.take`), or one core's for all."""
    T = tiles.shape[0]
    W = np.zeros((T, spec.m, spec.n))
    W[:, : tiles.shape[1], : tiles.shape[2]] = tiles
    if not np.isfinite(W).all():
        raise UserError("matrix must contain finite numbers only")
    u, s, vh = gauge_stack(*np.linalg.svd(W, full_matrices=True), W)
    plan = write_plan(spec)
    att = offsets.att if offsets.att.ndim == 2 else offsets.att[None]
    held_u, held_vh, sig, A, rows, scale, err = kernels.realise_stack(
        u, s, vh, plan.reck, plan.levels, plan.u_side, plan.vh_side, _rows(offsets.u),
        _rows(offsets.vh), att)
    if err > UNITARY_TOL:
        raise UserError(f"matrix is not unitary (deviation {err:.3g} > "
                        f"tolerance {UNITARY_TOL:g})")
    M = A @ rows
    M /= np.where(scale > 0.0, scale, 1.0)[:, None, None]  # the optics holds W / scale
    M *= plan.loss
    keys = ("theta", "phi", "out_phase")
    return Realised(tile=W, u=dict(zip(keys, held_u)), vh=dict(zip(keys, held_vh)),
                    sigma=sig, matrix=M, gain=scale, meshes=(plan.u.mesh, plan.vh.mesh))


def realise(spec: LayerSpec, tile: np.ndarray, offsets: Offsets) -> Programmed:
    """Map ``tile`` (≤ m × n, zero-padded) and realise what the core holds."""
    return realise_many(spec, np.asarray(tile, dtype=float)[None], offsets).programmed(0)


def programmed_netlist(netlist, layer: str, prog: Programmed):
    """The core netlist holding ``prog``'s settings (a copy sharing the rest)."""
    changes: dict[str, dict] = {}
    u_mesh, vh_mesh = prog.meshes
    k = min(u_mesh.n, vh_mesh.n)
    for prefix, mesh, held, screens in (("v.", vh_mesh, prog.vh, range(k)),
                                        ("u.", u_mesh, prog.u, range(u_mesh.n))):
        for i, (c, m) in enumerate(zip(mesh.columns.tolist(), mesh.modes.tolist())):
            changes[f"{layer}.{prefix}mzi_c{c}_m{m}"] = {"theta": float(held["theta"][i]),
                                                        "phi": float(held["phi"][i])}
        for m in screens:
            changes[f"{layer}.{prefix}ps_out_{m}"] = {"phase": float(held["out_phase"][m])}
    for i, s in enumerate(prog.sigma.tolist()):
        changes[f"{layer}.sigma_{i}"] = {"transmission": float(min(s, 1.0))}
    return netlist.with_params(changes)
