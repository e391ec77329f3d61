"""`photonic-emu schema scenario|sweep [--text]`: the file format, from its declarations.

By default a JSON Schema (for editors and CI; ``scenarios/*.schema.json`` are this output),
with ``--text`` a short reference of every key with type, unit, bounds and default.
"""

from __future__ import annotations

import json

from emulator.scenario.schema import SCHEMA as SCENARIO
from emulator.schema import describe, json_schema
from emulator.sweep.spec import SWEEP_SCHEMA

SCHEMAS = {"scenario": (SCENARIO, "photonic-emulator scenario file"),
           "sweep": (SWEEP_SCHEMA, "photonic-emulator sweep file")}


def register(sub) -> None:
    p = sub.add_parser("schema", help="print the scenario or sweep file schema")
    p.add_argument("kind", choices=sorted(SCHEMAS), help="which file format")
    p.add_argument("--text", action="store_true", help="a text reference, not JSON Schema")
    p.set_defaults(func=run)


def schema_text(kind: str) -> str:
    """The JSON Schema of ``kind`` files, as shipped in ``scenarios/<kind>.schema.json``."""
    schema, title = SCHEMAS[kind]
    return json.dumps(json_schema(schema, title), indent=2, ensure_ascii=False) + "\n"


def run(args) -> int:
    if args.text:
        print("\n".join(describe(SCHEMAS[args.kind][0])))
    else:
        print(schema_text(args.kind), end="")
    return 0
