"""Netlists of other tools: SAX and gdsfactory in (``import_netlist``, or
``load_netlist(obj, dialect=...)``), SAX out (``to_sax``).  The importers translate into
this project's netlist dict and hand it to the one loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from components import Registry, default_registry
from components.errors import NetlistError, Problem, did_you_mean

from ..source import Lines, read_document
from .sax import sax_model, sax_models, to_sax, translate

DIALECTS = ("sax", "gdsfactory")


@dataclass
class Imported:
    data: dict  # this project's netlist format
    lines: Lines  # key path -> line in the original file
    file: str | None
    base: Path
    notes: list[Problem] = field(default_factory=list)


def import_netlist(source: str | Path | Mapping[str, Any], dialect: str,
                   registry: Registry | None = None, *, base: str | Path | None = None,
                   label: str | None = None) -> Imported:
    """Translate a SAX or gdsfactory netlist (a YAML/JSON file or a dict) into this
    project's format; raises :class:`NetlistError` naming every key it cannot translate."""
    if dialect not in DIALECTS:
        raise NetlistError(Problem(f"unknown netlist dialect {dialect!r}",
                                   hint=did_you_mean(str(dialect), DIALECTS)
                                   or f"dialects: {', '.join(DIALECTS)}"))
    registry = registry if registry is not None else default_registry()
    if isinstance(source, Mapping):
        data, lines, file = dict(source), {}, label
        folder = Path(base) if base is not None else Path.cwd()
    else:
        path = Path(source) if base is None or Path(source).is_absolute() else Path(base) / source
        data, lines = read_document(path)
        file, folder = str(path), path.parent
    out, out_lines, notes = translate(data, dialect, registry, file=file, lines=lines)
    return Imported(out, out_lines, file, folder, notes)


__all__ = ["DIALECTS", "Imported", "import_netlist", "sax_model", "sax_models", "to_sax"]
