"""`photonic-emu simulate`: exit codes, atomic JSON and trace files, messages without tracebacks."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emulator.cli.main import main

ROOT = Path(__file__).parent.parent
ONN16 = str(ROOT / "netlists" / "onn_core_16.yaml")


def test_simulate_writes_json_and_trace(tmp_path, capsys):
    out, trace = tmp_path / "r.json", tmp_path / "t.json"
    assert main(["simulate", ONN16, "--batch", "5", "--seed", "2", "--converters",
                 "dac=4,adc=4", "--json", str(out), "--trace", str(trace)]) == 0
    printed = capsys.readouterr().out
    for label in ("latency", "energy", "average power", "energy by component kind"):
        assert label in printed
    assert " ns" in printed and "J" in printed and " W" in printed  # units written
    data = json.loads(out.read_text())
    assert data["batch"] == 5 and data["converters"] == {"dac": 4, "adc": 4}
    assert data["latency_s"] > 0 and data["energy_j"] > 0 and data["events"] > 0
    assert sum(data["breakdown_j"].values()) == pytest.approx(data["energy_j"])
    events = json.loads(trace.read_text())["traceEvents"]
    tracks = {e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert {"dac0", "mod15", "pd3", "tia7", "adc15"} <= tracks
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


def test_simulate_inputs_file_and_same_seed_same_numbers(tmp_path):
    x = np.random.default_rng(0).uniform(-1, 1, (3, 16))
    np.save(tmp_path / "x.npy", x)
    runs = []
    for i in range(2):
        out = tmp_path / f"r{i}.json"
        assert main(["simulate", ONN16, "--inputs", str(tmp_path / "x.npy"), "--noise",
                     "--json", str(out)]) == 0
        runs.append(json.loads(out.read_text()))
    assert runs[0] == runs[1] and runs[0]["batch"] == 3


@pytest.mark.parametrize("args, message", [
    (["/no/such.yaml"], "file not found"),
    ([ONN16, "--batch", "0"], "--batch"),
    ([ONN16, "--converters", "dac=four"], "dac=4,adc=4"),
    ([ONN16, "--converters", "dsc=4"], "did you mean 'dac'"),
    ([ONN16, "--inputs", "MISSING.npy"], "inputs file not found"),
])
def test_simulate_bad_input_exits_2_with_message(args, message, capsys):
    assert main(["simulate", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_simulate_bad_inputs_array_exits_2(tmp_path, capsys):
    for name, arr in (("nan", np.full((2, 16), np.nan)), ("shape", np.zeros((2, 3))),
                      ("range", np.full((1, 16), 2.0))):
        path = tmp_path / f"{name}.npy"
        np.save(path, arr)
        assert main(["simulate", ONN16, "--inputs", str(path)]) == 2
    (tmp_path / "junk.npy").write_text("not numpy")
    assert main(["simulate", ONN16, "--inputs", str(tmp_path / "junk.npy")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_console_script_exit_code_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ninstances: {x: {component: dacc}}\n")
    proc = subprocess.run([sys.executable, "-m", "emulator.cli.main", "simulate", str(bad)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "did you mean 'dac'" in proc.stderr and "Traceback" not in proc.stderr


def test_a_missing_subcommand_module_is_an_error(monkeypatch):
    """Every listed subcommand must exist: a missing module fails loudly, it is not
    left out of ``--help``."""
    import emulator.cli.main as cli

    monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + ["nosuch"])
    with pytest.raises(ModuleNotFoundError, match="emulator.cli.nosuch_cmd"):
        cli.build_parser()
    monkeypatch.undo()
    names = cli.build_parser()._subparsers._group_actions[0].choices
    assert list(names) == cli.COMMANDS
