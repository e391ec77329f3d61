"""Writes ``quickstart_costs.json``: the per-pass costs of the quick start's hardware
(``scenarios/quickstart.yaml``: four 16x16 thermo cores, batch 64) for fixed weights, and
of a CNN-shaped block list (a shared conv kernel at 576 positions, a 28-column strip and a
dense head) on the 32-port core of ``scenarios/mnist5k_cnn.yaml``.

The weights come from ``emulator.rng`` (not from training), so the file pins the mapping
and costing alone.  Regenerate only when a cost change is intended::

    python tests/golden/make_costs.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from emulator.rng import stream  # noqa: E402
from emulator.scenario import load_scenario  # noqa: E402
from emulator.scenario.run import cost_step  # noqa: E402
from emulator.scenario.step import Block  # noqa: E402

OUT = Path(__file__).with_name("quickstart_costs.json")


def dense_blocks(sizes, seed=0):
    rng = stream(seed, "init")
    return [[Block(rng.normal(0, 0.3, (m, n)))] for n, m in zip(sizes, sizes[1:])]


def cnn_blocks(seed=0):
    rng = stream(seed, "init")
    conv = [Block(rng.normal(0, 0.3, (4, 25)), 24 * 24)]  # 5x5 kernel, 4 channels
    strip = [Block(rng.normal(0, 0.3, (28, 28))) for _ in range(28)]
    head = [Block(rng.normal(0, 0.3, (10, 40)))]  # 40 inputs: two column tiles
    return [conv, strip, head]


def costs(step) -> dict:
    return {"passes": {name: p.to_dict() for name, p in step.passes.items()},
            "step": step.step(), "tiles": len(step.tiles), "stationary": step.stationary,
            "tile_shapes": [[t.layer, t.block, t.row, t.col, t.rows, t.cols, t.core]
                            for t in step.tiles]}


def compute() -> dict:
    qs = load_scenario(ROOT / "scenarios" / "quickstart.yaml", {"training.epochs": 1})
    cnn = load_scenario(ROOT / "scenarios" / "mnist5k_cnn.yaml", {"training.epochs": 1})
    return {"quickstart": costs(cost_step(qs, dense_blocks([64, 32, 10]), 64, trace=False)),
            "cnn_blocks": costs(cost_step(cnn, cnn_blocks(), 784, trace=False))}


if __name__ == "__main__":
    OUT.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
