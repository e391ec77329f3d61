"""Pareto fronts of two metrics, and their plots (every design, the front highlighted)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from emulator.io import save_figure

from .metrics import Metric

MAX_LABELS = 12  # front points annotated with their point number


def front(xs, ys, goal_x: str = "min", goal_y: str = "min") -> list[int]:
    """Positions of the points no other point beats: at least as good in both metrics and
    better in one.  Equal points are all kept."""
    x = np.asarray(xs, dtype=float) * (-1.0 if goal_x == "max" else 1.0)
    y = np.asarray(ys, dtype=float) * (-1.0 if goal_y == "max" else 1.0)
    keep = []
    for i in range(len(x)):
        dominated = (x <= x[i]) & (y <= y[i]) & ((x < x[i]) | (y < y[i]))
        if not dominated.any():
            keep.append(i)
    return keep


def pareto(table: list[dict], mx: Metric, my: Metric) -> dict:
    """The front of a results table: which points, in order of the x metric."""
    usable = [r for r in table if r.get(mx.name) is not None and r.get(my.name) is not None]
    idx = front([r[mx.name] for r in usable], [r[my.name] for r in usable], mx.goal, my.goal)
    on = sorted((usable[i] for i in idx), key=lambda r: (r[mx.name], r[my.name], r["point"]))
    return {"x": mx.name, "y": my.name, "goals": [mx.goal, my.goal],
            "points": len(usable), "front": [r["point"] for r in on]}


def _axis_label(m: Metric) -> str:
    if m.unit == "1" and "accuracy" in m.name:
        return f"{m.label} [%]"
    return m.label if m.unit == "1" else f"{m.label} [{m.unit}]"


def _scale(m: Metric, v: np.ndarray) -> np.ndarray:
    return v * 100.0 if (m.unit == "1" and "accuracy" in m.name) else v


def plot(path: Path, table: list[dict], result: dict, mx: Metric, my: Metric,
         color_by: str | None = None, title: str = "") -> Path:
    usable = [r for r in table if r.get(mx.name) is not None and r.get(my.name) is not None]
    on = set(result["front"])
    fig = Figure(figsize=(7.5, 5.0))
    ax = fig.add_subplot()
    x = _scale(mx, np.array([r[mx.name] for r in usable], dtype=float))
    y = _scale(my, np.array([r[my.name] for r in usable], dtype=float))
    groups = sorted({str(r.get(color_by)) for r in usable}) if color_by else []
    if color_by and 1 < len(groups) <= 10:
        cmap = [f"C{i}" for i in range(10)]
        for gi, g in enumerate(groups):
            sel = np.array([str(r.get(color_by)) == g for r in usable])
            ax.scatter(x[sel], y[sel], s=28, color=cmap[gi], alpha=0.75,
                       label=f"{color_by} = {g}")
    else:
        ax.scatter(x, y, s=28, color="0.55", alpha=0.75, label=f"designs ({len(usable)})")
    order = [i for i in sorted(range(len(usable)), key=lambda i: (x[i], y[i]))
             if usable[i]["point"] in on]
    if order:
        ax.plot(x[order], y[order], color="crimson", lw=1.5, drawstyle="steps-post", zorder=3)
        ax.scatter(x[order], y[order], s=90, facecolors="none", edgecolors="crimson", lw=2,
                   zorder=4, label=f"Pareto front ({len(order)})")
        for i in order[:MAX_LABELS]:
            ax.annotate(f"#{usable[i]['point']}", (x[i], y[i]), textcoords="offset points",
                        xytext=(5, 5), fontsize=7, color="crimson")
    for axis, vals, setter in ((mx, x, ax.set_xscale), (my, y, ax.set_yscale)):
        pos = vals[vals > 0]
        if axis.unit != "1" and len(pos) == len(vals) and len(vals) and \
                pos.max() / pos.min() > 100:
            setter("log")
    ax.set_xlabel(_axis_label(mx) + (" (lower is better)" if mx.goal == "min" else
                                     " (higher is better)"))
    ax.set_ylabel(_axis_label(my) + (" (lower is better)" if my.goal == "min" else
                                     " (higher is better)"))
    ax.set_title(title or f"{my.name} vs {mx.name}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="best")
    save_figure(fig, path)
    return path
