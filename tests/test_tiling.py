"""The one tiler (:mod:`emulator.tiling`): tiles cover a block exactly once, and the
scenario's step schedule and the CNN workload cut the same block into the same tiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emulator.conv import build_net, tile_jobs, workload
from emulator.training.net import init_weights
from emulator.scenario import load_scenario
from emulator.scenario.step import Block, plan_tiles
from emulator.tiling import cut, grid

ROOT = Path(__file__).resolve().parents[1]


def test_tiles_reassemble_the_block_in_row_major_order():
    W = np.arange(7 * 11, dtype=float).reshape(7, 11)
    tiles = list(cut(W, 3, 4))
    assert grid(W.shape, 3, 4) == (3, 3)
    assert [(t.row, t.col) for t in tiles] == [(r, c) for r in range(3) for c in range(3)]
    assert [t.matrix.shape for t in tiles[:3]] == [(3, 4), (3, 4), (3, 3)]
    assert tiles[-1].matrix.shape == (1, 3)
    back = np.block([[tiles[3 * r + c].matrix for c in range(3)] for r in range(3)])
    assert np.array_equal(back, W)


def test_a_block_that_fits_is_one_tile():
    W = np.ones((4, 5))
    (t,) = cut(W, 4, 5)
    assert (t.row, t.col) == (0, 0) and np.array_equal(t.matrix, W)


@pytest.mark.slow
def test_step_schedule_and_cnn_workload_cut_the_same_tiles():
    sc = load_scenario(ROOT / "scenarios" / "mnist5k_cnn.yaml", {"training.epochs": 1})
    core = sc.core
    net = build_net((1, 28, 28), "column_strip", hidden=40)  # 40 > 32: two row tiles
    W = init_weights(net, np.random.default_rng(0))
    jobs = tile_jobs(net, W, ports=core.n_in, ports_out=core.n_out)
    layer = net.layers[0]
    _, rows, cols, _ = layer.blocks()
    blocks = [Block(b) for b in np.asarray(W[0], dtype=float).reshape(-1, rows, cols)]
    tiles = plan_tiles(core, [blocks], cores=4)
    mine = [j for j in jobs if j.layer == layer.name]
    assert len(tiles) == len(mine) == workload(net, ports=core.n_in).layers[0].weight_tiles
    for t, j in zip(tiles, mine):
        assert (t.block, t.row, t.col) == (j.block, j.row, j.col)
        assert (t.rows, t.cols) == j.matrix.shape
