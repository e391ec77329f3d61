"""Architecture-exploration sweeps: many variants of one scenario, run in parallel on Dask.

The pipeline: sweep file → :func:`load_sweep` (schema, scenario key paths, metrics) →
:func:`expand` (grid or seeded random draw, one hash per point) → :func:`check_points`
(every point's overrides through the scenario schema) → :func:`run_sweep` (Dask, each
finished point stored atomically, finished points skipped on a rerun) → reports
(``results.csv``/``.json``, Pareto plots, ``summary.md``).

The package is also callable: ``emulator.sweep(file, out, ...)`` is :func:`run_sweep`
(the notebook API's ``pe.sweep``), while ``emulator.sweep.runner`` and the rest stay
importable as usual.
"""

import sys
import types

from .check import check_points
from .metrics import SHORTCUTS, Metric
from .points import Point, expand
from .runner import SweepRun, dask_client, plan, run_sweep
from .spec import SWEEP_SCHEMA, Sweep, load_sweep



class _CallableSweep(types.ModuleType):
    def __call__(self, *args, **kwargs) -> SweepRun:
        return run_sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableSweep

__all__ = ["SHORTCUTS", "SWEEP_SCHEMA", "Metric", "Point", "Sweep", "SweepRun", "check_points",
           "dask_client", "expand", "load_sweep", "plan", "run_sweep"]
