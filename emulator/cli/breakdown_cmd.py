"""`photonic-emu breakdown FILE [--json]`: a chip's power breakdown from a netlist slice and
an architecture, in the published design's convention and in ours (emulator.breakdown)."""

from __future__ import annotations

import sys

from emulator.breakdown import CATEGORIES, report
from emulator.io.files import to_json

from .tables import print_table


def register(sub) -> None:
    p = sub.add_parser("breakdown", help="power breakdown of a crossbar design "
                       "(scenarios/validation/*.yaml), published convention vs ours")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=run)


def _mw(x) -> str:
    return "-" if x is None else f"{x * 1e3:,.2f}"


def within(r: dict) -> dict[str, bool]:
    """Per category and total: the reproduction within the file's tolerance."""
    lt, ref, tol = r["conventions"]["lightening_transformer"], r["reference"], r["tolerance"]
    return {k: abs(lt[k] - v) <= (tol["total"] if k == "total" else tol["component"]) * v
            for k, v in ref.items()}


def run(args) -> int:
    r = report(args.file)
    ok = within(r)
    if args.json:
        sys.stdout.write(to_json({**r, "within_tolerance": ok}))
        return 0
    lt, ours, ref = r["conventions"]["lightening_transformer"], r["conventions"]["ours"], \
        r["reference"]
    rows = []
    for k in CATEGORIES + ("total",):
        dev = f"{(lt[k] / ref[k] - 1) * 100:+.3f} %" if ref.get(k) else "-"
        rows.append([k, _mw(lt[k]), _mw(ref.get(k)), dev, _mw(ours[k])])
    print_table(f"power of {r['name']} ({r['file']})",
                ["category", "their convention (mW)", "reference (mW)", "deviation",
                 "our models (mW)"], rows)
    print_table("device counts", ["device", "count"], [[k, v] for k, v in r["counts"].items()])
    print(f"worst laser-to-detector insertion loss: {r['worst_path_loss_db']:.2f} dB")
    print(f"reproduction within tolerance (total {r['tolerance']['total']:.1%}, each "
          f"{r['tolerance']['component']:.1%}): {'yes' if all(ok.values()) else 'NO'}")
    return 0
