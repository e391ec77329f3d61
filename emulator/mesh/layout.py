"""A programmed MZI mesh as plain arrays, and its transfer matrix.

A mesh on ``n`` modes is a sequence of MZIs, each acting on modes (m, m+1), followed by
an output phase screen::

    U = diag(e^{i·out_phase}) · T_K ··· T_2 · T_1

``T_1`` is the MZI light meets first.  MZIs are grouped into physical columns (MZIs in one
column act on disjoint modes) and listed by (column, mode), which is a light order; the
transfer is one compiled pass over that list (:func:`emulator.mesh.kernels.apply_mzis`),
each MZI updating its pair of rows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from components.errors import UserError

from .kernels import apply_mzis, mzi_transfers, reduced_error
from .mzi import wrap_phase

KINDS = ("clements", "reck")


def _frozen(a, dtype) -> np.ndarray:
    out = np.array(a, dtype=dtype)  # always a private copy
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class MeshPhases:
    """Topology and phases of one mesh (arrays are read-only copies).

    ``modes[k]`` is the upper mode of MZI k (it acts on modes k, k+1), listed in the
    order light meets them; ``columns[k]`` is its physical column.  ``theta``/``phi`` are
    the internal/external phases [rad] of T(θ, φ) (see
    :mod:`components.optics._mzi_matrix`), and ``out_phase`` the output phase screen [rad].
    """

    n: int
    kind: str  # "clements" | "reck"
    modes: np.ndarray  # int (K,)
    columns: np.ndarray  # int (K,)
    theta: np.ndarray  # (K,)
    phi: np.ndarray  # (K,)
    out_phase: np.ndarray  # (n,)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "n", int(self.n))
        for name, dtype in (("modes", np.int64), ("columns", np.int64), ("theta", float),
                            ("phi", float), ("out_phase", float)):
            set_(self, name, _frozen(getattr(self, name), dtype))
        problems = []
        k = self.modes.shape
        if self.n < 1:
            problems.append(f"mesh size n must be >= 1, got {self.n}")
        if self.modes.ndim != 1:
            problems.append(f"modes must be one-dimensional, got shape {self.modes.shape}")
        for name in ("columns", "theta", "phi"):
            if getattr(self, name).shape != k:
                problems.append(f"{name} has shape {getattr(self, name).shape}, "
                                f"expected {k} (one per MZI)")
        if self.out_phase.shape != (self.n,):
            problems.append(f"out_phase has shape {self.out_phase.shape}, expected ({self.n},)")
        if self.modes.size and (self.modes.min() < 0 or self.modes.max() > self.n - 2):
            problems.append(f"MZI modes must lie in 0..{self.n - 2} (each acts on m, m+1)")
        if self.columns.size and self.columns.min() < 0:
            problems.append("column indices must be >= 0")
        for name in ("theta", "phi", "out_phase"):
            if not np.all(np.isfinite(getattr(self, name))):
                problems.append(f"{name} contains NaN or infinity")
        if not problems and self.modes.size:
            clash = _overlap(self.modes.tobytes(), self.columns.tobytes())
            if clash:
                problems.append(clash)
        if problems:
            raise UserError(problems)

    @property
    def n_mzi(self) -> int:
        return int(self.modes.size)

    @property
    def depth(self) -> int:
        """Number of distinct physical columns."""
        return int(np.unique(self.columns).size)

    def with_phases(self, theta=None, phi=None, out_phase=None,
                    trusted: bool = False) -> "MeshPhases":
        """A copy with some phase arrays replaced (same topology); ``trusted`` (finite
        arrays of the right shapes, computed by the caller) skips the checks."""
        if trusted:
            mesh = object.__new__(MeshPhases)
            mesh.__dict__.update(self.__dict__)
            for name, value in (("theta", theta), ("phi", phi), ("out_phase", out_phase)):
                if value is not None:
                    object.__setattr__(mesh, name, _frozen(value, float))
            return mesh
        return dataclasses.replace(
            self, theta=self.theta if theta is None else theta,
            phi=self.phi if phi is None else phi,
            out_phase=self.out_phase if out_phase is None else out_phase)


@lru_cache(maxsize=64)
def _overlap(modes: bytes, columns: bytes) -> str | None:
    """The first pair of MZIs sharing a mode in one column, as a message, or None (cached
    per topology: a training run re-builds the same mesh shape at every re-programming)."""
    modes_a = np.frombuffer(modes, dtype=np.int64)
    columns_a = np.frombuffer(columns, dtype=np.int64)
    order = np.lexsort((modes_a, columns_a))
    c, m = columns_a[order], modes_a[order]
    clash = (c[1:] == c[:-1]) & (m[1:] - m[:-1] < 2)
    if not clash.any():
        return None
    i = int(np.flatnonzero(clash)[0])
    return f"column {int(c[i])} has overlapping MZIs at modes {int(m[i])} and {int(m[i + 1])}"


def asap_columns(modes, n: int) -> np.ndarray:
    """Physical columns for MZIs listed in light order: each goes in the first column
    after the last MZI that used either of its modes (as soon as possible)."""
    last = [-1] * n
    cols = []
    for m in np.asarray(modes, dtype=np.int64).tolist():
        c = max(last[m], last[m + 1]) + 1
        last[m] = last[m + 1] = c
        cols.append(c)
    return np.array(cols, dtype=np.int64)


def canonical_order(modes, columns) -> np.ndarray:
    """Permutation listing MZIs by (column, mode): a light order that is unique."""
    return np.lexsort((np.asarray(modes), np.asarray(columns)))


@lru_cache(maxsize=64)
def _placement(n: int, modes: bytes):
    """(columns, canonical order) of MZIs listed in light order; cached per topology, since
    a decomposition of a given size always lists the same modes."""
    m = np.frombuffer(modes, dtype=np.int64)
    columns = asap_columns(m, n)
    order = canonical_order(m, columns)
    for a in (columns, order):
        a.setflags(write=False)
    return columns, order


def build_mesh(n: int, kind: str, modes, theta, phi, out_phase,
               trusted: bool = False) -> MeshPhases:
    """A :class:`MeshPhases` from MZIs listed in light order: columns assigned as soon as
    possible, MZIs re-listed by (column, mode), phases wrapped into [0, 2π).
    ``trusted``: the arrays come from a decomposition (finite phases of a unitary that
    passed :func:`check_reduced`, the decomposition's own topology; tests check both), so
    the per-field checks are skipped."""
    modes = np.ascontiguousarray(modes, dtype=np.int64)
    columns, order = _placement(int(n), modes.tobytes())
    fields = dict(n=int(n), kind=kind, modes=modes[order], columns=columns[order],
                  theta=wrap_phase(np.asarray(theta, dtype=float)[order]),
                  phi=wrap_phase(np.asarray(phi, dtype=float)[order]),
                  out_phase=wrap_phase(out_phase))
    if not trusted:
        return MeshPhases(**fields)
    mesh = object.__new__(MeshPhases)
    for name, value in fields.items():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)  # fresh arrays, owned by the mesh alone
        object.__setattr__(mesh, name, value)
    return mesh


def as_square(U) -> np.ndarray:
    """A C-contiguous complex copy of ``U``, or a UserError if it is not a finite square
    matrix.  (Unitarity is checked after nulling, by :func:`check_reduced`.)"""
    a = np.array(U, dtype=complex, order="C")
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise UserError(f"a mesh needs a square matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise UserError("matrix contains NaN or infinity")
    return a


def check_reduced(A: np.ndarray, atol: float = 1e-8) -> np.ndarray:
    """The diagonal of a matrix whose lower triangle the nulling has cleared.

    Nulling multiplies by unitaries only, so ``U`` is unitary exactly when the reduced
    (upper-triangular) matrix is: diagonal with entries of modulus 1.  Checking that
    costs O(n²) and needs no n×n product.
    """
    d = np.diagonal(A).copy()
    err = float(reduced_error(A))
    if err > atol:
        raise UserError(f"matrix is not unitary (deviation {err:.3g} > tolerance {atol:g})")
    return d


def _phases(mesh: MeshPhases, theta, phi, out_phase):
    th = mesh.theta if theta is None else np.asarray(theta, dtype=float)
    ph = mesh.phi if phi is None else np.asarray(phi, dtype=float)
    out = mesh.out_phase if out_phase is None else np.asarray(out_phase, dtype=float)
    k = (mesh.n_mzi,)
    if th.shape != k or ph.shape != k or out.shape != (mesh.n,):
        raise UserError(f"phase arrays must have shapes theta {k}, phi {k}, out_phase "
                        f"({mesh.n},); got {th.shape}, {ph.shape}, {out.shape}")
    return th, ph, out


def _transfers(mesh: MeshPhases, th, ph, mzi_loss_db):
    """The four entries of every MZI's T, times its loss amplitude (complex arrays)."""
    amp = np.broadcast_to(10.0 ** (-np.asarray(mzi_loss_db, dtype=float) / 20.0), th.shape)
    return mzi_transfers(np.ascontiguousarray(th, dtype=float),
                         np.ascontiguousarray(ph, dtype=float), np.ascontiguousarray(amp))


def n_columns(mesh: MeshPhases) -> int:
    """Physical columns of the mesh (0 for a mesh without MZIs)."""
    return int(mesh.columns.max(initial=-1)) + 1


def padding_slots(mesh: MeshPhases) -> list[tuple[int, int]]:
    """(column, mode) of every slot no MZI occupies: where a loss-balanced layout puts a
    dummy section with the MZI's loss (a Clements mesh: the edge modes of every other
    column).  With them every column attenuates every mode alike, so a lossy mesh
    realises its lossless unitary times one scalar, amplitude(loss)^columns."""
    used = {(c, m) for c, m0 in zip(mesh.columns.tolist(), mesh.modes.tolist())
            for m in (m0, m0 + 1)}
    return [(c, m) for c in range(n_columns(mesh)) for m in range(mesh.n)
            if (c, m) not in used]


def _loss_and_screen(mesh: MeshPhases, out, mzi_loss_db, balance: bool):
    """(loss applied per MZI, output factor per mode): a balanced mesh is its lossless
    transfer times amplitude(loss)^columns, put on the output screen."""
    screen = np.exp(1j * out)
    if balance and np.ndim(mzi_loss_db) == 0 and float(mzi_loss_db) != 0.0:
        return 0.0, screen * 10.0 ** (-float(mzi_loss_db) * n_columns(mesh) / 20.0)
    return mzi_loss_db, screen


def apply_mesh(mesh: MeshPhases, x, theta=None, phi=None, out_phase=None,
               mzi_loss_db=0.0, balance: bool = True) -> np.ndarray:
    """``U · x`` for a batch of column vectors ``x`` (shape ``(n,)`` or ``(n, B)``).

    ``theta``, ``phi``, ``out_phase`` replace the mesh's phases (e.g. perturbed copies);
    ``mzi_loss_db`` is the insertion loss of every MZI [dB] (scalar or one per MZI);
    ``balance`` (scalar loss only) adds the dummy sections of :func:`padding_slots`, as
    the generated netlists do.
    """
    th, ph, out = _phases(mesh, theta, phi, out_phase)
    x = np.asarray(x)
    if x.shape[:1] != (mesh.n,):
        raise UserError(f"input has {x.shape[:1]} rows, the mesh has {mesh.n} modes")
    y = x.astype(complex)
    loss, screen = _loss_and_screen(mesh, out, mzi_loss_db, balance)
    if mesh.n_mzi:  # one compiled pass over the MZIs in light order
        yr = np.ascontiguousarray(y.real, dtype=float).reshape(mesh.n, -1)
        yi = np.ascontiguousarray(y.imag, dtype=float).reshape(mesh.n, -1)
        apply_mzis(yr, yi, mesh.modes, *_transfers(mesh, th, ph, loss), False)
        y = (yr + 1j * yi).reshape(y.shape)
    return y * screen.reshape((mesh.n,) + (1,) * (y.ndim - 1))


def mesh_rows(mesh: MeshPhases, rows: int, theta=None, phi=None, out_phase=None,
              mzi_loss_db=0.0, balance: bool = True) -> np.ndarray:
    """The first ``rows`` rows of the mesh's matrix, ``U[:rows, :]``, at the cost of
    ``rows`` row vectors pushed backwards through the mesh (not of the whole matrix)."""
    th, ph, out = _phases(mesh, theta, phi, out_phase)
    loss, screen = _loss_and_screen(mesh, out, mzi_loss_db, balance)
    screen = screen[:rows]
    yr, yi = np.zeros((mesh.n, rows)), np.zeros((mesh.n, rows))  # yᵀ, one row per mode
    yr[np.arange(rows), np.arange(rows)] = screen.real
    yi[np.arange(rows), np.arange(rows)] = screen.imag
    if mesh.n_mzi:
        t00, t01, t10, t11 = _transfers(mesh, th, ph, loss)
        apply_mzis(yr, yi, mesh.modes, t00, t10, t01, t11, True)
    return (yr + 1j * yi).T


def mesh_matrix(mesh: MeshPhases, theta=None, phi=None, out_phase=None,
                mzi_loss_db=0.0, balance: bool = True) -> np.ndarray:
    """The n×n transfer matrix U of the mesh (optionally with replaced phases)."""
    return apply_mesh(mesh, np.eye(mesh.n, dtype=complex), theta, phi, out_phase,
                      mzi_loss_db, balance)
