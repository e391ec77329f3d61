"""`photonic-emu run SCENARIO [--out DIR] [--seed S] [--quiet]`: the main job."""

from __future__ import annotations

from emulator.scenario import load_scenario, run_scenario
from emulator.scenario.report import VARIANT_HEAD, accuracy_head, summary_rows

from .tables import print_table


def register(sub) -> None:
    p = sub.add_parser("run", help="train and cost a scenario; write report, plots and trace")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--out", metavar="DIR", help="output folder (default runs/<name>-<time>)")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.add_argument("--epochs", type=int, help="override training.epochs (quick looks)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args) -> int:
    overrides = {}
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.epochs is not None:
        overrides["training.epochs"] = args.epochs
    sc = load_scenario(args.scenario, overrides)
    report = run_scenario(sc, out=args.out, quiet=args.quiet)
    rows = summary_rows(report)
    print_table(f"{report['scenario']}: accuracy (mean of {report['training']['seeds']} run(s))",
                accuracy_head(report), rows["accuracy"])
    print_table(f"cost per pass (batch {report['training']['batch']}, "
                f"{report['hardware']['cores']} core(s), {report['hardware']['tiles']} tiles)",
                ["pass", "latency", "energy", "average power", "energy / sample"], rows["passes"])
    print_table("energy by component kind", ["kind"] + list(report["passes"]),
                rows["breakdown"])
    print_table("totals", ["", "count", "time", "energy"], rows["totals"])
    if report.get("variants") or report.get("models"):
        print_table("hardware variants and models", VARIANT_HEAD, rows["variants"])
    for f in report["flags"]:
        print(f"flag: {f}")
    print(f"report: {report['output_dir']}/report.md")
    return 0
