"""`photonic-emu components [--json]`: the catalogue with ports, parameters, units, defaults."""

from __future__ import annotations

import sys

from components import default_registry
from emulator.io.files import to_json
from components.units import fmt

from .tables import print_table


def register(sub) -> None:
    p = sub.add_parser("components", help="list the component catalogue")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("name", nargs="?", help="show only this component")
    p.set_defaults(func=run)


def catalogue(registry=None) -> list[dict]:
    registry = registry or default_registry()
    out = []
    for comp in registry:
        defaults = comp.defaults()
        out.append({
            "name": comp.name, "kind": comp.kind, "doc": comp.doc,
            "ports": [{"name": p.name, "domain": p.domain, "direction": p.direction}
                      for p in comp.ports(defaults)],
            "params": [{"name": p.name, "unit": p.unit, "default": defaults[p.name],
                        "bounds": [p.lo, p.hi], "choices": list(p.choices), "source": p.source,
                        "doc": p.doc} for p in comp.params],
            "variants": {k: dict(v) for k, v in comp.variants.items()},
        })
    return out


def _num(x) -> str:
    return "-" if x is None else f"{x:.4g}"


def _value(v, unit: str) -> str:
    """A default as a person reads it: engineering prefix and unit."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    return fmt(float(v), unit) if unit not in ("1", "bit") else f"{v:.4g}"


def run(args) -> int:
    from components.errors import Problem, UserError, did_you_mean

    cat = catalogue()
    if args.name:
        cat = [c for c in cat if c["name"] == args.name]
        if not cat:
            raise UserError(Problem(f"unknown component {args.name!r}",
                                    hint=did_you_mean(args.name, [c["name"] for c in catalogue()])))
    if args.json:
        sys.stdout.write(to_json(cat))
        return 0
    for c in cat:
        ports = ", ".join(f"{p['name']} ({p['domain']} {p['direction']})" for p in c["ports"])
        rows = [[p["name"], p["unit"], "|".join(p["choices"]) if p["choices"] else "",
                 _value(p["default"], p["unit"]),
                 "" if p["choices"] else f"[{_num(p['bounds'][0])}, {_num(p['bounds'][1])}]",
                 p["source"]] for p in c["params"]]
        print_table(f"{c['name']} [{c['kind']}]: {c['doc']}\n  ports: {ports}",
                    ["param", "unit (SI)", "choices", "default", "bounds", "source"], rows)
    return 0
