"""Sweep files: points (grid, random, ranges, tied keys), hashes, metrics, Pareto fronts,
and every kind of broken sweep file ending with exit 2 and a located message."""

import itertools
import textwrap
from pathlib import Path

import numpy as np
import pytest

from emulator.cli.main import main
from components.errors import ScenarioError
from emulator.scenario import load_scenario
from emulator.sweep import load_sweep
from emulator.sweep.metrics import parse_metric
from emulator.sweep.pareto import front

ROOT = Path(__file__).parent.parent
CORE8 = (ROOT / "netlists" / "onn_core_8.yaml").as_posix()

BASE = f"""\
version: 1
seed: 1
data: xor
model:
  layers: [3, 4, 2]
hardware:
  core: {CORE8}
training:
  methods: [tpfp]
  epochs: 2
  batch: 4
outputs: {{plots: false, trace: false}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def base(tmp_path):
    return write(tmp_path, "base.yaml", BASE)


def sweep_file(tmp_path, body: str, name="sweep.yaml") -> Path:
    return write(tmp_path, name, "version: 1\nbase: base.yaml\n" + textwrap.dedent(body))


def test_grid_takes_every_combination_last_parameter_fastest(tmp_path, base):
    sw = load_sweep(sweep_file(tmp_path, """\
        fixed: {training.epochs: 3}
        parameters:
          hardware.shifter: [thermo, eo]
          hardware.params.adc.bits: [4, 6, 8]
        """))
    pts = sw.points
    assert [tuple(p.params.values()) for p in pts] == \
        list(itertools.product(["thermo", "eo"], [4, 6, 8]))
    assert [p.index for p in pts] == list(range(6))
    assert all(p.overrides["training.epochs"] == 3 for p in pts)
    assert len({p.hash for p in pts}) == 6
    again = load_sweep(tmp_path / "sweep.yaml").points
    assert [p.hash for p in again] == [p.hash for p in pts]  # stable identity


def test_hash_changes_with_fixed_values_and_base_content(tmp_path, base):
    one = load_sweep(sweep_file(tmp_path, "parameters: {seed: [1, 2]}\n")).points
    two = load_sweep(sweep_file(tmp_path, "fixed: {training.epochs: 3}\n"
                                "parameters: {seed: [1, 2]}\n")).points
    assert {p.hash for p in one}.isdisjoint(p.hash for p in two)
    base.write_text(BASE.replace("epochs: 2", "epochs: 4"))
    three = load_sweep(sweep_file(tmp_path, "parameters: {seed: [1, 2]}\n")).points
    assert {p.hash for p in one}.isdisjoint(p.hash for p in three)


def test_tied_key_follows_its_parameter(tmp_path, base):
    sw = load_sweep(sweep_file(tmp_path, """\
        parameters: {hardware.params.adc.bits: [4, 8]}
        tied: {hardware.params.dac.bits: hardware.params.adc.bits}
        """))
    assert [(p.overrides["hardware.params.adc.bits"], p.overrides["hardware.params.dac.bits"])
            for p in sw.points] == [(4, 4), (8, 8)]
    assert list(sw.points[0].params) == ["hardware.params.adc.bits"]  # not a column


def test_grid_ranges_even_and_log_spaced(tmp_path, base):
    sw = load_sweep(sweep_file(tmp_path, """\
        parameters:
          training.fscale: {low: 0.01, high: 1, num: 3, log: true}
          training.epochs: {low: 1, high: 3, num: 3}
        """))
    assert sw.params[0].values == (0.01, 0.1, 1.0)
    assert sw.params[1].values == (1, 2, 3) and all(isinstance(v, int)
                                                     for v in sw.params[1].values)
    assert len(sw.points) == 9


def test_random_draw_is_seeded_distinct_and_within_ranges(tmp_path, base):
    body = """\
        parameters:
          training.lr: {low: 0.001, high: 0.1, log: true}
          training.epochs: {low: 1, high: 4}
          hardware.shifter: [thermo, eo, mems]
        random: {samples: 12, seed: SEED}
        """
    a = load_sweep(sweep_file(tmp_path, body.replace("SEED", "3"))).points
    b = load_sweep(sweep_file(tmp_path, body.replace("SEED", "3"))).points
    c = load_sweep(sweep_file(tmp_path, body.replace("SEED", "4"))).points
    assert [p.params for p in a] == [p.params for p in b]
    assert [p.params for p in a] != [p.params for p in c]
    assert len(a) == 12 and len({p.hash for p in a}) == 12
    for p in a:
        assert 0.001 <= p.params["training.lr"] <= 0.1
        assert p.params["training.epochs"] in (1, 2, 3, 4)
        assert p.params["hardware.shifter"] in ("thermo", "eo", "mems")


def test_random_over_lists_draws_without_repeats_and_whole_grid_when_asked(tmp_path, base):
    body = "parameters: {seed: [1, 2, 3, 4, 5], hardware.shifter: [thermo, eo]}\n"
    few = load_sweep(sweep_file(tmp_path, body + "random: {samples: 6, seed: 1}\n")).points
    assert len(few) == 6 and len({p.hash for p in few}) == 6
    many = load_sweep(sweep_file(tmp_path, body + "random: {samples: 50, seed: 1}\n")).points
    assert len(many) == 10


def test_core_paths_are_relative_to_the_sweep_file(tmp_path):
    write(tmp_path / "scen", "base.yaml", BASE)
    write(tmp_path / "cores", "c8.yaml", Path(CORE8).read_text())
    path = write(tmp_path / "sweeps" / "deep", "s.yaml", """\
        version: 1
        base: ../../scen/base.yaml
        parameters:
          hardware.core: [../../cores/c8.yaml]
        """)
    sw = load_sweep(path)
    pt = sw.points[0]
    assert pt.overrides["hardware.core"] == "../cores/c8.yaml"  # relative to the base
    sc = load_scenario(sw.base, pt.overrides)
    assert sc.core.n_in == 8


@pytest.mark.parametrize("text, expected", [
    ("shortcut", None),
    ("energy_per_inference_j", ("energy_per_inference_j", "min", "J")),
    ("test_accuracy:bp", ("test_accuracy:bp", "max", "1")),
    ("passes.update.energy_j", ("passes.update.energy_j", "min", "J")),
    ("methods.bp.accuracy.test", ("methods.bp.accuracy.test", "max", "1")),
])
def test_metrics_shortcuts_methods_and_raw_paths(text, expected):
    m, msg, hint = parse_metric(text)
    if expected is None:
        assert m is None and "unknown metric" in msg
    else:
        assert (m.name, m.goal, m.unit) == expected
    report = {"hardware_method": "tpfp", "methods": {"tpfp": {"accuracy": {"test": 0.5}},
                                                      "bp": {"accuracy": {"test": 0.9}}},
              "hardware": {"converters_per_core": {"dac": 16, "adc": 8}, "cores": 4}}
    assert parse_metric("test_accuracy")[0].value(report) == 0.5
    assert parse_metric("test_accuracy:bp")[0].value(report) == 0.9
    assert parse_metric("dacs")[0].value(report) == 64
    assert parse_metric("adcs")[0].value(report) == 32
    assert parse_metric("per_step.energy_j")[0].value(report) is None


def test_pareto_front_against_brute_force():
    rng = np.random.default_rng(5)
    for goals in (("min", "min"), ("min", "max"), ("max", "max")):
        x = rng.integers(0, 8, 60).astype(float)
        y = rng.integers(0, 8, 60).astype(float)
        sx = -1 if goals[0] == "max" else 1
        sy = -1 if goals[1] == "max" else 1
        brute = [i for i in range(60) if not any(
            sx * x[j] <= sx * x[i] and sy * y[j] <= sy * y[i]
            and (sx * x[j] < sx * x[i] or sy * y[j] < sy * y[i]) for j in range(60))]
        assert front(x, y, *goals) == brute
    assert front([1, 1, 2], [5, 5, 1]) == [0, 1, 2]  # equal points are both kept


# --------------------------------------------------------------------- broken sweep files

BROKEN = {
    "unknown_top_key": ("parameters: {seed: [1]}\nmetrcs: [mzis]\n",
                        [(":4: metrcs: unknown key 'metrcs'", "did you mean 'metrics'")]),
    "unknown_scenario_key": ("parameters:\n  training.epoch: [1, 2]\n",
                             [(":4: parameters.training.epoch: unknown scenario key "
                               "'training.epoch'", "did you mean 'epochs'")]),
    "not_a_section": ("parameters:\n  training.epochs.max: [1]\n",
                      [(":4: parameters.training.epochs.max:", "no key 'max'")]),
    "bad_value_at_one_point": ("parameters:\n  hardware.shifter:\n    - thermo\n    - eoo\n",
                               [(":6: parameters.hardware.shifter: 'eoo' is not one of",
                                 "did you mean 'eo'")]),
    "component_param_out_of_bounds": ("parameters:\n  hardware.params.adc.bits: [4, 99]\n",
                                      [(":4: parameters.hardware.params.adc.bits:",
                                        "out of bounds")]),
    "unknown_component": ("parameters:\n  hardware.params.adcc.bits: [4]\n",
                          [(":4: parameters.hardware.params.adcc.bits:",
                            "unknown component 'adcc'")]),
    "missing_core": ("parameters:\n  hardware.core: [nowhere/core.yaml]\n",
                     [(":4: parameters.hardware.core: core netlist not found", "")]),
    "bad_fixed_value": ("fixed:\n  training.epochs: 0\nparameters: {seed: [1]}\n",
                        [(":4: fixed.training.epochs: 0 is out of bounds", "")]),
    "tied_to_nothing": ("parameters: {seed: [1]}\ntied: {nonideal.chip_seed: sead}\n",
                        [(":4: tied.nonideal.chip_seed: 'sead' is not one of the parameters",
                          "did you mean 'seed'")]),
    "unknown_metric": ("parameters: {seed: [1]}\nmetrics: [energy_per_inferance_j]\n",
                       [(":4: metrics.0: unknown metric", "energy_per_inference_j")]),
    "range_without_num_in_grid": ("parameters:\n  training.lr: {low: 0.01, high: 0.1}\n",
                                  [(":4: parameters.training.lr: a range in a grid sweep "
                                    "needs 'num'", "")]),
    "scalar_parameter": ("parameters:\n  seed: 3\n",
                         [(":4: parameters.seed: expected a list of values", "fixed")]),
    "value_listed_twice": ("parameters:\n  seed: [1, 2, 1]\n",
                           [(":4: parameters.seed.2: value 1 is listed twice", "")]),
    "no_parameters": ("parameters: {}\n", [(":3: parameters: give at least one parameter", "")]),
    "yaml_syntax": ("parameters: [seed: 1\n", [(":4: YAML syntax error", "")]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_sweep_files_exit_2_with_located_messages(name, tmp_path, base, capsys):
    body, wanted = BROKEN[name]
    path = sweep_file(tmp_path, body)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for where, hint in wanted:
        assert str(path) + where in err, err
        assert hint in err, err
    assert not (tmp_path / "out").exists()  # nothing ran


def test_missing_base_scenario_is_reported_at_the_base_key(tmp_path, capsys):
    write(tmp_path, "quickstart.yaml", BASE)
    path = write(tmp_path, "s.yaml", "version: 1\nbase: quickstrat.yaml\n"
                 "parameters: {seed: [1]}\n")
    assert main(["sweep", str(path), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: base: base scenario not found" in err
    assert "did you mean 'quickstart.yaml'" in err


def test_base_scenario_that_is_not_a_mapping(tmp_path, capsys):
    write(tmp_path, "list.yaml", "- 1\n- 2\n")
    path = write(tmp_path, "s.yaml", "version: 1\nbase: list.yaml\nparameters: {seed: [1]}\n")
    assert main(["sweep", str(path), "--workers", "0"]) == 2
    assert "list.yaml: a scenario must be a mapping of sections" in capsys.readouterr().err


def test_every_problem_is_listed_in_one_run(tmp_path, base):
    path = sweep_file(tmp_path, """\
        fixd: {training.epochs: 1}
        parameters:
          training.epoch: [1]
          hardware.shifter: [thermo, eoo]
        metrics: [mzis, foo]
        """)
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    paths = [p.path for p in info.value.problems]
    assert paths == ["fixd", "parameters.training.epoch", "parameters.hardware.shifter",
                     "metrics.1"]


def test_dry_run_lists_points_and_runs_nothing(tmp_path, base, capsys):
    path = sweep_file(tmp_path, "parameters: {hardware.shifter: [thermo, eo], seed: [1, 2]}\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "4 points (grid), 0 finished" in out and out.count("to run") == 4
    assert not (tmp_path / "out").exists()
