"""`photonic-emu sweep SWEEP.yaml [--out DIR] [--workers N | --scheduler ADDRESS]`:
run an architecture sweep on Dask; rerunning the same command resumes it."""

from __future__ import annotations

import argparse
from pathlib import Path

from .tables import print_table


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {n}")
    return n


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run many variants of a scenario in parallel (Dask); "
                       "results table, Pareto plots, best designs",
                       description=__doc__.splitlines()[0])
    p.add_argument("sweep", metavar="SWEEP", help="sweep YAML file")
    p.add_argument("--out", metavar="DIR", help="output folder (default sweeps/<name>); "
                   "finished points found there are not run again")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_count, metavar="N",
                       help="worker processes of a local Dask cluster, one thread each "
                       "(default: the CPUs of this machine; 0 = one point after the other "
                       "in this process)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on an existing dask.distributed scheduler, e.g. "
                       "tcp://10.0.0.5:8786")
    p.add_argument("--retry-failed", action="store_true", help="run failed points again")
    p.add_argument("--dry-run", action="store_true",
                   help="check the sweep and list its points; run nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from emulator.sweep import plan, run_sweep
    from emulator.sweep.report import params_text, value_text
    from emulator.sweep.store import Store, display

    sw, points = plan(args.sweep)
    out = Path(args.out) if args.out else Path("sweeps") / sw.name
    if args.dry_run:
        done = {}
        if (out / "points").is_dir():
            done, _ = Store(out).load(points)
        print_table(f"{sw.name}: {len(points)} points ({sw.mode}), {len(done)} finished in {out}",
                    ["point", "hash", *[p.key for p in sw.params], "status"],
                    [[pt.index, pt.hash, *[display(sw, k, v) for k, v in pt.params.items()],
                      done[pt.hash]["status"] if pt.hash in done else "to run"]
                     for pt in points])
        return 0
    res = run_sweep(sw, out, workers=args.workers, scheduler=args.scheduler,
                    retry_failed=args.retry_failed, progress=not args.quiet)
    r = res.results
    by_point = {p["point"]: {**p["params"], **p["metrics"]} for p in r["points"]}
    rows = []
    for m in sw.metrics:
        b = r["best"][m.name]
        rows.append([m.name, m.goal, "-", "-", "-"] if b is None else
                    [m.name, m.goal, value_text(m, b["value"]), b["point"],
                     params_text(by_point[b["point"]], sw)])
    c = r["counts"]
    print_table(f"{sw.name}: best design by each metric ({c['ok']} ok, {c['failed']} failed, "
                f"{c['pending']} pending of {c['points']}; {res.ran} run now, "
                f"{res.skipped} already done)", ["metric", "goal", "best", "point",
                                                 "parameters"], rows)
    if res.failed:
        print_table("failed points", ["point", "parameters", "error"],
                    [[p["point"], ", ".join(f"{k}={v}" for k, v in p["params"].items()),
                      p["error"]] for p in res.failed])
    for w in r["warnings"]:
        print(f"warning: {w}")
    print(f"results: {out / 'results.csv'}, {out / 'results.json'}")
    print(f"summary: {out / 'summary.md'}")
    return 1 if res.failed or c["pending"] else 0
