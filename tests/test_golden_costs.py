"""The costs of the shipped scenarios' hardware stay what they were: per-pass latency,
energy and breakdown of fixed weights on the quick start's cores, and of CNN-shaped
blocks (shared conv kernel, column strip, two-tile head) on the CNN scenario's core,
against ``tests/golden/quickstart_costs.json`` (taken before the tilers were merged)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).with_name("golden")


def _maker():
    spec = importlib.util.spec_from_file_location("make_costs", GOLDEN / "make_costs.py")
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


@pytest.mark.slow
def test_costs_match_the_golden_file():
    want = _flat(json.loads((GOLDEN / "quickstart_costs.json").read_text()))
    got = _flat(json.loads(json.dumps(_maker().compute())))
    assert set(got) == set(want)
    for key, w in want.items():
        g = got[key]
        if isinstance(w, float):
            assert g == pytest.approx(w, rel=1e-12, abs=0.0), key
        else:
            assert g == w, key
