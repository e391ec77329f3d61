"""Instance arrays and port buses: netlists a person can write.

Expanded by the loader before anything is checked, so everything after sees plain names:

* an instance key ``dac[0:16]`` declares ``dac0`` … ``dac15`` with the same spec;
* an endpoint ``"dac[0:16],e_out"`` (instance bus) or ``"mesh,in[0:16]"`` (port bus, or
  both at once, zipped) stands for 16 endpoints: a connection between two buses of equal
  width is that many connections, index by index;
* a port key ``in[0:16]`` maps external ports ``in0`` … ``in15`` onto a bus of the same
  width.

Ranges are Python's: ``[a:b]`` is a, a+1, …, b−1.  A width mismatch, an empty or reversed
range, a name an array declares twice, or an index outside a declared array is an error
at the line of the bus, naming the offending index.
"""

from __future__ import annotations

import re

BUS = re.compile(r"^(?P<base>[A-Za-z_][\w.]*?)\[(?P<a>\d+):(?P<b>\d+)\]$")


class BusError(ValueError):
    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path, self.message = path, message


def _range(text: str, path: tuple) -> tuple[str, range] | None:
    m = BUS.match(text.strip())
    if m is None:
        if "[" in text or "]" in text:
            raise BusError(path, f"{text!r} is not a bus: write name[first:end], e.g. dac[0:16]")
        return None
    a, b = int(m["a"]), int(m["b"])
    if b <= a:
        raise BusError(path, f"{text!r} is an empty range: [{a}:{b}] has no index "
                             "(the end is excluded)")
    return m["base"], range(a, b)


def _names(text: str, path: tuple) -> list[str]:
    r = _range(text, path)
    return [text.strip()] if r is None else [f"{r[0]}{i}" for i in r[1]]


def _endpoints(text, path: tuple, arrays: dict[str, range]) -> list[str] | None:
    """The endpoints a (bus) endpoint string stands for; None if it is not a string."""
    if not isinstance(text, str) or "," not in text:
        return None
    inst, port = text.split(",", 1)
    insts, ports = _names(inst, path), _names(port, path)
    r = _range(inst, path)
    if r is not None and r[0] in arrays:
        bad = [i for i in r[1] if i not in arrays[r[0]]]
        if bad:
            raise BusError(path, f"index {bad[0]} of {text!r} is outside the array "
                                 f"{r[0]}[{arrays[r[0]].start}:{arrays[r[0]].stop}]")
    if len(insts) > 1 and len(ports) > 1 and len(insts) != len(ports):
        raise BusError(path, f"{text!r}: {len(insts)} instances but {len(ports)} ports")
    n = max(len(insts), len(ports))
    insts = insts * n if len(insts) == 1 else insts
    ports = ports * n if len(ports) == 1 else ports
    return [f"{i},{p}" for i, p in zip(insts, ports)]


def uses_buses(data: dict) -> bool:
    """True if any instance, connection or port key or endpoint has a bracket."""
    return any("[" in str(k) or "[" in str(v)
               for section in ("instances", "connections", "ports")
               if isinstance(data.get(section), dict)
               for k, v in data[section].items())


def expand(data: dict, lines: dict) -> tuple[dict, dict, list[BusError]]:
    """``data`` with its arrays and buses expanded, ``lines`` extended so every expanded
    key has the line of the key it came from, and the problems found."""
    problems: list[BusError] = []
    out, lines = dict(data), dict(lines)
    arrays: dict[str, range] = {}

    def alias(section: str, old, new) -> None:
        for path, line in list(lines.items()):
            if path[:2] == (section, old):
                lines[(section, new) + path[2:]] = line

    instances = data.get("instances")
    if isinstance(instances, dict):
        new: dict = {}
        for key, spec in instances.items():
            path = ("instances", key)
            try:
                r = _range(str(key), path)
            except BusError as err:
                problems.append(err)
                new[key] = spec
                continue
            names = [key] if r is None else [f"{r[0]}{i}" for i in r[1]]
            if r is not None:
                arrays[r[0]] = r[1]
            for name in names:
                if name in new or (r is not None and name in instances):
                    problems.append(BusError(path, f"instance {name!r} of {key!r} is "
                                                   "declared twice"))
                    continue
                new[name] = spec
                if name != key:
                    alias("instances", key, name)
        out["instances"] = new

    connections = data.get("connections")
    if isinstance(connections, dict):
        new = {}
        for a, b in connections.items():
            path = ("connections", a)
            try:
                ea, eb = _endpoints(a, path, arrays), _endpoints(b, path, arrays)
            except BusError as err:
                problems.append(err)
                continue
            if ea is None or eb is None or (len(ea) == 1 and len(eb) == 1):
                new[a] = b
                continue
            if len(ea) != len(eb):
                problems.append(BusError(path, f"bus {a!r} has {len(ea)} ports but "
                                               f"{b!r} has {len(eb)}"))
                continue
            for x, y in zip(ea, eb):
                if x in new:
                    problems.append(BusError(path, f"{x!r} (from bus {a!r}) is connected "
                                                   "twice"))
                    continue
                new[x] = y
                alias("connections", a, x)
        out["connections"] = new

    ports = data.get("ports")
    if isinstance(ports, dict):
        new = {}
        for ext, target in ports.items():
            path = ("ports", ext)
            try:
                names = _names(str(ext), path)
                targets = _endpoints(target, path, arrays)
            except BusError as err:
                problems.append(err)
                continue
            if len(names) == 1 and (targets is None or len(targets) == 1):
                new[ext] = target
                continue
            if targets is None or len(targets) != len(names):
                width = 1 if targets is None else len(targets)
                problems.append(BusError(path, f"ports {ext!r} are {len(names)} wide but "
                                               f"{target!r} is {width}"))
                continue
            for name, t in zip(names, targets):
                new[name] = t
                alias("ports", ext, name)
        out["ports"] = new
    return out, lines, problems
