"""The one netlist loader: file, dict or generator -> validated, flattened :class:`Netlist`.

Format (YAML, JSON or a Python dict)::

    version: 1
    name: my_circuit                # optional
    instances:
      ps:   {component: phase_shifter, params: {phase: "0.3 rad"}}
      sub:  {netlist: other.yaml}                  # a subcircuit from a file
      mesh: {generator: clements, params: {n: 8, seed: 1}}
    connections: {"ps,out0": "sub,in0"}           # "instance,port": "instance,port"
    ports: {in0: "ps,in0", out0: "mesh,out0"}      # external name: "instance,port"

Subcircuits are flattened: their instances are named ``parent.child``.  Every problem
is collected (with file, key path and line) before one :class:`NetlistError` is raised.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from components import Registry, default_registry
from components.errors import EmulatorWarning, NetlistError, Problem, UserError, did_you_mean

from .buses import expand_buses
from .generators import GENERATORS
from .interop import import_netlist
from .interop.aliases import port_names
from .model import Connection, Instance, Netlist, Where, gc_paused
from .params import resolve_many, resolve_params, unit_notes
from .source import Lines, read_document, where
from .validate import check_structure
from .wdm import check_wdm

TOP_KEYS = ("version", "name", "doc", "instances", "connections", "ports", "info")
INSTANCE_KEYS = ("component", "netlist", "generator", "params", "doc")
SOURCES = ("component", "netlist", "generator")
VERSIONS = (1,)


@dataclass
class _Doc:
    data: Any
    lines: Lines
    file: str | None
    base: Path
    generated: bool = False  # a generator's output: SI numbers by construction, no warnings

    def where(self, path: tuple) -> Where:
        if not self.lines:  # a dict or generated document: no lines to look up
            try:
                text = ".".join(path)  # keys are text: the common case, without map(str)
            except TypeError:
                text = ".".join(map(str, path))
            return Where(self.file, text or None)
        return Where(**where(self.file, self.lines, *path))


@dataclass
class _Level:
    """One netlist level after flattening its children."""

    instances: dict[str, Instance] = field(default_factory=dict)
    connections: list[tuple[tuple[str, str], tuple[str, str], Where]] = field(default_factory=list)
    ports: dict[str, tuple[str, str]] = field(default_factory=dict)
    port_where: dict[str, Where] = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    name: str = ""


class _Ctx:
    def __init__(self, registry: Registry):
        self.registry = registry
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []  # warnings: the netlist loads, but check these
        self.ports: dict = {}  # (component, discrete params) -> ports, for this load only
        self.discrete: dict[str, tuple] = {}  # component -> its integer and choice params

    def add(self, where: Where, message: str, hint: str | None = None):
        self.problems.append(Problem(message, where.file, where.path, where.line, hint))


def load_netlist(source: str | Path | Mapping, registry: Registry | None = None, *,
                 base: str | Path | None = None, label: str | None = None,
                 lines: Lines | None = None, dialect: str | None = None) -> Netlist:
    """Load, flatten and validate a netlist from a path, or a dict in the same shape.

    For a dict, ``base`` is the folder its relative file names resolve against (default:
    the working directory) and ``label`` the name its messages use for it (a caller that
    read the dict from a file passes its ``lines``, or gives its problems lines with
    :func:`~.source.locate`).
    ``dialect="sax"`` or ``"gdsfactory"`` reads another tool's netlist (file or dict):
    :func:`~.interop.import_netlist` translates it into this format first.  Warnings
    (``Netlist.notes``) are also issued as :class:`~components.errors.EmulatorWarning`.
    """
    with gc_paused():
        return _load(source, registry, base, label, lines, dialect)


def _load(source, registry, base, label, lines, dialect) -> Netlist:
    registry = registry if registry is not None else default_registry()
    ctx = _Ctx(registry)
    if dialect is not None:
        imported = import_netlist(source, dialect, registry, base=base, label=label)
        ctx.notes.extend(imported.notes)
        doc = _Doc(imported.data, imported.lines, imported.file, imported.base)
    else:
        doc = _open(source, ctx, None, Path(base) if base is not None else None)
    if doc is not None and label is not None and doc.file is None:
        doc.file = label
        doc.lines = dict(lines or {})
    if doc is None:
        raise NetlistError(ctx.problems)
    level = _load_level(doc, ctx, stack=(doc.file,) if doc.file else ())
    if not ctx.problems:
        ctx.problems.extend(check_structure(level.instances, level.connections, level.ports,
                                            level.port_where))
        ctx.problems.extend(check_wdm(level.instances, level.connections))
    if ctx.problems:  # a bare length out of bounds: the unit warning's fix is the hint
        fixes = {n.path: n.hint for n in ctx.notes if n.path}
        raise NetlistError([replace(p, hint=p.hint or fixes.get(p.path)) for p in ctx.problems])
    conns = [Connection(a[0], a[1], b[0], b[1],
                        level.instances[a[0]].port_map[a[1]].domain, w)
             for a, b, w in level.connections]
    for note in ctx.notes:
        warnings.warn(str(note), EmulatorWarning, stacklevel=3)
    return Netlist(level.name or (Path(doc.file).stem if doc.file else "netlist"), doc.file,
                   level.instances, conns, level.ports, level.info, ctx.notes)


def _open(source, ctx: _Ctx, where: Where | None, base: Path | None = None) -> _Doc | None:
    if isinstance(source, Mapping):
        info = source.get("info")  # a generator's own output, handed over as a dict
        made = isinstance(info, dict) and info.get("kind") in GENERATORS
        return _Doc(dict(source), {}, None, base or Path.cwd(), made)
    path = Path(source)
    if base is not None and not path.is_absolute():
        path = base / path
    try:
        data, lines = read_document(path)
    except UserError as err:
        for p in err.problems:
            if where is not None and p.message == "file not found":
                ctx.add(where, f"subcircuit file not found: {path}")
            else:
                ctx.problems.append(p)
        return None
    return _Doc(data, lines, str(path), path.parent)


def _load_level(doc: _Doc, ctx: _Ctx, stack: tuple) -> _Level:
    level = _Level()
    data = doc.data
    if not isinstance(data, dict):
        ctx.add(doc.where(()), "a netlist must be a mapping with 'instances', 'connections', 'ports'")
        return level
    data, lines, problems = expand_buses(data, doc.lines, doc.file)  # dac[0:16], "mesh,in[0:16]"
    ctx.problems.extend(problems)
    doc = _Doc(data, lines, doc.file, doc.base, doc.generated)
    for key in data:
        if key not in TOP_KEYS:
            ctx.add(doc.where((key,)), f"unknown key {key!r}", did_you_mean(key, TOP_KEYS))
    version = data.get("version")
    if version not in VERSIONS:
        ctx.add(doc.where(("version",)), "missing 'version'" if version is None
                else f"unsupported version {version!r}", f"write 'version: {VERSIONS[-1]}'")
    level.name = str(data.get("name") or "")
    level.info = dict(data.get("info") or {}) if isinstance(data.get("info"), dict) else {}
    instances = _mapping(data, "instances", doc, ctx, required=True)
    exported: dict[str, dict[str, tuple[str, str]]] = {}  # subcircuit -> its external ports
    checked = _checked_params(instances, ctx, doc)
    for name, spec in instances.items():
        _load_instance(str(name), spec, doc, ctx, stack, level, exported, checked.get(name))
    # instances that failed to load were reported once; links to them are not reported again
    failed = {str(n) for n in instances} - set(exported) - set(level.instances)
    if "instances" not in data:
        return level

    def endpoint(text: Any, path: tuple) -> tuple[str, str] | None:
        parts = text.split(",") if isinstance(text, str) else ()
        if len(parts) != 2:
            ctx.add(doc.where(path), f"expected 'instance,port', got {text!r}")
            return None
        inst, port = parts[0].strip(), parts[1].strip()
        found = level.instances.get(inst)
        if found is not None and port in found.port_map:
            return inst, port  # the common case first: a component's port
        if inst in failed:
            return None
        if inst in exported:
            inner = exported[inst].get(port)
            if inner is None:
                ctx.add(doc.where(path), f"subcircuit '{inst}' has no port {port!r}",
                        did_you_mean(port, exported[inst]))
            return inner
        if found is None:
            ctx.add(doc.where(path), f"unknown instance {inst!r}",
                    did_you_mean(inst, list(instances)))
            return None
        if port not in found.port_map:
            theirs = port_names(found.ports).get(port)  # a gdsfactory / SAX o-port name
            ctx.add(doc.where(path),
                    f"instance '{inst}' ({found.component.name}) has no port {port!r}",
                    f"'{port}' is the gdsfactory name of '{theirs}' (or import the file "
                    "with --from gdsfactory)" if theirs else
                    did_you_mean(port, found.port_map) or f"ports: {', '.join(found.port_map)}")
            return None
        return inst, port

    for a, b in _mapping(data, "connections", doc, ctx).items():
        ea = endpoint(a, ("connections", a))
        eb = endpoint(b, ("connections", a))
        if ea and eb:
            level.connections.append((ea, eb, doc.where(("connections", a))))
    for ext, target in _mapping(data, "ports", doc, ctx).items():
        e = endpoint(target, ("ports", ext))
        if e:
            level.ports[str(ext)] = e
            level.port_where[str(ext)] = doc.where(("ports", ext))
    return level


def _mapping(data: dict, key: str, doc: _Doc, ctx: _Ctx, required: bool = False) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            ctx.add(doc.where(()), f"missing '{key}'")
        return {}
    if not isinstance(value, dict):
        ctx.add(doc.where((key,)), f"'{key}' must be a mapping, got {type(value).__name__}")
        return {}
    return value


def _checked_params(instances: dict, ctx: _Ctx, doc: _Doc) -> dict[str, tuple[dict, dict]]:
    """``{name: (params, given)}`` of the component instances whose parameters check in
    bulk (:func:`~.params.resolve_many`: same component and keys, bare numbers within
    bounds); every other instance goes through the per-instance checker."""
    groups: dict[tuple, list[str]] = {}
    for name, spec in instances.items():
        if (isinstance(spec, dict) and spec.keys() <= {"component", "params", "doc"}
                and isinstance(spec.get("component"), str)
                and spec["component"] in ctx.registry
                and isinstance(spec.get("params", {}), dict)):
            params = spec.get("params") or {}
            groups.setdefault((spec["component"], tuple(params)), []).append(name)
    out = {}
    for (comp, _), names in groups.items():
        component = ctx.registry.get(comp)
        given = [instances[n].get("params") or {} for n in names]
        resolved = resolve_many(component, given)
        if resolved is not None:
            out.update(zip(names, resolved))
            if not doc.generated and any(p.name in given[0] and p.unit == "m"
                                         for p in component.params):
                for n, g in zip(names, given):  # bare lengths: the unit warning, as below
                    ctx.notes.extend(unit_notes(component, g, file=doc.file, lines=doc.lines,
                                                at=("instances", n, "params")))
    return out


def _load_instance(name: str, spec: Any, doc: _Doc, ctx: _Ctx, stack: tuple, level: _Level,
                   exported: dict, checked: tuple[dict, dict] | None = None) -> None:
    path = ("instances", name)
    if checked is not None:  # a component whose keys and parameters checked in bulk
        _add_component(name, spec, doc, ctx, level, checked)
        return
    if not isinstance(spec, dict):
        ctx.add(doc.where(path), "an instance must be a mapping with 'component' and 'params'")
        return
    for key in spec:
        if key not in INSTANCE_KEYS:
            ctx.add(doc.where(path + (key,)), f"unknown key {key!r}",
                    did_you_mean(key, INSTANCE_KEYS))
    chosen = [k for k in SOURCES if k in spec]
    if len(chosen) != 1:
        ctx.add(doc.where(path), "an instance needs exactly one of 'component', 'netlist', "
                "'generator'" + (f" (has {', '.join(chosen)})" if chosen else ""))
        return
    kind = chosen[0]
    if kind == "component":
        _add_component(name, spec, doc, ctx, level, checked)
    else:
        child = _child_document(name, kind, spec, doc, ctx, stack)
        if child is None:
            return
        sub = _load_level(child, ctx, stack + ((child.file,) if child.file else ()))
        for inst in sub.instances.values():
            inst.name = f"{name}.{inst.name}"
            level.instances[inst.name] = inst
        for (ai, ap), (bi, bp), w in sub.connections:
            level.connections.append(((f"{name}.{ai}", ap), (f"{name}.{bi}", bp), w))
        exported[name] = {ext: (f"{name}.{i}", p) for ext, (i, p) in sub.ports.items()}
        if sub.info:
            level.info.setdefault("subcircuits", {})[name] = sub.info


def _add_component(name: str, spec: dict, doc: _Doc, ctx: _Ctx, level: _Level,
                   checked: tuple[dict, dict] | None = None) -> None:
    path = ("instances", name)
    comp_name = spec["component"]
    if not isinstance(comp_name, str) or comp_name not in ctx.registry:
        ctx.add(doc.where(path + ("component",)), f"unknown component {comp_name!r}",
                ctx.registry.suggest(str(comp_name)))
        return

    component = ctx.registry.get(comp_name)
    if checked is not None:  # a generated instance, its parameters checked in bulk
        params, given = checked
        problems = []
    else:
        params, given, problems = resolve_params(component, spec.get("params"), file=doc.file,
                                                 lines=doc.lines, at=path + ("params",))
        ctx.problems.extend(problems)
        if not doc.generated:
            ctx.notes.extend(unit_notes(component, spec.get("params"), file=doc.file,
                                        lines=doc.lines, at=path + ("params",)))
    if not problems:
        for msg in component.check(params):
            ctx.add(doc.where(path + ("params",)), msg)
    ports, port_map = _ports(ctx, component, params)
    inst = level.instances[name] = Instance(name, component, params, given, ports,
                                            doc.where(path))
    inst.__dict__["port_map"] = port_map  # the cached property, shared by equal ports


def _ports(ctx: _Ctx, component, params):
    """``(ports, {name: port})``: ports depend only on whole-number and choice
    parameters, memoized on those per load (no state survives a call of load_netlist)."""
    names = ctx.discrete.get(component.name)
    if names is None:
        names = ctx.discrete[component.name] = tuple(
            p.name for p in component.params if p.integer or p.is_choice)
    key = (component.name,) + tuple([params.get(n) for n in names])
    hit = ctx.ports.get(key)
    if hit is None:
        ports = component.ports(params)
        hit = ctx.ports[key] = (ports, {p.name: p for p in ports})
    return hit


def _child_document(name, kind, spec, doc: _Doc, ctx: _Ctx, stack: tuple) -> _Doc | None:
    path = ("instances", name, kind)
    where = doc.where(path)
    if kind == "netlist":
        if spec.get("params"):
            ctx.add(doc.where(("instances", name, "params")),
                    "a subcircuit file takes no params (set them inside that file)")
        target = spec["netlist"]
        if isinstance(target, dict):  # an inline subcircuit (e.g. from a SAX recursive netlist)
            n = len(path)
            return _Doc(target, {k[n:]: v for k, v in doc.lines.items() if k[:n] == path},
                        doc.file, doc.base, doc.generated)
        if not isinstance(target, str):
            ctx.add(where, f"'netlist' must be a file path or a netlist mapping, got {target!r}")
            return None
        resolved = str((doc.base / target) if not Path(target).is_absolute() else Path(target))
        if resolved in stack:
            cycle = " -> ".join(list(stack) + [resolved])
            ctx.add(where, f"subcircuit includes itself: {cycle}")
            return None
        return _open(target, ctx, where, doc.base)
    gen = spec["generator"]
    if gen not in GENERATORS:
        ctx.add(where, f"unknown generator {gen!r}",
                did_you_mean(str(gen), GENERATORS) or f"generators: {', '.join(GENERATORS)}")
        return None
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        ctx.add(doc.where(("instances", name, "params")), "params must be a mapping")
        return None
    params = {k: (str(doc.base / v) if k.endswith("_file") and isinstance(v, str)
                  and not Path(v).is_absolute() else v) for k, v in params.items()}
    accepted = inspect.signature(GENERATORS[gen]).parameters
    unknown = [k for k in params if k not in accepted]
    for k in unknown:
        ctx.add(doc.where(("instances", name, "params", k)),
                f"unknown parameter {k!r} for generator '{gen}'",
                did_you_mean(k, accepted) or f"parameters: {', '.join(accepted)}")
    if unknown:
        return None
    try:
        data = GENERATORS[gen](**params)
    except UserError as err:
        for p in err.problems:
            ctx.add(doc.where(("instances", name, "params")), p.message, p.hint)
        return None
    except Exception as exc:  # a generator given values it cannot use: report, never crash
        ctx.add(doc.where(("instances", name, "params")),
                f"generator '{gen}' failed: {type(exc).__name__}: {exc}")
        return None
    return _Doc(data, {}, f"{doc.file or '<dict>'}#{name}({gen})", doc.base, generated=True)
