"""Run a sweep: check every point, skip the finished ones, run the rest on Dask.

By default the points run on a ``distributed.LocalCluster`` of worker processes with one
thread each and BLAS pinned to one thread; with a scheduler address they run on that
existing cluster (its workers need the emulator installed and the same files at the same
paths).  ``workers=0`` runs them one after the other in this process (tests, debugging).
Each result is stored the moment it arrives (:mod:`.store`); the reports are rebuilt at
the end, also after an interruption.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from components.errors import Problem, UserError

from .check import check_points
from .points import Point, expand
from .report import write_reports
from .spec import Sweep, load_sweep
from .store import Store, rows, write_csv
from .worker import run_point

# one BLAS / OpenMP thread per worker process: points are the unit of parallelism
THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "VECLIB_MAXIMUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1"}
CONNECT_TIMEOUT_S = 10


@dataclass
class SweepRun:
    sweep: Sweep
    points: list[Point]
    records: dict  # hash -> stored record
    ran: int  # points run by this call
    skipped: int  # points already finished before it
    results: dict  # content of results.json
    out: Path

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.results["points"] if r["status"] == "failed"]

    @property
    def table(self):
        """One row per finished point: parameters, metrics, status (a pandas DataFrame
        when pandas is installed)."""
        from emulator.io.frames import frame

        return frame(rows(self.sweep, self.points, self.records), "point")

    @property
    def figures(self) -> dict:
        """The Pareto plots as matplotlib Figures, by the name of their PNG file."""
        from . import pareto as pf
        from .report import pareto_plot, plot_name

        ok = [r for r in rows(self.sweep, self.points, self.records) if r["status"] == "ok"]
        by_name = {m.name: m for m in self.sweep.metrics}
        out = {}
        for x, y in self.sweep.pareto:
            res = pf.pareto(ok, by_name[x], by_name[y])
            if res["points"]:
                out[plot_name(x, y)] = pareto_plot(None, self.sweep, ok, res, by_name[x],
                                                   by_name[y])
        return out


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def plan(sweep: Sweep | str | Path) -> tuple[Sweep, list[Point]]:
    """The sweep and its points, every point checked against the scenario schema."""
    if not isinstance(sweep, Sweep):
        sw = load_sweep(sweep)
        return sw, sw.points
    if not sweep.points:
        sweep.points = expand(sweep)
        check_points(sweep, sweep.points)
    return sweep, sweep.points


def run_sweep(sweep: Sweep | str | Path, out: str | Path, *, workers: int | None = None,
              scheduler: str | None = None, client=None, retry_failed: bool = False,
              progress: bool = False, console: Console | None = None) -> SweepRun:
    """Run every unfinished point of ``sweep``; results and reports go to ``out``.

    ``workers``: local worker processes (default: the CPUs of this machine; 0 = in this
    process, one point after the other).  ``scheduler``: address of a running
    ``dask.distributed`` scheduler instead.  ``client``: an open ``distributed.Client``
    to use (benchmarks).  ``retry_failed``: run failed points again.
    """
    sw, points = plan(sweep)
    store = Store(out)
    records, others = store.load(points)
    todo = [pt for pt in points if pt.hash not in records
            or (retry_failed and records[pt.hash]["status"] == "failed")]
    for pt in todo:
        records.pop(pt.hash, None)
    skipped = len(points) - len(todo)
    console = console or Console(stderr=True)
    failed = sum(r["status"] == "failed" for r in records.values())
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("points, {task.fields[failed]} failed"), TimeElapsedColumn(),
               TextColumn("left"), TimeRemainingColumn())
    with contextlib.ExitStack() as stack:
        if todo and client is None and (scheduler or workers != 0):
            if progress:
                console.print(f"connecting to {scheduler}" if scheduler else
                              f"starting {workers or default_workers()} local Dask workers")
            client = stack.enter_context(dask_client(workers, scheduler))
        store.prepare()  # only now: a bad sweep file or scheduler leaves no folder behind
        try:
            with Progress(*columns, console=console, disable=not progress) as bar, \
                    contextlib.closing(_execute(sw, todo, client)) as results:
                task = bar.add_task(f"sweep {sw.name}", total=len(points), completed=skipped,
                                    failed=failed)
                for pt, result in results:
                    records[pt.hash] = store.save(sw, pt, result)
                    write_csv(store.out / "results.csv", sw, rows(sw, points, records))
                    if result["status"] == "failed":
                        failed += 1
                        if progress:
                            bar.console.print(f"point {pt.index} failed: {result['error']}",
                                              markup=False, highlight=False)
                    bar.update(task, advance=1, failed=failed)
        finally:
            summary = write_reports(store.out, sw, points, records, others)
    return SweepRun(sw, points, records, len(todo), skipped, summary, store.out)


def _execute(sw: Sweep, todo: list[Point], client) -> Iterator[tuple[Point, dict]]:
    """(point, result) pairs as points finish: on Dask, or here one after the other."""
    base = str(sw.base)
    if client is None:
        for pt in todo:
            yield pt, run_point(base, pt.overrides)
    elif todo:
        yield from _on_dask(client, base, todo)


def _on_dask(client, base: str, todo: list[Point]) -> Iterator[tuple[Point, dict]]:
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]  # keys unique on a shared scheduler
    futures = {client.submit(run_point, base, pt.overrides, key=f"sweep-point-{pt.hash}-{token}",
                             retries=0): pt for pt in todo}
    try:
        for fut in as_completed(futures):
            pt = futures.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. the worker died (KilledWorker)
                result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                          "report": None, "wall_s": None, "host": None}
            fut.release()
            yield pt, result
    finally:
        if futures:
            client.cancel(list(futures))


@contextlib.contextmanager
def _workers_ignore_sigint():
    """Worker processes started meanwhile inherit an ignored SIGINT: Ctrl-C stops the
    sweep here (which closes the cluster), not with a traceback from every worker."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None):
    """A ``distributed.Client``: on ``scheduler``, or on a new LocalCluster of ``workers``
    single-threaded processes (closed on exit)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(Problem(f"cannot reach the Dask scheduler at {scheduler!r} "
                                    f"({type(exc).__name__}: {exc})",
                                    hint="start one with `dask scheduler` and workers with "
                                    "`dask worker ADDRESS`, or leave out --scheduler")) from None
        try:
            yield client
        finally:
            client.close()
        return
    n = default_workers() if workers is None else workers
    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **THREAD_ENV}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), \
            _workers_ignore_sigint():
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR,
                               env=THREAD_ENV)
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()
