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
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, " \
           f"Python {platform.python_version()}"
