"""Running sweeps: Dask workers give the serial results, nothing lost or duplicated when a
sweep is killed and resumed, failing points recorded while the others finish, reports."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulator.cli.main import main
from emulator.scenario import run_scenario
from emulator.sweep import load_sweep, run_sweep

from test_sweep_spec import BASE, sweep_file, write

ROOT = Path(__file__).parent.parent


@pytest.fixture
def base(tmp_path):
    return write(tmp_path, "base.yaml", BASE)


def table(out: Path) -> list[dict]:
    with open(out / "results.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_two_dask_workers_give_the_serial_results(tmp_path, base):
    from distributed import LocalCluster

    path = sweep_file(tmp_path, """\
        fixed: {training.methods: [tpfp, bp]}
        parameters:
          hardware.shifter: [thermo, eo]
          hardware.params.adc.bits: [4, 8]
        tied: {hardware.params.dac.bits: hardware.params.adc.bits}
        metrics: [test_accuracy, test_accuracy:bp, energy_per_inference_j,
                  latency_per_inference_s, energy_per_step_j, mzis, dacs, adcs,
                  passes.update.energy_j]
        """)
    serial = run_sweep(path, tmp_path / "serial", workers=0)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        # the --scheduler path: a client on an existing scheduler
        par = run_sweep(path, tmp_path / "dask", scheduler=cluster.scheduler_address)
        hosts = {r["host"] for r in par.records.values()}
    assert serial.ran == par.ran == 4
    assert table(tmp_path / "serial") == table(tmp_path / "dask")
    assert len(hosts) >= 1 and all(h.split(":")[1] != str(os.getpid()) for h in hosts)
    # and both are what a direct run of the scenario gives
    pt = serial.points[3]
    report = run_scenario(base, overrides=pt.overrides, write=False)
    row = table(tmp_path / "dask")[3]
    assert float(row["energy_per_inference_j"]) == report["per_sample"]["inference"]["energy_j"]
    assert float(row["test_accuracy:bp"]) == report["methods"]["bp"]["accuracy"]["test"]
    assert int(row["dacs"]) == report["hardware"]["converters_per_core"]["dac"] * \
        report["hardware"]["cores"]
    # reports
    res = json.loads((tmp_path / "dask" / "results.json").read_text())
    assert res["counts"] == {"points": 4, "ok": 4, "failed": 0, "pending": 0}
    assert res["best"]["energy_per_inference_j"]["point"] in (2, 3)  # electro-optic shifters
    for f in res["pareto"]:
        assert (tmp_path / "dask" / f["plot"]).read_bytes()[:4] == b"\x89PNG"
    md = (tmp_path / "dask" / "summary.md").read_text()
    assert "## Best design by each metric" in md and "## Pareto fronts" in md


def test_failing_point_is_recorded_and_the_others_finish(tmp_path, base, capsys):
    # digits does not fit layers [3, 4, 2]: that point fails when it runs, not when checked
    path = sweep_file(tmp_path, "parameters:\n  data: [xor, digits]\n  seed: [1, 2]\n")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "0", "--quiet"]) == 1
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err
    assert "failed points" in printed.out
    rows = table(out)
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "failed"]
    assert "the input layer has 3 units but data 'digits' has 64 features" in rows[2]["error"]
    assert rows[0]["test_accuracy"] and not rows[2]["test_accuracy"]
    md = (out / "summary.md").read_text()
    assert "## Failures" in md and "digits" in md
    # a rerun skips failed points too, unless asked to retry them
    sw = load_sweep(path)
    assert run_sweep(sw, out, workers=0).ran == 0
    assert run_sweep(sw, out, workers=0, retry_failed=True).ran == 2


def test_rerun_skips_finished_points_and_runs_the_missing_ones(tmp_path, base):
    path = sweep_file(tmp_path, "parameters: {seed: [1, 2, 3]}\n")
    out = tmp_path / "out"
    first = run_sweep(path, out, workers=0)
    assert first.ran == 3
    before = {p.name: p.read_text() for p in (out / "points").glob("*.json")}
    (out / "points" / f"{first.points[1].hash}.json").unlink()
    second = run_sweep(path, out, workers=0)
    assert (second.ran, second.skipped) == (1, 2)
    after = {p.name: p.read_text() for p in (out / "points").glob("*.json")}
    assert set(after) == set(before)
    for name in before:
        if name != f"{first.points[1].hash}.json":
            assert after[name] == before[name]  # untouched
    assert [r["point"] for r in table(out)] == ["0", "1", "2"]


def test_killed_sweep_resumes_with_every_point_exactly_once(tmp_path, base):
    path = sweep_file(tmp_path, """\
        fixed: {training.epochs: 6000}
        parameters: {seed: [1, 2, 3, 4, 5, 6, 7, 8]}
        """)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "emulator.cli.main", "sweep", str(path), "--out", str(out),
           "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own process group, workers included
    try:
        deadline = time.monotonic() + 60
        while not list((out / "points").glob("*.json")):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no point finished within 60 s"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    done_before = {p.stem: p.read_text() for p in (out / "points").glob("*.json")}
    assert 1 <= len(done_before) < 8

    res = run_sweep(path, out, workers=0)
    assert res.skipped == len(done_before) and res.ran == 8 - len(done_before)
    files = sorted(p.stem for p in (out / "points").glob("*.json"))
    assert files == sorted(p.hash for p in res.points)  # all there, none twice
    for h, text in done_before.items():
        assert (out / "points" / f"{h}.json").read_text() == text  # not run again
    rows = table(out)
    assert [r["point"] for r in rows] == [str(i) for i in range(8)]
    assert len({r["hash"] for r in rows}) == 8 and all(r["status"] == "ok" for r in rows)
    assert json.loads((out / "results.json").read_text())["counts"]["pending"] == 0


def test_same_sweep_and_seed_give_the_same_table(tmp_path, base):
    path = sweep_file(tmp_path, """\
        parameters:
          training.lr: {low: 0.01, high: 0.5, log: true}
          hardware.shifter: [thermo, eo, mems]
        random: {samples: 3, seed: 11}
        """)
    run_sweep(path, tmp_path / "a", workers=0)
    run_sweep(path, tmp_path / "b", workers=0)
    assert (tmp_path / "a" / "results.csv").read_text() == \
        (tmp_path / "b" / "results.csv").read_text()


def test_unreachable_scheduler_exits_2(tmp_path, base, capsys, monkeypatch):
    import emulator.sweep.runner as runner

    monkeypatch.setattr(runner, "CONNECT_TIMEOUT_S", 1)
    path = sweep_file(tmp_path, "parameters: {seed: [1]}\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet",
                 "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()
