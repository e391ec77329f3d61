"""What runs on a Dask worker (or in-process with ``--workers 0``): one sweep point.

:func:`run_point` never raises for a point that fails: it returns a record with the error
message (the problems of a :class:`~components.errors.UserError`, or the exception's type and
message for anything else), so one bad point never stops the sweep.
"""

from __future__ import annotations

import copy
import math
import os
import socket
import time

# written with every point, not part of its identity: they change no metric
RUN_ONLY = {"outputs.plots": False, "outputs.trace": False}
# per-epoch curves make a point file large and are not sweep metrics
_DROP = ("history", "output_dir")


def run_point(base: str, overrides: dict) -> dict:
    """Run the base scenario with ``overrides``; return a record for the results store."""
    from components.errors import UserError
    from emulator.scenario import run_scenario

    t0 = time.perf_counter()
    record = {"status": "ok", "error": None, "report": None}
    try:
        report = run_scenario(base, overrides={**copy.deepcopy(overrides), **RUN_ONLY},
                              quiet=True, write=False)
        record["report"] = compact(report)
    except UserError as err:
        record.update(status="failed", error="; ".join(str(p) for p in err.problems))
    except Exception as exc:  # noqa: BLE001 - any failure of one point is recorded, not raised
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    record["wall_s"] = time.perf_counter() - t0
    record["host"] = f"{socket.gethostname()}:{os.getpid()}"
    return record


def compact(data):
    """The report as plain JSON data without per-epoch curves (sweep metrics are final
    figures); NaN and infinities become None (JSON has no place for them)."""
    if isinstance(data, dict):
        return {str(k): compact(v) for k, v in data.items() if k not in _DROP}
    if isinstance(data, (list, tuple)):
        return [compact(v) for v in data]
    if hasattr(data, "tolist") and not isinstance(data, (str, bytes)):
        return compact(data.tolist())  # numpy scalar or array
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    return str(data)
