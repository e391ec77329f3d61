"""What mapping a weight tile onto an SVD layer costs a digital controller, counted from
the operations the mapping performs (``emulator.mesh.svd.svd_map``).

* **SVD** of the m×n tile with both unitaries (``numpy.linalg.svd``, LAPACK's
  bidiagonalisation-based driver): for m ≥ n, 4m²n + 8mn² + 9n³ flops (the Golub-Reinsch
  count for Σ, U and V; Golub & Van Loan, *Matrix Computations*, 4th ed., Fig. 8.6.1); a
  multiply-accumulate is two flops.
* **Mesh decompositions** of U (m×m) and V† (n×n): one nulling per MZI, k(k−1)/2 for a
  k-mode mesh, each a 2×2 complex rotation of two rows (or columns) of k complex entries:
  two complex multiplies and an add per entry, 8 real MACs, so 16·k MACs per nulling.
  Each nulling first takes an angle and a phase from two entries: ``NULLING_SCALAR_OPS``
  scalar operations (two magnitudes, two arguments, an atan2, a sine and a cosine).
  The nullings form a chain (each depends on the last), so only a rotation's 2k entries
  run in parallel: the digital unit's lanes beyond 2k stay idle.
* **Attenuators**: per singular value, ``ATTENUATOR_SCALAR_OPS``: the setting θ = 2·asin(σ)
  and its output phase taken off V†'s output screen.

Not charged: the emulator's gauge (:func:`emulator.mesh.svd.gauge`), which fixes the
SVD's free phases and null-space bases so that every machine maps a tile alike; a
controller's own LAPACK makes some such choice at no extra cost, and the gauge's O(m·k)
scaling is small beside the SVD's O(m³).
"""

from __future__ import annotations

from dataclasses import dataclass

NULLING_SCALAR_OPS = 7
ATTENUATOR_SCALAR_OPS = 2


@dataclass(frozen=True)
class MappingOps:
    svd_macs: int  # full-parallel work
    rotation_macs: int  # the nullings' row/column updates of both meshes
    scalar_ops: int  # angles and phases, one chain
    parallel: int  # entries a rotation updates at once (2·k of the larger mesh)

    @property
    def macs(self) -> int:
        return self.svd_macs + self.rotation_macs + self.scalar_ops


def svd_flops(m: int, n: int) -> int:
    """Flops of an m×n SVD with both unitaries (Golub-Reinsch count)."""
    big, small = max(m, n), min(m, n)
    return 4 * big * big * small + 8 * big * small * small + 9 * small ** 3


def mesh_nullings(k: int) -> int:
    return k * (k - 1) // 2


def mapping_ops(m: int, n: int) -> MappingOps:
    """The digital work of mapping one m×n tile (see the module doc)."""
    rotations = sum(mesh_nullings(k) * 16 * k for k in (m, n))
    scalars = (sum(mesh_nullings(k) for k in (m, n)) * NULLING_SCALAR_OPS
               + min(m, n) * ATTENUATOR_SCALAR_OPS)
    return MappingOps(svd_macs=svd_flops(m, n) // 2, rotation_macs=rotations,
                      scalar_ops=scalars, parallel=2 * max(m, n))
