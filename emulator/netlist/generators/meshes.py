"""Parametric netlists: MZI meshes and SVD layers as plain netlist dicts.

The loader calls ``GENERATORS[name](**params)`` for an instance written as
``{generator: clements, params: {n: 8, seed: 1}}``, so every argument is YAML-friendly:
numbers, strings, nested lists, mappings.  A matrix may be a nested list of numbers, of
complex strings ("0.5-0.1j"), a mapping ``{real: [[…]], imag: [[…]]}``, or a ``.npy``
file (``unitary_file`` / ``matrix_file``; the loader makes relative paths relative to the
netlist file).

Naming: ``mzi_c{column}_m{mode}`` for the MZI of physical column ``column`` acting on
modes (mode, mode+1); ``ps_out_{mode}`` for the output phase screen.  An MZI's ``in0`` /
``out0`` is its upper mode.  A mode that a column does not touch is wired straight to the
next MZI that uses it.  Phases come from :mod:`emulator.mesh` in its T(θ, φ) convention
(θ internal, φ external on the upper input arm; θ = 0 cross, θ = π bar).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from components.errors import UserError
from components.optics.mzi import MZI
from components.units import to_si
from emulator.mesh import clements as _clements
from emulator.mesh import reck as _reck
from emulator.mesh.layout import MeshPhases, n_columns, padding_slots
from emulator.mesh.svd import decomposer, svd_map
from emulator.netlist.model import gc_paused

VERSION = 1
CONVENTION = ("T(theta, phi) = B diag(e^{i theta}, 1) B diag(e^{i phi}, 1), "
              "B = [[1, i], [i, 1]]/sqrt 2")
_MESH = {"clements": _clements, "reck": _reck}


# ----------------------------------------------------------------------------- inputs

def _matrix(value, what: str) -> np.ndarray:
    """A 2-D numeric array from YAML data (nested lists, complex strings, real/imag)."""
    if isinstance(value, Mapping):
        unknown = set(value) - {"real", "imag"}
        if unknown or "real" not in value:
            raise UserError(f"{what}: a mapping must have keys 'real' and optionally "
                            f"'imag', got {sorted(value)}")
        re = _matrix(value["real"], what + ".real")
        im = _matrix(value["imag"], what + ".imag") if "imag" in value else 0.0 * re
        if re.shape != im.shape:
            raise UserError(f"{what}: real part {re.shape} and imag part {im.shape} differ")
        return re + 1j * im
    try:
        a = np.array(value)
        if a.dtype.kind in "USO":
            a = a.astype(complex)
    except (ValueError, TypeError) as exc:
        raise UserError(f"{what}: not a matrix of numbers ({exc})") from None
    if a.ndim != 2 or a.dtype.kind not in "biufc":
        raise UserError(f"{what}: expected a 2-D matrix of numbers, got shape {a.shape}")
    if np.iscomplexobj(a) and not np.any(a.imag):
        a = a.real
    return a


def _load_matrix(path, what: str) -> np.ndarray:
    p = Path(path)
    if p.suffix != ".npy":
        raise UserError(f"{what}: only .npy files are read, got {str(path)!r}")
    try:
        return _matrix(np.load(p, allow_pickle=False), what)
    except FileNotFoundError:
        raise UserError(f"{what}: file not found: {str(path)!r}") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"{what}: cannot read {str(path)!r} ({exc})") from None


def _one_source(what: str, **given) -> str:
    chosen = [k for k, v in given.items() if v is not None]
    if len(chosen) > 1:
        raise UserError(f"{what}: give only one of {', '.join(given)} "
                        f"(got {', '.join(chosen)})")
    if not chosen:
        raise UserError(f"{what}: give one of {', '.join(given)} (a random one needs an "
                        "explicit seed, so that the same file gives the same circuit)")
    return chosen[0]


def _seed(seed) -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UserError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed))


def _size(n, what: str, lo: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < lo:
        raise UserError(f"{what} must be an integer >= {lo}, got {n!r}")
    return int(n)


def _extra(params, what: str, reserved: tuple[str, ...]) -> dict:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise UserError(f"{what} must be a mapping of parameters, got {params!r}")
    clash = sorted(set(params) & set(reserved))
    if clash:
        raise UserError(f"{what} may not set {', '.join(clash)}: the generator fills it in")
    return dict(params)


ONE_THREAD_MODES = 128  # meshes this large are drawn and decomposed on one BLAS thread


def _one_blas_thread(n) -> contextlib.AbstractContextManager:
    """One BLAS thread for a large mesh's small products (QR of an N×N unitary, 2-row
    rotations): on a busy 2-core machine BLAS's threads made drawing and decomposing a
    256-mode unitary 10-20x slower (0.9 s -> 0.06 s, measured); the context costs ms, so
    small meshes skip it."""
    if n is None or isinstance(n, bool) or not isinstance(n, int) or n < ONE_THREAD_MODES:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _mesh_phases(kind: str, n, phases, unitary, unitary_file, seed) -> MeshPhases:
    with _one_blas_thread(n):
        return _draw_phases(kind, n, phases, unitary, unitary_file, seed)


def _draw_phases(kind: str, n, phases, unitary, unitary_file, seed) -> MeshPhases:
    source = _one_source(kind, phases=phases, unitary=unitary, unitary_file=unitary_file,
                         seed=seed)
    mod = _MESH[kind]
    if source == "phases":
        if isinstance(phases, MeshPhases):
            mesh = phases
        elif isinstance(phases, Mapping):
            unknown = set(phases) - {"theta", "phi", "out_phase"}
            if unknown:
                raise UserError(f"{kind}: phases may only have keys theta, phi, out_phase; "
                                f"got {sorted(unknown)}")
            if n is None:
                raise UserError(f"{kind}: phases given as lists need n")
            mesh = mod.layout(_size(n, "n"), **{k: np.asarray(v, dtype=float)
                                                 for k, v in phases.items()})
        else:
            raise UserError(f"{kind}: phases must be a MeshPhases or a mapping of lists")
        if mesh.kind != kind:
            raise UserError(f"{kind}: phases are of a {mesh.kind!r} mesh")
    elif source == "seed":
        if n is None:
            raise UserError(f"{kind}: a random unitary needs n")
        from scipy.stats import unitary_group

        size = _size(n, "n")
        rng = _seed(seed)
        u = (unitary_group.rvs(size, random_state=rng) if size > 1
             else np.exp(2j * np.pi * rng.random((1, 1))))
        mesh = mod.decompose(u)
    else:
        u = (_matrix(unitary, "unitary") if source == "unitary"
             else _load_matrix(unitary_file, "unitary_file"))
        mesh = mod.decompose(u)
    if n is not None and _size(n, "n") != mesh.n:
        raise UserError(f"{kind}: n = {n} but the {source} describes {mesh.n} modes")
    return mesh


# ----------------------------------------------------------------------------- blocks

class _Block:
    """Instances and internal connections of one mesh, with its per-mode end ports."""

    def __init__(self, n: int):
        self.instances: dict[str, dict] = {}
        self.connections: dict[str, str] = {}
        self.inputs: list[str | None] = [None] * n  # first input port on each mode
        self.outputs: list[str | None] = [None] * n  # last output port on each mode

    def attach(self, mode: int, inp: str, out: str) -> None:
        """Put a part with input port ``inp`` / output port ``out`` at the end of ``mode``."""
        if self.outputs[mode] is None:
            self.inputs[mode] = inp
        else:
            self.connections[self.outputs[mode]] = inp
        self.outputs[mode] = out


def _mzi_loss_db(mzi: dict) -> float:
    """The insertion loss every MZI of the block will have [dB] (given or the default)."""
    return float(to_si(mzi.get("loss", MZI.param("loss").default), "dB"))


def _mesh_block(mesh: MeshPhases, prefix: str, mzi: dict, ps: dict,
                screen_modes, balance: bool = True) -> _Block:
    """One mesh, column by column: its MZIs and, with ``balance`` and lossy MZIs, a dummy
    loss section in every slot no MZI occupies (:func:`emulator.mesh.layout.padding_slots`),
    so every path loses the same; then the output phase shifters."""
    block = _Block(mesh.n)
    inst = block.instances
    loss = _mzi_loss_db(mzi)
    pads: dict[int, list[int]] = {}
    if balance and loss > 0.0:
        for c, m in padding_slots(mesh):
            pads.setdefault(c, []).append(m)
    by_column: dict[int, list] = {}
    for c, m, th, ph in zip(mesh.columns.tolist(), mesh.modes.tolist(),
                            mesh.theta.tolist(), mesh.phi.tolist()):
        by_column.setdefault(c, []).append((m, th, ph))
    for c in range(n_columns(mesh)):
        for m, th, ph in by_column.get(c, ()):
            name = f"{prefix}mzi_c{c}_m{m}"
            inst[name] = {"component": "mzi", "params": {"theta": th, "phi": ph, **mzi}}
            block.attach(m, f"{name},in0", f"{name},out0")
            block.attach(m + 1, f"{name},in1", f"{name},out1")
        for m in pads.get(c, ()):
            name = f"{prefix}pad_c{c}_m{m}"
            inst[name] = {"component": "waveguide", "params": {"length": 0.0, "loss": loss}}
            block.attach(m, f"{name},in0", f"{name},out0")
    out_phase = mesh.out_phase.tolist()
    for m in screen_modes:
        name = f"{prefix}ps_out_{m}"
        inst[name] = {"component": "phase_shifter", "params": {"phase": out_phase[m], **ps}}
        block.attach(m, f"{name},in0", f"{name},out0")
    return block


def _mesh_netlist(kind: str, n, phases, unitary, unitary_file, seed, mzi, phase_shifter,
                  out_phase_shifters: bool, name, balance_loss: bool = True) -> dict:
    mesh = _mesh_phases(kind, n, phases, unitary, unitary_file, seed)
    mzi = _extra(mzi, "mzi", ("theta", "phi"))
    ps = _extra(phase_shifter, "phase_shifter", ("phase",))
    if not out_phase_shifters and mesh.n == 1:
        raise UserError(f"{kind}: a 1-mode mesh without output phase shifters has no parts")
    with gc_paused():
        block = _mesh_block(mesh, "", mzi, ps, range(mesh.n) if out_phase_shifters else (),
                            bool(balance_loss))
    info: dict[str, Any] = {"kind": kind, "n": mesh.n, "n_mzi": mesh.n_mzi,
                            "depth": mesh.depth, "convention": CONVENTION,
                            "out_phase_shifters": bool(out_phase_shifters)}
    if not out_phase_shifters:
        info["omitted_out_phase"] = mesh.out_phase.tolist()  # U = diag(e^{i·this})·netlist
    return {"version": VERSION, "name": name or f"{kind}_{mesh.n}",
            "instances": block.instances, "connections": block.connections,
            "ports": {**{f"in{i}": p for i, p in enumerate(block.inputs)},
                      **{f"out{i}": p for i, p in enumerate(block.outputs)}},
            "info": info}


# ----------------------------------------------------------------------------- generators

def clements(n=None, *, phases=None, unitary=None, unitary_file=None, seed=None, mzi=None,
             phase_shifter=None, out_phase_shifters=True, balance_loss=True,
             name=None) -> dict:
    """Clements rectangular mesh on ``n`` modes: N(N−1)/2 MZIs in N columns.

    Phases from ``phases`` (a MeshPhases, or {theta, phi, out_phase} lists in the order
    of :func:`emulator.mesh.clements.layout`), from a target ``unitary`` /
    ``unitary_file`` (decomposed), or from a Haar-random unitary drawn with ``seed``.
    ``mzi`` / ``phase_shifter``: extra params given to every MZI / output phase shifter.
    ``out_phase_shifters=False`` drops the output screen (the circuit then equals the
    unitary up to output phases, listed in ``info.omitted_out_phase``).
    ``balance_loss`` (default true) puts a passive dummy section with the MZI's loss in
    every slot no MZI occupies, so a lossy mesh realises the unitary times one scalar.
    """
    return _mesh_netlist("clements", n, phases, unitary, unitary_file, seed, mzi,
                         phase_shifter, out_phase_shifters, name, balance_loss)


def reck(n=None, *, phases=None, unitary=None, unitary_file=None, seed=None, mzi=None,
         phase_shifter=None, out_phase_shifters=True, balance_loss=True,
         name=None) -> dict:
    """Reck triangular mesh on ``n`` modes: N(N−1)/2 MZIs in 2N−3 columns; arguments as
    :func:`clements`."""
    return _mesh_netlist("reck", n, phases, unitary, unitary_file, seed, mzi,
                         phase_shifter, out_phase_shifters, name, balance_loss)


def svd_layer(matrix=None, *, matrix_file=None, n=None, m=None, seed=None,
              method="clements", mzi=None, phase_shifter=None, attenuator=None,
              balance_loss=True, name=None) -> dict:
    """An m×n matrix W as mesh V† (prefix ``v.``), attenuators ``sigma_i``, mesh U
    (prefix ``u.``): the circuit realises W / scale, with ``info.scale`` = the largest
    singular value of W.

    W from ``matrix`` / ``matrix_file``, or standard-normal entries drawn with ``seed``
    (shape m×n, m defaults to n).  The attenuator param ``transmission`` is the field
    amplitude transmission σ_i / σ_max.  ``balance_loss``: as for :func:`clements`, on
    both meshes (every path then loses the same).  For n > m the extra V† outputs end in
    ``term_{i}`` (terminator); for m > n the extra U inputs are fed by ``dark_{i}``.
    """
    source = _one_source("svd_layer", matrix=matrix, matrix_file=matrix_file, seed=seed)
    decomposer(method)  # unknown method: fail before any work
    if source == "seed":
        if n is None:
            raise UserError("svd_layer: a random matrix needs n (inputs) and optionally m")
        cols = _size(n, "n")
        rows = cols if m is None else _size(m, "m")
        W = _seed(seed).standard_normal((rows, cols))
    else:
        W = (_matrix(matrix, "matrix") if source == "matrix"
             else _load_matrix(matrix_file, "matrix_file"))
        for given, actual, label in ((m, W.shape[0], "m (rows)"), (n, W.shape[1], "n (columns)")):
            if given is not None and _size(given, label) != actual:
                raise UserError(f"svd_layer: {label} = {given} but the matrix has shape "
                                f"{W.shape}")
    mp = svd_map(W, method)
    k = min(mp.m, mp.n)
    mzi = _extra(mzi, "mzi", ("theta", "phi"))
    ps = _extra(phase_shifter, "phase_shifter", ("phase",))
    att = _extra(attenuator, "attenuator", ("transmission",))

    balance = bool(balance_loss)
    v = _mesh_block(mp.vh, "v.", mzi, ps, range(k), balance)  # terminated: no phase
    u = _mesh_block(mp.u, "u.", mzi, ps, range(mp.m), balance)
    instances = {**v.instances, **u.instances}
    connections = {**v.connections, **u.connections}
    for i, s in enumerate(mp.sigma.tolist()):
        instances[f"sigma_{i}"] = {"component": "attenuator",
                                   "params": {"transmission": s, **att}}
        connections[v.outputs[i]] = f"sigma_{i},in0"
        connections[f"sigma_{i},out0"] = u.inputs[i]
    for i in range(k, mp.n):
        instances[f"term_{i}"] = {"component": "terminator", "params": {}}
        connections[v.outputs[i]] = f"term_{i},in0"
    for i in range(k, mp.m):
        instances[f"dark_{i}"] = {"component": "dark", "params": {}}
        connections[f"dark_{i},out0"] = u.inputs[i]
    return {"version": VERSION, "name": name or f"svd_{mp.m}x{mp.n}",
            "instances": instances, "connections": connections,
            "ports": {**{f"in{j}": p for j, p in enumerate(v.inputs)},
                      **{f"out{i}": p for i, p in enumerate(u.outputs)}},
            "info": {"kind": "svd_layer", "method": method, "m": mp.m, "n": mp.n,
                     "scale": mp.scale, "sigma": mp.sigma.tolist(),
                     "transmission": "field amplitude, sigma_i / sigma_max",
                     "convention": CONVENTION}}


