"""Small timing helpers shared by the benchmark scripts (medians; machines are noisy)."""

from __future__ import annotations

import os
import platform
import statistics
import time


def median_time(fn, repeat: int = 7, number: int = 1) -> float:
    """Median wall time [s] of ``number`` calls of ``fn`` over ``repeat`` runs, per call."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def machine() -> str:
    """CPU model, cores, load average (the machines are shared), Python and numpy."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "load average unknown"
    return (f"{cpu}, {os.cpu_count()} cores, {load}; Python {platform.python_version()}, "
            f"numpy {np.__version__}")


def interleaved(fns: dict, rounds: int = 15, calls=None, best=None) -> dict:
    """Median seconds per call of each function, measured round-robin (the fastest
    round of each goes into ``best`` if given)."""
    calls = calls or {}
    times = {k: [] for k in fns}
    for f in fns.values():
        f()  # warm-up
    for _ in range(rounds):
        for k, f in fns.items():
            n = calls.get(k, 10)
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            times[k].append((time.perf_counter() - t0) / n)
    if best is not None:
        best.update({k: min(v) for k, v in times.items()})
    return {k: statistics.median(v) for k, v in times.items()}
