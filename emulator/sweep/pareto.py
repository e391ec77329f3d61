"""Pareto fronts of two metrics, and their plots (every design, the front highlighted)."""

from __future__ import annotations

import json
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from emulator.io.files import save_figure

if TYPE_CHECKING:  # plotting imports matplotlib only when it draws
    from matplotlib.figure import Figure

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


def _k(v):
    return json.dumps(v, sort_keys=True, default=str)


def _styles(by: tuple[str, list] | None, rows: list[dict], styles: list) -> tuple:
    """``(key, {value as JSON: (value, style)})`` when the parameter ``by`` takes few
    enough values, else ``(None, {})``."""
    if by is None:
        return None, {}
    key, values = by
    present = {_k(r.get(key)) for r in rows}
    values = [v for v in values if _k(v) in present]
    if not 1 < len(values) <= len(styles):
        return None, {}
    return key, {_k(v): (v, s) for v, s in zip(values, styles)}


def _axis_label(m: Metric) -> str:
    if m.unit == "1" and "accuracy" in m.name:
        return f"{m.label} [%]"
    return m.label if m.unit == "1" else f"{m.label} [{m.unit}]"


def _scale(m: Metric, v: np.ndarray) -> np.ndarray:
    return v * 100.0 if (m.unit == "1" and "accuracy" in m.name) else v


def plot(path: Path | None, table: list[dict], result: dict, mx: Metric, my: Metric,
         color_by: tuple[str, list] | None = None, marker_by: tuple[str, list] | None = None,
         title: str = "", short=lambda key, v: f"{key} = {v}") -> "Path | Figure":
    """Every design as a dot (colour: the first parameter, shape: the second, when they
    take few values), the front as a red staircase with circled, numbered points.
    Written to ``path`` (returned), or with ``path=None`` the ``Figure`` is returned."""
    from matplotlib.figure import Figure  # plotting only: importing the package stays light
    from matplotlib.lines import Line2D

    usable = [r for r in table if r.get(mx.name) is not None and r.get(my.name) is not None]
    on = set(result["front"])
    fig = Figure(figsize=(7.5, 5.0))
    ax = fig.add_subplot()
    x = _scale(mx, np.array([r[mx.name] for r in usable], dtype=float))
    y = _scale(my, np.array([r[my.name] for r in usable], dtype=float))
    colors = _styles(color_by, usable, [f"C{i}" for i in range(10)])
    markers = _styles(marker_by, usable, list("os^Dv<>P"))
    for i, r in enumerate(usable):
        c = colors[1][_k(r.get(colors[0]))][1] if colors[0] else "0.5"
        mk = markers[1][_k(r.get(markers[0]))][1] if markers[0] else "o"
        ax.scatter(x[i], y[i], s=30, color=c, marker=mk, alpha=0.8, lw=0)
    handles = [Line2D([], [], ls="", marker="o", color=c, label=short(colors[0], v))
               for v, c in colors[1].values()] if colors[0] else \
        [Line2D([], [], ls="", marker="o", color="0.5", label=f"designs ({len(usable)})")]
    if markers[0]:
        handles += [Line2D([], [], ls="", marker=m, color="0.3", label=short(markers[0], v))
                    for v, m in markers[1].values()]
    order = [i for i in sorted(range(len(usable)), key=lambda i: (x[i], y[i]))
             if usable[i]["point"] in on]
    if order:
        ax.plot(x[order], y[order], color="crimson", lw=1.5, drawstyle="steps-post", zorder=3)
        ax.scatter(x[order], y[order], s=110, facecolors="none", edgecolors="crimson", lw=1.8,
                   zorder=4)
        handles.append(Line2D([], [], color="crimson", marker="o", mfc="none",
                              label=f"Pareto front ({len(order)})"))
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
    ax.legend(handles=handles, fontsize=7, loc="best")
    if path is None:
        return fig
    save_figure(fig, path)
    return path
