"""The reports of a sweep, rebuilt from its point files: ``results.csv`` (and
``results.parquet`` when pyarrow is installed), ``results.json``, Pareto plots and
``summary.md`` (best design by each metric, the fronts, the failures)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from components.errors import did_you_mean
from emulator.io.files import write_json, write_text
from components.units import fmt

from . import pareto as pf
from .metrics import Metric, report_paths
from .points import Point
from .spec import Sweep, short_value
from .store import display, rows, write_csv, write_parquet


def best(table: list[dict], metrics: list[Metric]) -> dict:
    """Per metric, the first point with the best value (None when no point has one)."""
    out = {}
    for m in metrics:
        top = None
        for row in table:
            v = row.get(m.name)
            if v is not None and (top is None or m.better(v, top[m.name])):
                top = row
        out[m.name] = None if top is None else {"point": top["point"], "hash": top["hash"],
                                                "value": top[m.name]}
    return out


def value_text(m: Metric, v) -> str:
    if v is None:
        return "-"
    if m.unit == "1" and "accuracy" in m.name:
        return f"{100 * v:.2f} %"
    if m.unit == "1":
        return f"{v:g}"
    return fmt(v, m.unit)


def params_text(row: dict, sw: Sweep) -> str:
    return ", ".join(f"{p.key}={row.get(p.key)}" for p in sw.params)


def plot_name(x: str, y: str) -> str:
    safe = lambda s: re.sub(r"[^A-Za-z0-9_]+", "_", s)  # noqa: E731
    return f"pareto_{safe(x)}_vs_{safe(y)}.png"


def warnings_for(sw: Sweep, records: dict, table: list[dict], others: int) -> list[str]:
    out = []
    ok = [r for r in records.values() if r["status"] == "ok" and r.get("report")]
    for m in sw.metrics:
        if ok and all(row.get(m.name) is None for row in table if row["status"] == "ok"):
            hint = did_you_mean(m.path, report_paths(ok[0]["report"])) if m.shortcut is None \
                else None
            out.append(f"metric {m.name!r} is missing from every report"
                       + (f" ({hint})" if hint else ""))
    if others:
        out.append(f"{others} point file(s) in points/ belong to other sweeps (another base, "
                   "other fixed values or parameters); they are not in these results")
    return out


def pareto_plot(path: Path | None, sw: Sweep, ok_rows: list[dict], res: dict, mx, my):
    """The Pareto plot of metrics ``mx``, ``my`` (written to ``path``, or returned as a
    Figure with ``path=None``): colour and marker from the first two parameters."""
    styles = [(p.key, [display(sw, p.key, v) for v in p.values])
              for p in sw.params[:2] if p.values] + [None, None]
    return pf.plot(path, ok_rows, res, mx, my, styles[0], styles[1],
                   title=f"{sw.name}: {my.label} vs {mx.label}",
                   short=lambda k, v: f"{_legend_name(sw, k)} = {short_value(k, v)}")


def _legend_name(sw: Sweep, key: str) -> str:
    """The shortest tail of a parameter's dotted key that no other parameter shares
    (``hardware.params.adc.bits`` is "adc.bits" beside ``hardware.params.dac.bits``)."""
    parts = key.split(".")
    others = [p.key.split(".") for p in sw.params if p.key != key]
    for n in range(1, len(parts) + 1):
        if all(o[-n:] != parts[-n:] for o in others):
            return ".".join(parts[-n:])
    return key


def write_reports(out: Path, sw: Sweep, points: list[Point], records: dict,
                  others: int = 0) -> dict:
    """Write every report file; return the content of ``results.json``."""
    out = Path(out)
    table = rows(sw, points, records)
    files = [write_csv(out / "results.csv", sw, table).name]
    pq = write_parquet(out / "results.parquet", sw, table)
    if pq is not None:
        files.append(pq.name)
    by_name = {m.name: m for m in sw.metrics}
    ok_rows = [r for r in table if r["status"] == "ok"]
    fronts = []
    for x, y in sw.pareto:
        res = pf.pareto(ok_rows, by_name[x], by_name[y])
        if res["points"]:
            name = plot_name(x, y)
            pareto_plot(out / name, sw, ok_rows, res, by_name[x], by_name[y])
            res["plot"] = name
            files.append(name)
        fronts.append(res)
    n_ok = len(ok_rows)
    n_failed = sum(r["status"] == "failed" for r in table)
    results = {
        "sweep": sw.name,
        "file": sw.file,
        "base": str(sw.base),
        "mode": sw.mode,
        "random": sw.random,
        "parameters": {p.key: [display(sw, p.key, v) for v in p.values] if p.values
                       else p.describe() for p in sw.params},
        "fixed": {k: display(sw, k, v) for k, v in sw.fixed.items()},
        "tied": sw.tied,
        "metrics": [{"name": m.name, "goal": m.goal, "unit": m.unit, "label": m.label,
                     "path": m.path} for m in sw.metrics],
        "counts": {"points": len(points), "ok": n_ok, "failed": n_failed,
                   "pending": len(points) - len(table)},
        "best": best(ok_rows, sw.metrics),
        "pareto": fronts,
        "points": [{"point": r["point"], "hash": r["hash"], "status": r["status"],
                    "params": {p.key: r.get(p.key) for p in sw.params},
                    "metrics": {m.name: r.get(m.name) for m in sw.metrics},
                    "error": r["error"], "wall_s": records[r["hash"]].get("wall_s")}
                   for r in table],
        "pending": [{"point": pt.index, "hash": pt.hash,
                     "params": {k: display(sw, k, v) for k, v in pt.params.items()}}
                    for pt in points if pt.hash not in records],
        "warnings": warnings_for(sw, records, table, others),
        "files": files + ["results.json", "summary.md"],
    }
    write_json(out / "results.json", results)
    write_text(out / "summary.md", summary_md(sw, results, table))
    return results


def summary_md(sw: Sweep, res: dict, table: list[dict]) -> str:
    by_point = {r["point"]: r for r in table}
    by_name = {m.name: m for m in sw.metrics}
    c = res["counts"]
    sizes = " × ".join(f"`{p.key}` ({len(p.values)})" if p.values else f"`{p.key}` (range)"
                       for p in sw.params)
    how = (f"{c['points']} points drawn at random (seed {sw.random['seed']}) over {sizes}"
           if sw.random else f"grid of {c['points']} points: {sizes}")
    lines = [f"# Sweep `{sw.name}`", "",
             f"- sweep file `{sw.file}`, base scenario `{sw.base}`",
             f"- {how}"]
    if sw.fixed:
        lines.append("- fixed: " + ", ".join(f"`{k}` = `{json.dumps(display(sw, k, v))}`"
                                             for k, v in sw.fixed.items()))
    if sw.tied:
        lines.append("- tied: " + ", ".join(f"`{k}` = `{v}`" for k, v in sw.tied.items()))
    busy = sum(p["wall_s"] or 0.0 for p in res["points"])
    lines.append(f"- finished {c['ok'] + c['failed']} of {c['points']}: {c['ok']} ok, "
                 f"{c['failed']} failed, {c['pending']} pending; {busy:.1f} s of point time")
    lines += [f"- warning: {w}" for w in res["warnings"]]
    lines += ["", "## Best design by each metric", "",
              "| metric | goal | best | point | parameters |", "|---|---|---|---|---|"]
    for m in sw.metrics:
        b = res["best"][m.name]
        if b is None:
            lines.append(f"| {m.name} | {m.goal} | - | - | - |")
        else:
            lines.append(f"| {m.name} | {m.goal} | {value_text(m, b['value'])} | "
                         f"{b['point']} | {params_text(by_point[b['point']], sw)} |")
    if res["pareto"]:
        lines += ["", "## Pareto fronts"]
    for f in res["pareto"]:
        mx, my = by_name[f["x"]], by_name[f["y"]]
        lines += ["", f"### {my.label} vs {mx.label}", ""]
        if not f["points"]:
            lines.append("No finished point has both metrics.")
            continue
        lines += [f"![{f['y']} vs {f['x']}]({f['plot']})", "",
                  f"{len(f['front'])} of {f['points']} designs are on the front "
                  f"({mx.name}: {mx.goal}, {my.name}: {my.goal}):", "",
                  f"| point | {mx.name} | {my.name} | parameters |", "|---|---|---|---|"]
        for i in f["front"]:
            r = by_point[i]
            lines.append(f"| {i} | {value_text(mx, r[mx.name])} | {value_text(my, r[my.name])}"
                         f" | {params_text(r, sw)} |")
    failed = [r for r in table if r["status"] == "failed"]
    if failed:
        lines += ["", "## Failures", "", "| point | parameters | error |", "|---|---|---|"]
        for r in failed:
            err = (r["error"] or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {r['point']} | {params_text(r, sw)} | {err} |")
    lines += ["", "## Files", "",
              "- `results.csv`: one row per finished point (parameters, metrics, error)",
              "- `results.json`: the same, with the best designs and the fronts",
              "- `points/<hash>.json`: each point's record and report (per-epoch curves "
              "left out)", ""]
    return "\n".join(lines)
