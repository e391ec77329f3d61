"""Instance arrays and port buses, expanded before a netlist level is read.

``dac[0:16]: {component: dac}`` makes ``dac0`` … ``dac15``; an endpoint may carry one
range, on the instance or on the port: ``"dac[0:16],e_out": "mod[0:16],drive"`` links
``dac0,e_out`` to ``mod0,drive`` and so on, ``in[0:16]: "mesh,in[0:16]"`` exposes sixteen
ports.  Both sides of a link must be as wide.  Ranges are Python's: ``[a:b]`` is a … b−1.
Expanded keys keep the line of the bus that made them, so a problem with one index (a port
that does not exist) is reported at the bus line under the expanded name.
"""

from __future__ import annotations

import re
from typing import Any

from components.errors import Problem

from .source import Lines, line_of

_RANGE = re.compile(r"^(?P<base>[^\[\]]*)\[(?P<a>\d+):(?P<b>\d+)\](?P<rest>[^\[\]]*)$")


def _has_range(text: Any) -> bool:
    return isinstance(text, str) and "[" in text


def _names(text: str) -> list[str] | str:
    """The names a (possibly ranged) name stands for, or an error message."""
    if "[" not in text and "]" not in text:
        return [text]
    m = _RANGE.match(text)
    if not m:
        return f"cannot read {text!r} as a range: write 'name[a:b]' (one range)"
    a, b = int(m["a"]), int(m["b"])
    if b <= a:
        return f"empty range [{a}:{b}] in {text!r}: the end comes after the start"
    return [f"{m['base']}{i}{m['rest']}" for i in range(a, b)]


def _endpoints(text: Any) -> list | str:
    if not isinstance(text, str) or text.count(",") != 1:
        return [text]  # the loader reports it
    inst, port = (s.strip() for s in text.split(","))
    if _has_range(inst) and _has_range(port):
        return f"{text!r} has a range on both the instance and the port: use one"
    insts, ports = _names(inst), _names(port)
    for got in (insts, ports):
        if isinstance(got, str):
            return got
    return [f"{i},{p}" for i in insts for p in ports]


def expand_buses(data: dict, lines: Lines, file: str | None) -> tuple[dict, Lines, list[Problem]]:
    """``data`` with its instance arrays and buses expanded, the lines of the new keys,
    and the problems found (each at the line of the bus that caused it)."""
    inst = data.get("instances")
    conns = data.get("connections")
    ports = data.get("ports")
    if not (isinstance(inst, dict) and any(_has_range(k) for k in inst)
            or isinstance(conns, dict) and any(_has_range(k) or _has_range(v)
                                                for k, v in conns.items())
            or isinstance(ports, dict) and any(_has_range(k) or _has_range(v)
                                                for k, v in ports.items())):
        return data, lines, []
    problems: list[Problem] = []
    new_lines = dict(lines)

    def add(path: tuple, msg: str, hint: str | None = None):
        problems.append(Problem(msg, file, ".".join(map(str, path)), line_of(lines, path), hint))

    def relabel(old: tuple, new: tuple):
        n = len(old)
        for k, v in lines.items():
            if k[:n] == old:
                new_lines[new + k[n:]] = v

    out = dict(data)
    if isinstance(inst, dict):
        out["instances"] = {}
        for key, spec in inst.items():
            names = _names(str(key))
            if isinstance(names, str):
                add(("instances", key), names)
                continue
            for name in names:
                if name in out["instances"]:
                    add(("instances", key), f"instance {name!r} is defined twice")
                out["instances"][name] = spec
                relabel(("instances", key), ("instances", name))

    def pairs(section: str, key: Any, value: Any, ranged_keys: bool) -> list[tuple]:
        path = (section, key)
        left = _endpoints(key) if ranged_keys and section == "connections" else (
            _names(str(key)) if ranged_keys else [key])
        right = _endpoints(value)
        for got in (left, right):
            if isinstance(got, str):
                add(path, got)
                return []
        if len(left) != len(right):
            add(path, f"bus widths differ: {key!r} is {len(left)} wide, {value!r} is "
                f"{len(right)}", "a port is linked once: give both sides ranges of one length")
            return []
        return list(zip(left, right))

    for section in ("connections", "ports"):
        given = data.get(section)
        if not isinstance(given, dict):
            continue
        out[section] = {}
        for key, value in given.items():
            for a, b in pairs(section, key, value, True):
                if a in out[section]:
                    add((section, key), f"{'port' if section == 'connections' else 'name'} "
                        f"{a!r} appears twice")
                    continue
                out[section][a] = b
                relabel((section, key), (section, a))
    return out, new_lines, problems
