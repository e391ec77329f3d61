"""`photonic-emu netlist validate FILE...`, `netlist show FILE [--json]`,
`netlist import FILE --from sax|gdsfactory [-o OUT.yaml]`, `netlist export FILE --to sax
[-o OUT.yaml]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from emulator.compile import compile_netlist
from components.errors import UserError
from emulator.io.files import to_json, write_text
from emulator.netlist import import_netlist, load_netlist, to_sax
from emulator.netlist.interop import DIALECTS
from emulator.graph.summary import summarize
from components.units import fmt

from .tables import print_table


def register(sub) -> None:
    p = sub.add_parser("netlist", help="validate or describe netlist files")
    nsub = p.add_subparsers(dest="netlist_command", metavar="ACTION", required=True)
    v = nsub.add_parser("validate", help="check netlist files; exit 2 listing every problem")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.set_defaults(func=validate)
    s = nsub.add_parser("show", help="counts, ports, optical depth, worst-path loss, power")
    s.add_argument("file", metavar="FILE")
    s.add_argument("--json", action="store_true", help="print JSON instead of tables")
    s.set_defaults(func=show)
    i = nsub.add_parser("import", help="translate a SAX or gdsfactory netlist into this format")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--from", dest="dialect", required=True, choices=DIALECTS)
    i.add_argument("-o", "--out", metavar="OUT.yaml", help="write here (default: stdout)")
    i.set_defaults(func=import_cmd)
    e = nsub.add_parser("export", help="write a netlist's passive optics as a SAX netlist")
    e.add_argument("file", metavar="FILE")
    e.add_argument("--to", dest="dialect", required=True, choices=("sax",))
    e.add_argument("-o", "--out", metavar="OUT.yaml", help="write here (default: stdout)")
    e.set_defaults(func=export_cmd)


def validate(args) -> int:
    problems = []
    for f in args.files:
        try:
            n = load_netlist(f)
            print(f"{f}: ok ({len(n.instances)} instances, {len(n.connections)} connections)")
        except UserError as err:
            problems.extend(err.problems)
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 2
    return 0


def show(args) -> int:
    netlist = load_netlist(args.file)
    info = summarize(netlist, compile_netlist(netlist))
    if args.json:
        sys.stdout.write(to_json(info))
        return 0
    print_table(f"{info['name']} ({info['file']})", ["quantity", "value"], [
        ["instances", info["instances"]], ["connections", info["connections"]],
        ["optical depth", f"{info['optical_depth']} passive stages"],
        ["worst-path insertion loss", fmt(info["worst_path_loss_db"], "dB")],
        ["longest time of flight", fmt(info["max_time_of_flight_s"], "s")],
        ["static power", fmt(info["static_power_w"], "W")],
        ["wavelength", fmt(info["wavelength_m"], "m")],
    ])
    for lb in info.get("link_budget", []):
        print_table(f"link budget of laser '{lb['laser']}'", ["term", "value"], [
            ["worst-path insertion loss (to " + lb["worst_detector"] + ")",
             fmt(lb["worst_path_loss_db"], "dB")],
            ["detector sensitivity", fmt(lb["sensitivity_w"], "W")],
            ["fan-out (detectors reached)", lb["detectors"]],
            ["input bits (x2 per bit beyond 1)", lb["input_bits"]],
            ["modulator extinction ratio", fmt(lb["extinction_db"], "dB")],
            ["required optical power", fmt(lb["optical_power_w"], "W")],
            ["wall-plug power", fmt(lb["wall_plug_w"], "W")],
            ["set power in the netlist", fmt(lb["set_power_w"], "W")],
            *[["FLAG", f] for f in lb["flags"]]])
    if info["flags"]:
        print_table("flags", ["flag"], [[f] for f in info["flags"]])
    print_table("components", ["component", "count"], [[k, v] for k, v in info["counts"].items()])
    print_table("static power by kind", ["kind", "power"],
                [[k, fmt(v, "W")] for k, v in info["static_power_by_kind_w"].items()])
    print_table("external ports", ["port", "domain", "direction", "connects to"],
                [[p["name"], p["domain"], p["direction"], p["target"]] for p in info["ports"]])
    return 0


def _write(data: dict, head: str, out: str | None) -> None:
    """YAML with ``head`` as comments (stdout or a file), or JSON for a ``.json`` file;
    files are written atomically."""
    if out is not None and Path(out).suffix.lower() == ".json":
        write_text(out, json.dumps(data, indent=1) + "\n")
    else:
        text = head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        if out is None:
            sys.stdout.write(text)
            return
        write_text(out, text)
    print(f"wrote {out}", file=sys.stderr)


def import_cmd(args) -> int:
    net = load_netlist(args.file, dialect=args.dialect)  # validates; warnings on stderr
    data = import_netlist(args.file, args.dialect).data
    head = (f"# imported from {args.file} ({args.dialect}) by photonic-emu netlist import: "
            f"{len(net.instances)} instances, {len(net.connections)} connections\n")
    _write(data, head, args.out)
    return 0


def export_cmd(args) -> int:
    netlist, models = to_sax(load_netlist(args.file))
    head = (f"# SAX netlist of {args.file} (photonic-emu netlist export); lengths in um.\n"
            "# models: from emulator.netlist.interop import sax_models\n"
            "#         circuit, _ = sax.circuit(netlist, sax_models())  # "
            f"{', '.join(models)}\n")
    _write(netlist, head, args.out)
    return 0
