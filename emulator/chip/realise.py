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
every other column), the two output screens' and the attenuator's.  :func:`realise`
computes M from the mesh arrays (fast); :func:`programmed_netlist` writes the same held settings into the netlist so the
compiled circuit and the event engine see exactly that chip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.errors import NetlistError, Problem
from components.units import db_to_amplitude
from emulator.mesh.layout import MeshPhases
from emulator.mesh.perturb import quantize_phases, thermal_crosstalk
from emulator.mesh.svd import SVDMapping, svd_map, svd_matrix

HOLD = ("driver_bits", "phase_error", "crosstalk", "loss")


@dataclass(frozen=True)
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
class Offsets:
    """Fabrication offsets [rad] of one physical core's layer, fixed for its life."""

    u: dict
    vh: dict
    att: np.ndarray


@dataclass(frozen=True, eq=False)
class Programmed:
    """One tile on one core: the mapping, the settings held, and the matrix realised."""

    tile: np.ndarray  # the digital weights written (m × n, zero-padded)
    mapping: SVDMapping
    u: dict  # held theta, phi, out_phase of mesh U
    vh: dict  # held theta, phi, out_phase of mesh V†
    sigma: np.ndarray  # held attenuator transmissions
    matrix: np.ndarray  # (m × n) complex field transfer, losses included
    gain: float  # scale / |M| nominal: digital factor that undoes the normalisation


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


def _hold(values, part: dict, mesh: MeshPhases | None, out: bool, offset) -> np.ndarray:
    p = quantize_phases(values, int(part["driver_bits"]))
    if part["crosstalk"] and mesh is not None:
        p = thermal_crosstalk(mesh, p, part["crosstalk"], out=out)
    return p + offset


def _held_mesh(mesh: MeshPhases, spec: LayerSpec, off: dict) -> dict:
    return {"theta": _hold(mesh.theta, spec.mzi, mesh, False, off["theta"]),
            "phi": _hold(mesh.phi, spec.mzi, mesh, False, off["phi"]),
            "out_phase": _hold(mesh.out_phase, spec.screen, mesh, True, off["out_phase"])}


def realise(spec: LayerSpec, tile: np.ndarray, offsets: Offsets) -> Programmed:
    """Map ``tile`` (≤ m × n, zero-padded) and realise what the core holds."""
    W = np.zeros((spec.m, spec.n))
    W[: tile.shape[0], : tile.shape[1]] = tile
    mp = svd_map(W, spec.method)
    u = _held_mesh(mp.u, spec, offsets.u)
    vh = _held_mesh(mp.vh, spec, offsets.vh)
    theta_att = 2.0 * np.arcsin(np.clip(mp.sigma, 0.0, 1.0))
    held_att = _hold(theta_att, spec.attenuator, None, False, offsets.att)
    sigma = np.abs(np.sin(0.5 * held_att))
    M = svd_matrix(mp, u_theta=u["theta"], u_phi=u["phi"], u_out_phase=u["out_phase"],
                   vh_theta=vh["theta"], vh_phi=vh["phi"], vh_out_phase=vh["out_phase"],
                   sigma=sigma, mzi_loss_db=spec.mzi["loss"], balance=spec.balance)
    M = M / mp.scale if mp.scale > 0 else M  # the optics holds W / scale
    M = M * (db_to_amplitude(spec.screen["loss"]) ** 2
             * db_to_amplitude(spec.attenuator["loss"]))
    return Programmed(tile=W, mapping=mp, u=u, vh=vh, sigma=sigma, matrix=M,
                      gain=float(mp.scale))


def programmed_netlist(netlist, layer: str, prog: Programmed):
    """The core netlist holding ``prog``'s settings (a copy sharing the rest)."""
    changes: dict[str, dict] = {}
    k = min(prog.mapping.m, prog.mapping.n)
    for prefix, mesh, held, screens in (("v.", prog.mapping.vh, prog.vh, range(k)),
                                        ("u.", prog.mapping.u, prog.u, range(prog.mapping.m))):
        for i, (c, m) in enumerate(zip(mesh.columns.tolist(), mesh.modes.tolist())):
            changes[f"{layer}.{prefix}mzi_c{c}_m{m}"] = {"theta": float(held["theta"][i]),
                                                        "phi": float(held["phi"][i])}
        for m in screens:
            changes[f"{layer}.{prefix}ps_out_{m}"] = {"phase": float(held["out_phase"][m])}
    for i, s in enumerate(prog.sigma.tolist()):
        changes[f"{layer}.sigma_{i}"] = {"transmission": float(min(s, 1.0))}
    return netlist.with_params(changes)
