"""WDM check on a flattened netlist: a multi-wavelength source must not emit more lines than
a WDM multiplexer or demultiplexer its light reaches declares channels."""

from __future__ import annotations

from components.base import OPTICAL
from components.errors import Problem

from .model import Instance

SOURCE = "multi_laser"
FILTERS = ("wdm_mux", "wdm_demux")


def check_wdm(instances: dict[str, Instance], connections: list) -> list[Problem]:
    sources = [n for n, i in instances.items() if i.component.name == SOURCE]
    if not sources:
        return []
    succ: dict[str, set[str]] = {}
    for (a, ap), (b, _), _w in connections:
        if instances[a].port_map[ap].domain == OPTICAL:
            succ.setdefault(a, set()).add(b)
    problems = []
    for name in sources:
        lines = int(instances[name].params["lines"])
        seen, todo = set(), [name]
        while todo:
            for nxt in succ.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        for other in sorted(seen):
            f = instances[other]
            if f.component.name in FILTERS and lines > int(f.params["n"]):
                w = f.where
                problems.append(Problem(
                    f"'{name}' emits {lines} wavelengths but {f.component.name} '{other}' "
                    f"declares {int(f.params['n'])} channels", w.file, w.path, w.line,
                    "raise the filter's n or lower the source's lines"))
    return problems
