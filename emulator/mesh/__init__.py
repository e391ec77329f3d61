"""MZI meshes: the 2x2 MZI (:mod:`.mzi`), mesh topology and transfer (:mod:`.layout`),
Clements and Reck decompositions, SVD mapping of any matrix (:mod:`.svd`) and phase
imperfections (:mod:`.perturb`).  One MZI convention throughout; see :mod:`.mzi`."""

from . import clements, reck
from .layout import MeshPhases, apply_mesh, mesh_matrix, mesh_rows
from .mzi import mzi_matrices, mzi_matrix, wrap_phase
from .perturb import perturb_mesh, quantize_phases, static_phase_error, thermal_crosstalk
from .svd import DECOMPOSERS, SVDMapping, svd_apply, svd_map, svd_matrix

__all__ = [
    "MeshPhases", "SVDMapping", "DECOMPOSERS", "apply_mesh", "clements", "mesh_matrix",
    "mesh_rows",
    "mzi_matrices", "mzi_matrix", "perturb_mesh", "quantize_phases", "reck",
    "static_phase_error", "svd_apply", "svd_map", "svd_matrix", "thermal_crosstalk",
    "wrap_phase",
]
