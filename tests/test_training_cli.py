"""``photonic-emu train``: the table, the JSON file, and exit 2 on bad input."""

from __future__ import annotations

import json

import pytest

from emulator.cli.main import main


def test_train_writes_json_per_method(tmp_path, capsys):
    out = tmp_path / "res" / "train.json"
    rc = main(["train", "--data", "digits", "--layers", "64,16,10", "--method", "tpfp,frozen",
               "--epochs", "3", "--seed", "2", "--json", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "tpfp" in text and "frozen" in text and "test acc [%]" in text
    data = json.loads(out.read_text())
    assert set(data["methods"]) == {"tpfp", "frozen"}
    for m in data["methods"].values():
        assert {"train_accuracy", "test_accuracy", "history"} <= set(m)
        assert 0.0 <= m["test_accuracy"] <= 1.0
        assert m["history"]["epoch"] == [1, 2, 3]
        assert len(m["history"]["test_accuracy"]) == 3
        assert m["history"]["test_accuracy"][-1] == m["test_accuracy"]
    assert data["settings"]["layers"] == [64, 16, 10] and data["settings"]["seed"] == 2
    assert not list(out.parent.glob(".*.tmp"))  # atomic write left nothing behind


@pytest.mark.parametrize("args, message", [
    (["--method", "tpfq"], "did you mean 'tpfp'"),
    (["--layers", "64,x,10"], "--layers"),
    (["--layers", "64,32,9"], "end the layers with 10"),
    (["--epochs", "0"], "epochs"),
    (["--lr", "nan"], "--lr"),
    (["--data", "digts"], "did you mean 'digits'"),
    (["--data", "mnist:/no/such/folder"], "folder not found"),
    (["--activation", "rleu"], "did you mean 'relu'"),
    (["--core", "netlists/onn_core_16.yaml", "--hardware", "reprogram_drfit=0.1"],
     "did you mean 'reprogram_drift'"),
    (["--core", "netlists/onn_core_16.yaml", "--hardware", "phase_bits=8"],
     "params: {mzi: {driver_bits"),
    (["--core", "netlists/onn_core_16.yaml", "--param", "adc.bitz=6"],
     "did you mean 'bits'"),
    (["--core", "netlists/no_such_core.yaml"], "core netlist not found"),
    (["--lr", "100", "--activation", "square", "--epochs", "2"], "diverged in epoch 1"),
])
def test_bad_input_exits_2_without_traceback(args, message, capsys, tmp_path):
    out = tmp_path / "never.json"
    rc = main(["train", "--quiet", "--json", str(out), *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_train_in_situ_reports_tile_writes_per_step(tmp_path, capsys, monkeypatch):
    """64-8-10 on 16-port tiles: 1x4 + 1x1 = 5 tiles.  Without a drift threshold every
    update re-writes all 5; with one far above any update only the final sync does."""
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "t.json"
    base = ["train", "--data", "digits", "--layers", "64,8,10", "--method", "tpfp",
            "--epochs", "1", "--batch", "720", "--json", str(out), "--quiet",
            "--core", "netlists/onn_core_16.yaml", "--cores", "2", "--param", "adc.bits=6"]
    assert main(base + ["--hardware", "reprogram_drift=none"]) == 0
    assert "tile writes / step" in capsys.readouterr().out
    r = json.loads(out.read_text())["methods"]["tpfp"]
    c = r["counters"]
    assert c["steps"] == 2 and c["tiles"] == 5
    assert c["tile_writes"] == 5 * (1 + 2)  # initial + after each update (sync: nothing new)
    assert r["chip"]["adc_bits"] == 6 and r["chip"]["cores"] == 2
    assert main(base + ["--hardware", "reprogram_drift=100"]) == 0
    c = json.loads(out.read_text())["methods"]["tpfp"]["counters"]
    assert c["tile_writes"] == 5 + 5  # initial programming + the end-of-training sync
