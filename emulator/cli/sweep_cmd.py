"""Run an architecture sweep on Dask; the same command again resumes it.

`photonic-emu sweep SWEEP.yaml [--out DIR] [--workers N | --scheduler ADDRESS]`
"""

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


def _headers(keys: list[str]) -> list[str]:
    """Column titles: the last part of each dotted key, unless two would be equal."""
    short = [k.rsplit(".", 1)[-1] for k in keys]
    return short if len(set(short)) == len(short) else list(keys)


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
    from emulator.sweep.report import value_text
    from emulator.sweep.spec import short_value
    from emulator.sweep.store import Store, display

    sw, points = plan(args.sweep)
    out = Path(args.out) if args.out else Path("sweeps") / sw.name
    if args.dry_run:
        done = {}
        if (out / "points").is_dir():
            done, _ = Store(out).load(points)
        print_table(f"{sw.name}: {len(points)} points ({sw.mode}), {len(done)} finished in {out}",
                    ["point", "hash", *_headers([p.key for p in sw.params]), "status"],
                    [[pt.index, pt.hash,
                      *[short_value(k, display(sw, k, v)) for k, v in pt.params.items()],
                      done[pt.hash]["status"] if pt.hash in done else "to run"]
                     for pt in points])
        return 0
    res = run_sweep(sw, out, workers=args.workers, scheduler=args.scheduler,
                    retry_failed=args.retry_failed, progress=not args.quiet)
    r = res.results
    keys = [p.key for p in sw.params]
    by_point = {p["point"]: p["params"] for p in r["points"]}
    rows = []
    for m in sw.metrics:
        b = r["best"][m.name]
        rows.append([m.name, "-", "-", *["" for _ in keys]] if b is None else
                    [m.name, value_text(m, b["value"]), b["point"],
                     *[short_value(k, by_point[b["point"]][k]) for k in keys]])
    c = r["counts"]
    print_table(f"{sw.name}: best design by each metric ({c['ok']} ok, {c['failed']} failed, "
                f"{c['pending']} pending of {c['points']}; {res.ran} run now, "
                f"{res.skipped} done before)",
                ["metric", "best", "point", *_headers(keys)], rows)
    if res.failed:
        print_table("failed points", ["point", *_headers(keys), "error"],
                    [[p["point"], *[short_value(k, p["params"][k]) for k in keys], p["error"]]
                     for p in res.failed])
    for w in r["warnings"]:
        print(f"warning: {w}")
    print(f"results: {out / 'results.csv'}, {out / 'results.json'}")
    print(f"summary: {out / 'summary.md'}")
    return 1 if res.failed or c["pending"] else 0
