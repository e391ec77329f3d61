"""Costing at scale (many tiles) computes what the one-by-one path computes: each tile's
static power by array against the programmed netlist, the ledger's array rows against
one-by-one entries, the per-core schedule against a hand count; the timeline and the
trace stay small."""

import time
from pathlib import Path

import numpy as np
import pytest

from emulator.engine import trace as tr
from emulator.engine.plan import static_entries
from emulator.ledger import Ledger, Model
from emulator.ledger.rows import Rows
from emulator.scenario import load_scenario
from emulator.scenario.step import Block, simulate_step

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


def _core(shifter: str):
    return load_scenario(QUICKSTART, {"training.epochs": 1, "hardware.shifter": shifter}).core


@pytest.mark.parametrize("shifter", ["thermo", "eo", "mems"])
def test_static_power_by_array_is_the_programmed_netlists(shifter):
    """Every row equals static_entries of Core.program(tile), bit for bit, with the same
    model; rows the netlist drops (zero power) are zero; scales equal."""
    core = _core(shifter)
    rng = np.random.default_rng(4)
    tiles = [rng.normal(size=(16, 16)), rng.normal(size=(10, 7)), rng.normal(size=(16, 3))]
    rows, watts, scales = core.static_power(tiles)
    index = {(n, m): i for i, (n, m) in enumerate(zip(rows.instances, rows.actions))}
    for j, t in enumerate(tiles):
        net, scale = core.program(t)
        assert scales[j] == scale
        want = np.zeros(len(rows))
        for name, _, mech, w, model in static_entries(net):
            want[index[(name, mech)]] = w
            assert rows.models[index[(name, mech)]] == model
        assert np.array_equal(watts[j], want)


def test_static_power_falls_back_to_programming_tile_by_tile():
    """The fallback (used when the layer's names are not the generator's) agrees."""
    core = _core("thermo")
    tiles = [np.random.default_rng(5).normal(size=(16, 16))]
    rows, fast, _ = core.static_power(tiles)
    _, slow, _ = core._static_power_one_by_one(tiles, rows, {
        (n, m): i for i, (n, m) in enumerate(zip(rows.instances, rows.actions))})
    assert np.array_equal(fast, slow)


def test_ledger_rows_answer_like_entries():
    """Charging a table of rows twice answers total, by kind, by instance and the entries
    as the same charges made one by one (a zero-power static row stays out, a zero-rate
    action row stays in)."""
    m = Model("x", "static_power", "hold", ())
    rows = Rows(("a", "b", "c", "d"), ("laser", "tia", "tia", "adc"),
                ("wall_plug", "bias", "bias", "convert"),
                np.array([True, True, True, False]), (m,) * 4)
    seconds, watts = [1e-6, 2e-6], np.array([[1.0, 0.0, 3.0, 0.0], [2.0, 0.0, 1.0, 0.0]])
    counts, rate = np.array([0, 0, 0, 5.0]), np.array([0, 0, 0, 0.0])
    fast, slow = Ledger(), Ledger()
    for s, w in zip(seconds, watts):
        fast.charge(rows, s, w)
        fast.charge(rows, counts, rate)
        for i in range(4):
            if rows.static[i]:
                slow.static(rows.instances[i], rows.kinds[i], rows.actions[i], w[i], s, m)
            else:
                slow.action(rows.instances[i], rows.kinds[i], rows.actions[i], counts[i],
                            rate[i], m)
    assert fast.total_j == pytest.approx(slow.total_j, rel=1e-15)
    assert fast.by_kind() == pytest.approx(slow.by_kind(), rel=1e-15)
    assert fast.by_instance().keys() == slow.by_instance().keys() == {"a", "c", "d"}
    assert fast.by_instance() == pytest.approx(slow.by_instance(), rel=1e-15)
    e = {x.instance: x for x in fast.entries}
    assert e["a"].count == pytest.approx(3e-6) and e["a"].rate == pytest.approx(5e-6 / 3e-6)
    with pytest.raises(ValueError, match="negative"):
        fast.charge(rows, -1.0, watts[0])


def test_each_core_runs_its_tiles_back_to_back():
    """200 tiles of one layer on 8 cores, re-programmed in every pass: the forward pass's
    tile work lasts 25 × (settling + stream) on every core, and the step's SimPy schedule
    does not grow with the tiles (one timeout per core and layer)."""
    core = _core("eo")
    W = np.random.default_rng(6).normal(size=(16 * 10, 16 * 20))  # 10 × 20 tiles
    step = simulate_step(core, [[Block(W)]], 64, cores=8, trace=True)
    assert len(step.tiles) == 200 and not step.stationary
    fwd = [s for s in step.spans if s[0] != "digital" and s[2] < min(
        a for t, _, a, _, _ in step.spans if t == "digital")]
    assert len(fwd) == 2 * 200
    ends = {}
    for track, label, a, b, _ in fwd:
        ends[track] = max(ends.get(track, 0), b)
    per_tile = fwd[1][3] - fwd[0][2]  # program + stream of the first tile
    assert set(ends.values()) == {25 * per_tile}


def test_identical_tile_streams_are_scheduled_once(monkeypatch):
    """The event engine simulates one tile stream per vector count, and the step's own
    SimPy schedule is the same for 50 and 800 tiles (per core and layer, not per tile);
    a pass's ``events`` counts what the tiles represent (the stream's events × tiles)."""
    import simpy

    import emulator.scenario.step as step_mod

    core = _core("eo")
    counts = {"schedule": 0, "simulate": 0}
    schedule, simulate = simpy.Environment.schedule, step_mod.simulate

    def counted_schedule(env, *args, **kwargs):
        counts["schedule"] += 1
        return schedule(env, *args, **kwargs)

    def counted_simulate(*args, **kwargs):
        counts["simulate"] += 1
        return simulate(*args, **kwargs)

    monkeypatch.setattr(simpy.Environment, "schedule", counted_schedule)
    monkeypatch.setattr(step_mod, "simulate", counted_simulate)
    seen, represented = [], []
    for rows, cols in ((5, 10), (20, 40)):
        counts.update(schedule=0, simulate=0)
        W = np.random.default_rng(1).normal(size=(16 * rows, 16 * cols))
        step = simulate_step(core, [[Block(W)]], 64, cores=8, trace=False)
        assert len(step.tiles) == rows * cols and counts["simulate"] == 1
        seen.append(counts["schedule"])
        represented.append(step.passes["forward"].events)
    assert seen[0] == seen[1]
    assert represented[1] > represented[0]


def test_trace_summarises_runs_of_tile_slices_above_the_limit():
    spans = [("core0", f"{'program' if i % 2 == 0 else 'stream'} L1 tile 0,{i}", 10 * i,
              10 * i + 10, {}) for i in range(6)]
    spans += [("core0", "stream L2 tile 0,0", 100, 110, {})]
    same, note = tr.summarise(spans, lambda label: label.split()[1], limit=10)
    assert same == spans and note == {"slices": 7, "limit": 10, "summarised": False}
    out, note = tr.summarise(spans, lambda label: label.split()[1], limit=5)
    assert note["summarised"] and note["written"] == 2
    assert out[0][:4] == ("core0", "L1 ×6 (program + stream)", 0, 60)
    assert out[0][4]["program_slices"] == 3 and out[0][4]["stream_slices"] == 3
    assert out[1] == spans[-1]


def test_timeline_of_ten_thousand_tiles_is_quick(tmp_path):
    """10^4 tiles (2 × 10^4 slices) on 64 cores draw in well under the issue's 2 s (CPU)."""
    from types import SimpleNamespace

    from emulator.scenario.plots import timeline

    settle, stream = 1_000_000, 3_000_000  # ticks
    spans = []
    for i in range(10_000):
        t0 = (i // 64) * (settle + stream)
        spans.append((f"core{i % 64}", "program L1 tile 0,0", t0, t0 + settle, {}))
        spans.append((f"core{i % 64}", "stream L1 block 0 tile 0,0", t0 + settle,
                      t0 + settle + stream, {}))
    end = spans[-1][3]
    spans.append(("digital", "L1 partial sums", end, 100 * end, {}))
    p = SimpleNamespace(latency_s=100 * end * 1e-15)
    step = SimpleNamespace(spans=spans, passes={"forward": p})
    t = time.process_time()
    timeline(step, tmp_path / "t.png")
    assert time.process_time() - t < 2.0
    assert (tmp_path / "t.png").stat().st_size > 0


def test_mnist_large_costs_the_papers_network_on_3200_tiles():
    """scenarios/mnist_large.yaml: 784-1024-10 on 64 EO 16-port cores, 3,200 tiles,
    programmed and streamed in forward, modulated forward and inference (2 slices each),
    written in no update job; the breakdown adds up to the pass energy."""
    sc = load_scenario(ROOT / "scenarios" / "mnist_large.yaml", {"training.epochs": 1})
    rng = np.random.default_rng(0)
    blocks = [[Block(rng.normal(0, 0.05, (1024, 784)))], [Block(rng.normal(0, 0.05, (10, 1024)))]]
    step = simulate_step(sc.core, blocks, 64, cores=64, trace=True)
    assert len(step.tiles) == 3200 and not step.stationary
    assert [sum(1 for t in step.tiles if t.layer == l) for l in (0, 1)] == [3136, 64]
    assert step.trace_note == {"slices": 19200, "limit": 20000, "summarised": False}
    fwd = step.passes["forward"]
    assert fwd.energy_j == pytest.approx(sum(fwd.breakdown_j().values()), rel=1e-12)
    assert fwd.breakdown_j()["phase_shifter_driver"] > 0  # EO drivers hold every setting
