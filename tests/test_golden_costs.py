"""The costs of the shipped scenarios' hardware stay what they were: per-pass latency,
energy and breakdown of fixed weights on the quick start's cores, and of CNN-shaped
blocks (shared conv kernel, column strip, two-tile head) on the CNN scenario's core,
against ``tests/golden/quickstart_costs.json`` (taken before the tilers were merged); and
the quick start's report cost keys against ``tests/golden/quickstart_report_costs.json``
(taken before the costing was vectorized)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).with_name("golden")


def _maker(name: str = "make_costs"):
    spec = importlib.util.spec_from_file_location(name, GOLDEN / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _match(got: dict, want: dict) -> None:
    got, want = _flat(json.loads(json.dumps(got))), _flat(want)
    assert set(got) == set(want)
    for key, w in want.items():
        g = got[key]
        if isinstance(w, float):
            assert g == pytest.approx(w, rel=1e-12, abs=0.0), key
        else:
            assert g == w, key


@pytest.mark.slow
def test_costs_match_the_golden_file():
    _match(_maker().compute(), json.loads((GOLDEN / "quickstart_costs.json").read_text()))


def test_quickstart_report_costs_match_the_golden_file():
    """The quick start's report cost keys (passes, per sample, per step, totals, hardware,
    EO and MEMS variants) and every pass's energy per instance, to 1e-12 relative."""
    _match(_maker("make_report_costs").compute(),
           json.loads((GOLDEN / "quickstart_report_costs.json").read_text()))
