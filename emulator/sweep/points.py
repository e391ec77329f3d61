"""The points of a sweep: the full grid, or a seeded random draw; each with its hash.

A point's identity is the hash of what it computes: the base scenario's content and every
override it gets (fixed, varied and tied keys).  Results are stored under that hash, so a
resumed sweep skips what is done and a changed sweep never reuses a stale result.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import Param, Sweep

SIGNIFICANT = 6  # digits kept of a value drawn from a continuous range


@dataclass(frozen=True)
class Point:
    index: int  # position in the sweep (grid order, or draw order)
    params: dict  # varied key -> value the scenario gets
    overrides: dict  # everything the scenario gets: fixed, varied, tied
    hash: str


def canonical(data: Any) -> Any:
    """Plain JSON data with string keys (YAML allows other keys), for hashing."""
    if isinstance(data, dict):
        return {str(k): canonical(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [canonical(v) for v in data]
    return data


def point_hash(base_data: dict, overrides: dict) -> str:
    text = json.dumps({"base": canonical(base_data), "overrides": canonical(overrides)},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def range_values(low: float, high: float, num: int, log: bool, integer: bool) -> list:
    """``num`` evenly (or log-) spaced values from low to high; whole numbers deduplicated."""
    if num == 1:
        xs = [low]
    elif log:
        xs = list(np.geomspace(low, high, num))
    else:
        xs = list(np.linspace(low, high, num))
    if integer:
        out = []
        for x in xs:
            v = int(round(x))
            if v not in out:
                out.append(v)
        return out
    return [float(f"{x:.10g}") for x in xs]


def grid_size(sw: Sweep) -> float:
    return math.prod(len(p.values) if p.values else math.inf for p in sw.params)


def expand(sw: Sweep) -> list[Point]:
    """Every point of the sweep, in a fixed order (same sweep and seed: same points)."""
    combos = _random(sw) if sw.random else _grid(sw)
    points, seen = [], set()
    for values in combos:
        params = {p.key: v for p, v in zip(sw.params, values)}
        overrides = {**sw.fixed, **params, **{t: params[src] for t, src in sw.tied.items()}}
        h = point_hash(sw.base_data, overrides)
        if h in seen:
            continue
        seen.add(h)
        points.append(Point(len(points), params, overrides, h))
    return points


def _grid(sw: Sweep):
    return itertools.product(*(p.values for p in sw.params))


def _random(sw: Sweep):
    n, seed = sw.random["samples"], sw.random["seed"]
    rng = np.random.default_rng(seed)
    total = grid_size(sw)
    if math.isfinite(total):
        if n >= total:
            yield from _grid(sw)  # asked for at least the whole grid: that is the grid
            return
        if total < 2 ** 62:
            sizes = [len(p.values) for p in sw.params]
            for flat in rng.choice(int(total), size=n, replace=False):
                yield _decode(int(flat), sizes, sw.params)
            return
    seen, drawn, attempts = set(), 0, 0
    while drawn < n and attempts < 50 * n:
        attempts += 1
        values = tuple(_draw(p, rng) for p in sw.params)
        key = json.dumps(canonical(list(values)), sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        drawn += 1
        yield values


def _decode(flat: int, sizes: list[int], params: list[Param]) -> tuple:
    """Grid index -> values (the last parameter varies fastest, as in the grid)."""
    out = []
    for size, p in zip(reversed(sizes), reversed(params)):
        flat, i = divmod(flat, size)
        out.append(p.values[i])
    return tuple(reversed(out))


def _draw(p: Param, rng: np.random.Generator) -> Any:
    if p.values:
        return p.values[int(rng.integers(len(p.values)))]
    if p.integer and not p.log:
        return int(rng.integers(math.ceil(p.low), math.floor(p.high) + 1))
    if p.log:
        x = math.exp(rng.uniform(math.log(p.low), math.log(p.high)))
    else:
        x = rng.uniform(p.low, p.high)
    if p.integer:
        return int(min(max(round(x), math.ceil(p.low)), math.floor(p.high)))
    return float(f"{x:.{SIGNIFICANT}g}")
