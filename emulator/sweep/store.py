"""The results store of a sweep: one JSON file per finished point, and the table.

``DIR/points/<hash>.json`` is written atomically the moment a point finishes (by the
process that drives the sweep, never by a worker), so a sweep killed at any moment loses
at most the points that were still running.  A point file holds the point's parameters,
its status (``ok`` or ``failed`` with the error message), wall time and its report without
per-epoch curves.  ``DIR/results.csv`` is rebuilt from the finished points after each one.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import time
from pathlib import Path
from typing import Any

from emulator.io.files import atomic_write, write_json, write_text

from .points import Point
from .spec import Sweep

FORMAT = 1
STATUSES = ("ok", "failed")
STALE_TEMP_S = 60.0  # temporary files older than this were left by a killed run


class Store:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.points_dir = self.out / "points"

    def path(self, h: str) -> Path:
        return self.points_dir / f"{h}.json"

    def prepare(self) -> None:
        self.points_dir.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for tmp in self.points_dir.glob(".*.tmp"):
            try:
                if now - tmp.stat().st_mtime > STALE_TEMP_S:
                    tmp.unlink()
            except FileNotFoundError:
                pass

    def load(self, points: list[Point]) -> tuple[dict[str, dict], int]:
        """Finished points of this sweep by hash, and the number of other point files."""
        done = {}
        for pt in points:
            rec = self.read(pt.hash)
            if rec is not None:
                done[pt.hash] = rec
        wanted = {pt.hash for pt in points}
        others = sum(1 for f in self.points_dir.glob("*.json") if f.stem not in wanted) \
            if self.points_dir.is_dir() else 0
        return done, others

    def read(self, h: str) -> dict | None:
        try:
            rec = json.loads(self.path(h).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return None  # absent, or not ours: the point runs again
        if not isinstance(rec, dict) or rec.get("hash") != h or rec.get("status") not in STATUSES:
            return None
        return rec

    def save(self, sw: Sweep, pt: Point, result: dict) -> dict:
        rec = {"format": FORMAT, "sweep": sw.name, "hash": pt.hash, "point": pt.index,
               "params": pt.params, "overrides": pt.overrides, **result}
        write_json(self.path(pt.hash), rec)
        return rec


# ----------------------------------------------------------------------------- table

def display(sw: Sweep, key: str, value: Any) -> Any:
    """A parameter value as the sweep file wrote it (paths relative to the sweep file)."""
    if isinstance(value, str):
        return sw.display.get((key, value), value)
    return value


def rows(sw: Sweep, points: list[Point], records: dict[str, dict]) -> list[dict]:
    """One row per finished point, in point order: parameters, metrics, error."""
    out = []
    for pt in points:
        rec = records.get(pt.hash)
        if rec is None:
            continue
        row = {"point": pt.index, "hash": pt.hash, "status": rec["status"]}
        row.update({k: display(sw, k, v) for k, v in pt.params.items()})
        report = rec.get("report") or {}
        row.update({m.name: m.value(report) if rec["status"] == "ok" else None
                    for m in sw.metrics})
        row["error"] = rec.get("error")
        out.append(row)
    return out


def columns(sw: Sweep) -> list[str]:
    return ["point", "hash", "status", *[p.key for p in sw.params],
            *[m.name for m in sw.metrics], "error"]


def cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)  # shortest text that reads back to the same float
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"), sort_keys=True)
    return str(v)


def write_csv(path: Path, sw: Sweep, table: list[dict]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = columns(sw)
    w.writerow(cols)
    for row in table:
        w.writerow([cell(row.get(c)) for c in cols])
    return write_text(path, buf.getvalue())


def write_parquet(path: Path, sw: Sweep, table: list[dict]) -> Path | None:
    """The same table as Parquet, only when pyarrow is installed."""
    if importlib.util.find_spec("pyarrow") is None:
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = {}
    for c in columns(sw):
        vals = [row.get(c) for row in table]
        numeric = all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
                      for v in vals)
        data[c] = vals if numeric else [None if v is None else cell(v) for v in vals]
    atomic_write(path, lambda fh: pq.write_table(pa.table(data), fh), mode="wb")
    return path
