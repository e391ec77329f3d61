"""Writes ``quickstart_report_costs.json``: the cost keys of the quick start's report
(``scenarios/quickstart.yaml`` trained briefly: tpfp, one seed, 2 epochs) with an
electro-optic and a MEMS variant, and the per-instance energy of every pass of fixed
weights (the ledger's ``by_instance`` query) on the thermo and EO cores.

Taken before the costing was vectorized (issue 16), so a faster costing must give the same
numbers.  Regenerate only when a cost change is intended::

    python tests/golden/make_report_costs.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from make_costs import dense_blocks  # noqa: E402

from emulator.scenario import load_scenario  # noqa: E402
from emulator.scenario.run import cost_step, run_scenario  # noqa: E402

OUT = Path(__file__).with_name("quickstart_report_costs.json")
OVERRIDES = {"training.epochs": 2, "training.methods": ["tpfp"], "training.seeds": 1,
             "variants": {"eo": {"shifter": "eo"}, "mems": {"shifter": "mems"}}}
COST_KEYS = ("passes", "per_sample", "per_step", "totals", "hardware", "variants",
             "optical_energy_per_mac_j", "photons_per_output_symbol")


def compute() -> dict:
    qs = ROOT / "scenarios" / "quickstart.yaml"
    report = run_scenario(qs, overrides=OVERRIDES, write=False)
    out = {"report": {k: report[k] for k in COST_KEYS}}
    out["report"]["hardware"] = {k: v for k, v in report["hardware"].items()
                                 if k != "core"}  # the core's file path is the machine's
    for shifter in ("thermo", "eo"):
        sc = load_scenario(qs, {"training.epochs": 1, "hardware.shifter": shifter})
        step = cost_step(sc, dense_blocks([64, 32, 10]), 64, trace=False)
        out[f"by_instance_{shifter}"] = {name: p.ledger.by_instance()
                                         for name, p in step.passes.items()}
    return _relative(out)


def _relative(obj):
    """File paths relative to the project root: the golden file holds no machine's path."""
    if isinstance(obj, dict):
        return {k: _relative(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relative(v) for v in obj]
    if isinstance(obj, str) and obj.startswith(str(ROOT) + "/"):
        return obj[len(str(ROOT)) + 1:]
    return obj


if __name__ == "__main__":
    OUT.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
