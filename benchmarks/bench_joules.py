"""Where the joules go: the quick start's network (64-32-10, batch 64) on four
``onn_core_16`` cores, thermo-optic and electro-optic, per pass and per sample.

Prints one table per shifter technology (energy per sample by kind, latency per pass)
and, with ``--json OUT``, writes the same numbers.  Fixed weights (``emulator.rng``), so
two versions of the emulator can be compared: run it before and after a physics change.

    PYTHONPATH=. python benchmarks/bench_joules.py [--json before.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator.rng import stream  # noqa: E402
from emulator.scenario import load_scenario  # noqa: E402
from emulator.scenario.run import cost_step  # noqa: E402
from emulator.scenario.step import Block  # noqa: E402

PASSES = ("forward", "modulated_forward", "update", "inference")


def blocks(sizes=(64, 32, 10), seed=0):
    rng = stream(seed, "init")
    return [[Block(rng.normal(0, 0.3, (m, n)))] for n, m in zip(sizes, sizes[1:])]


def measure(shifter: str) -> dict:
    sc = load_scenario(ROOT / "scenarios" / "quickstart.yaml",
                       {"training.epochs": 1, "hardware.shifter": shifter})
    step = cost_step(sc, blocks(), 64, trace=False)
    out = {}
    for name in PASSES:
        p = step.passes[name].to_dict()
        b = max(int(p.get("batch") or 64), 1)
        out[name] = {"latency_s": p["latency_s"], "energy_per_sample_j": p["energy_j"] / b,
                     "breakdown_per_sample_j": {k: v / b for k, v in
                                                sorted(p["breakdown_j"].items())}}
    out["step"] = step.step()
    return out


def table(shifter: str, res: dict) -> str:
    kinds = sorted({k for name in PASSES for k in res[name]["breakdown_per_sample_j"]})
    head = f"{'kind [J/sample]':<26}" + "".join(f"{n:>19}" for n in PASSES)
    rows = [f"== {shifter}", head]
    for k in kinds:
        rows.append(f"{k:<26}" + "".join(
            f"{res[n]['breakdown_per_sample_j'].get(k, 0.0):>19.3e}" for n in PASSES))
    rows.append(f"{'total [J/sample]':<26}" + "".join(
        f"{res[n]['energy_per_sample_j']:>19.3e}" for n in PASSES))
    rows.append(f"{'latency per pass [s]':<26}" + "".join(
        f"{res[n]['latency_s']:>19.3e}" for n in PASSES))
    return "\n".join(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args(argv)
    res = {s: measure(s) for s in ("thermo", "eo")}
    for s, r in res.items():
        print(table(s, r))
        print()
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
