"""SAX and gdsfactory netlists in, SAX netlists out.

:func:`translate` turns a SAX netlist dict (flat, or recursive: ``{top_level: {...},
sub: {...}}``) or a gdsfactory netlist (the same shape plus ``nets``, ``placements``,
``routes``, ``warnings``, ...) into this project's netlist dict, which the one loader then
reads: model names through :mod:`.aliases`, o-port names to ours, µm to SI (written as
``"10.0 um"``), sub-netlists as inline subcircuits.  Every key it does not translate is an
error or a note; nothing is dropped silently.

:func:`to_sax` goes the other way: a SAX netlist of a loaded netlist's passive optics plus
``models``, SAX model functions built from our component models (``emu_<component>``).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from components import Registry, default_registry
from components.base import IN, OPTICAL, OUT
from components.errors import NetlistError, Problem, did_you_mean

from ..model import Netlist
from ..source import Lines, line_of
from .aliases import ALIASES, GDSFACTORY_ALIASES, NO_EQUIVALENT, PREFIX, Alias, port_names

SAX_KEYS = ("instances", "connections", "ports", "nets", "placements", "settings")
GDS_KEYS = SAX_KEYS + ("name", "warnings", "routes", "info", "pdk", "schema")
INSTANCE_KEYS = ("component", "settings", "info")
# keys read and ignored, with the note given
IGNORED = {"placements": "layout positions are not modelled",
           "warnings": "gdsfactory's own warnings about the layout",
           "info": "metadata", "pdk": "the layout's PDK", "schema": "a schema reference"}


class _Translator:
    def __init__(self, dialect: str, registry: Registry, file: str | None, lines: Lines):
        self.dialect, self.registry, self.file, self.lines = dialect, registry, file, lines
        self.aliases = GDSFACTORY_ALIASES if dialect == "gdsfactory" else ALIASES
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self.counted: dict[tuple, list] = {}  # (note, model, setting) -> [instance path]
        self.subnets: dict[str, Any] = {}
        self.done: dict[str, tuple[dict, Lines, dict]] = {}
        self._ports: dict = {}

    def where(self, path: tuple) -> dict:
        return {"file": self.file, "path": ".".join(map(str, path)) or None,
                "line": line_of(self.lines, path)}

    def error(self, path: tuple, msg: str, hint: str | None = None):
        self.problems.append(Problem(msg, hint=hint, **self.where(path)))

    def note(self, path: tuple, msg: str, hint: str | None = None):
        self.notes.append(Problem(msg, hint=hint, **self.where(path)))

    def count(self, key: tuple, path: tuple):
        self.counted.setdefault(key, []).append(path)

    # ---------------------------------------------------------------- documents
    def document(self, data: Any) -> tuple[dict, Lines]:
        if not isinstance(data, dict):
            self.error((), f"a {self.dialect} netlist must be a mapping, got {type(data).__name__}")
            return {}, {}
        if "instances" in data:
            out, lines, _ = self.netlist(data, ())
        else:  # recursive: {name: netlist}; the top is 'top_level', else the first (as SAX)
            if not data:
                self.error((), f"an empty {self.dialect} netlist", "it needs 'instances', "
                           "'connections', 'ports' (or, recursive, netlists by name)")
            bad = [k for k, v in data.items() if not (isinstance(v, dict) and "instances" in v)]
            for k in bad:
                self.error((k,), "neither a netlist (no 'instances') nor a key of one",
                           did_you_mean(str(k), GDS_KEYS))
            if bad or not data:
                return {}, {}
            self.subnets = data
            top = "top_level" if "top_level" in data else next(iter(data))
            out, lines, _ = self.sub(top, (), ())
            out = {**out, "name": out.get("name") or top}
        for (msg, model, setting), paths in self.counted.items():
            n = len(paths)
            text = msg.format(model=model, setting=setting)
            self.note(paths[0], f"{text} ({n} instance{'s' if n > 1 else ''})")
        return out, lines

    def sub(self, name: str, stack: tuple, at: tuple) -> tuple[dict, Lines, dict]:
        if name in stack:
            self.error(at, "the netlist includes itself: " + " -> ".join(stack + (name,)))
            return {}, {}, {}
        if name not in self.done:
            self.done[name] = self.netlist(self.subnets[name], (name,), stack + (name,))
        return self.done[name]

    def netlist(self, net: dict, at: tuple, stack: tuple = ()) -> tuple[dict, Lines, dict]:
        """(our dict, its lines, {instance: accepted port names, or None for a subcircuit})."""
        keys = GDS_KEYS if self.dialect == "gdsfactory" else SAX_KEYS
        for key in net:
            if key not in keys:
                self.error(at + (key,), f"unknown key {key!r} in a {self.dialect} netlist",
                           did_you_mean(str(key), keys))
            elif key in IGNORED and net[key]:
                self.note(at + (key,), f"'{key}' ignored ({IGNORED[key]})")
        if net.get("settings"):
            self.error(at + ("settings",), "netlist-wide settings are not translated",
                       "set them on the instances")
        out: dict = {"version": 1}
        if self.dialect == "gdsfactory" and isinstance(net.get("name"), str):
            out["name"] = net["name"]
        out["instances"], out["connections"], out["ports"] = {}, {}, {}
        lines: Lines = {}

        def mark(new: tuple, old: tuple):
            line = line_of(self.lines, at + old)
            if line is not None:
                lines[new] = line

        ports: dict[str, dict | None] = {}
        instances = net.get("instances")
        if not isinstance(instances, dict):
            self.error(at + ("instances",), "'instances' must be a mapping")
            instances = {}
        for name, spec in instances.items():
            path = at + ("instances", name)
            mark(("instances", name), ("instances", name))
            spec = {"component": spec} if isinstance(spec, str) else spec
            if not isinstance(spec, dict) or not isinstance(spec.get("component"), str):
                self.error(path, "an instance is a model name or a mapping with 'component'")
                continue
            for key in spec:
                if key not in INSTANCE_KEYS:
                    self.error(path + (key,), f"unknown instance key {key!r}"
                               + (" (instance arrays are not translated)" if key == "array" else ""),
                               did_you_mean(str(key), INSTANCE_KEYS))
            if spec.get("info"):
                self.count(("instance 'info' ignored (metadata)", "", ""), path + ("info",))
            settings = spec.get("settings") or {}
            if not isinstance(settings, dict):
                self.error(path + ("settings",), "'settings' must be a mapping")
                continue
            made = self.instance(str(name), spec["component"], dict(settings), path, stack)
            if made is None:
                ports[name] = None
                continue
            ours, accepted, sub_lines = made
            out["instances"][name] = ours
            ports[name] = accepted
            for k, v in sub_lines.items():
                lines[("instances", name, "netlist") + k] = v
            for k in ours.get("params", {}):
                mark(("instances", name, "params", k),
                     ("instances", name, "settings", k) if k in settings else ("instances", name))

        def endpoint(text: Any, path: tuple) -> Any:
            if not isinstance(text, str) or text.count(",") != 1:
                return text  # the loader reports it
            inst, port = (s.strip() for s in text.split(","))
            accepted = ports.get(inst)
            if accepted is None or port in accepted.values():
                return f"{inst},{port}"
            if port in accepted:
                return f"{inst},{accepted[port]}"
            spec = instances[inst]
            model = spec if isinstance(spec, str) else spec.get("component")
            comp = out["instances"][inst].get("component")
            self.error(path, f"instance '{inst}' ({model} -> {comp}) has no port {port!r}",
                       did_you_mean(port, accepted) or f"ports: {', '.join(accepted)}")
            return None

        links: list[tuple[Any, Any, tuple]] = []
        conns = net.get("connections") or {}
        if not isinstance(conns, dict):
            self.error(at + ("connections",), "'connections' must be a mapping")
            conns = {}
        links += [(a, b, ("connections", a)) for a, b in conns.items()]
        nets = net.get("nets") or []
        if not isinstance(nets, list):
            self.error(at + ("nets",), "'nets' must be a list of {p1, p2}")
            nets = []
        for i, item in enumerate(nets):
            if not isinstance(item, dict) or "p1" not in item or "p2" not in item:
                self.error(at + ("nets", i), "a net is a mapping with 'p1' and 'p2'")
                continue
            for key in item:
                if key not in ("p1", "p2", "name", "settings"):
                    self.error(at + ("nets", i, key), f"unknown key {key!r} in a net",
                               did_you_mean(str(key), ("p1", "p2", "name", "settings")))
            if item.get("settings"):
                self.error(at + ("nets", i, "settings"), "net settings are not translated")
            links.append((item["p1"], item["p2"], ("nets", i)))
        routes = net.get("routes") or {}
        if isinstance(routes, dict):
            for bundle, spec in routes.items():
                got = spec.get("links") if isinstance(spec, dict) else None
                if not isinstance(got, dict):
                    self.error(at + ("routes", bundle), "a route bundle needs 'links'")
                    continue
                self.note(at + ("routes", bundle), f"route bundle '{bundle}': its links become "
                          "direct connections (the routed waveguides are not modelled)")
                links += [(a, b, ("routes", bundle, "links", a)) for a, b in got.items()]
        for a, b, old in links:
            ea, eb = endpoint(a, at + old), endpoint(b, at + old)
            if ea is None or eb is None:
                continue
            key = ea if isinstance(ea, str) else str(ea)
            if key in out["connections"]:
                self.error(at + old, f"port '{key}' is connected twice")
                continue
            out["connections"][key] = eb
            mark(("connections", key), old)
        ext = net.get("ports") or {}
        if not isinstance(ext, dict):
            self.error(at + ("ports",), "'ports' must be a mapping")
            ext = {}
        for name, target in ext.items():
            e = endpoint(target, at + ("ports", name))
            if e is not None:
                out["ports"][str(name)] = e
                mark(("ports", str(name)), ("ports", name))
        return out, lines, ports

    # ---------------------------------------------------------------- instances
    def instance(self, name: str, model: str, settings: dict, path: tuple, stack: tuple):
        """(our instance spec, accepted port names or None, lines of an inline subnetlist)."""
        if model in self.subnets:
            if settings:
                self.error(path + ("settings",), "settings on a sub-netlist instance are not "
                           "translated", f"set them inside '{model}'")
            sub, sub_lines, _ = self.sub(model, stack, path + ("component",))
            return {"netlist": sub}, None, sub_lines
        ours = model[len(PREFIX):] if model.startswith(PREFIX) else None
        if ours is None and model not in self.aliases and model not in NO_EQUIVALENT:
            ours = model  # one of our own names that SAX does not use
        if ours is not None and ours in self.registry:
            return self.own(ours, settings, path), self.accepted(ours, settings), {}
        if model in self.aliases:
            alias = self.aliases[model]
            params = self.alias(model, alias, settings, path)
            return ({"component": alias.component, "params": params},
                    self.accepted(alias.component, params), {})
        if model in NO_EQUIVALENT:
            self.error(path + ("component",), NO_EQUIVALENT[model])
            return None
        options = list(self.aliases) + [PREFIX + n for n in self.registry.names()] + \
            self.registry.names() + list(self.subnets)
        self.error(path + ("component",), f"instance '{name}': no model {model!r} here",
                   did_you_mean(model, options) or
                   f"models: {', '.join(sorted(self.aliases))} or emu_<component>")
        return None

    def own(self, comp_name: str, settings: dict, path: tuple) -> dict:
        """One of our components: settings are our parameters, lengths in µm."""
        comp = self.registry.get(comp_name)
        units = {p.name: p.unit for p in comp.params}
        params = {k: (f"{float(v)!r} um" if units.get(k) == "m" and isinstance(v, (int, float))
                      and not isinstance(v, bool) else v) for k, v in settings.items()}
        return {"component": comp_name, "params": params}

    def alias(self, model: str, alias: Alias, settings: dict, path: tuple) -> dict:
        params: dict = {}
        if alias.combine is not None:
            try:
                made, note = alias.combine(settings)
                params.update(made)
                if note:
                    self.count(("'{model}': " + note, model, ""), path)
            except ValueError as exc:
                self.error(path + ("settings",), f"model '{model}': {exc}")
        for key, value in settings.items():
            at = path + ("settings", key)
            if key in alias.rules:
                ours, conv = alias.rules[key]
                try:
                    params[ours] = conv(value)
                except ValueError as exc:
                    self.error(at, str(exc))
            elif key in alias.layout:
                self.count(("setting '{setting}' of '{model}' ignored (layout only)", model, key),
                           at)
            else:
                self.error(at, f"setting {key!r} of model '{model}' is not translated",
                           did_you_mean(key, list(alias.rules) + list(alias.layout)) or
                           f"settings: {', '.join(alias.rules) or 'none'}")
        if alias.note:
            self.count(("'{model}': " + alias.note, model, ""), path)
        return {**alias.defaults, **params}

    def accepted(self, comp_name: str, params: dict) -> dict[str, str]:
        comp = self.registry.get(comp_name)
        discrete = tuple(sorted((k, v) for k, v in params.items() if isinstance(v, int)
                                and not isinstance(v, bool) and k in comp.param_names))
        key = (comp_name, discrete)
        if key not in self._ports:
            self._ports[key] = port_names(comp.ports(comp.resolve(dict(discrete))))
        return self._ports[key]


def translate(data: Any, dialect: str, registry: Registry, *, file: str | None = None,
              lines: Lines | None = None) -> tuple[dict, Lines, list[Problem]]:
    """(our netlist dict, its key-path -> line map, notes); raises :class:`NetlistError`
    with every problem found."""
    t = _Translator(dialect, registry, file, lines or {})
    out, out_lines = t.document(data)
    if t.problems:
        raise NetlistError(t.problems)
    return out, out_lines, t.notes


# ------------------------------------------------------------------------- export

def _sax_name(name: str) -> str:
    return name.replace(".", "__")


def sax_model(component):
    """A SAX model (keyword settings -> S-dict) of one of our passive optical components.

    ``wl`` in µm as SAX writes it; lengths in µm; every other setting in our SI units;
    a setting left at ``None`` takes our default (per variant, e.g. ``tech``).  The
    S-matrix is reciprocal and reflection-free: our forward field transfer both ways.
    Plain numpy: evaluate the circuit without ``jax.jit``.
    """
    units = {p.name: p.unit for p in component.params}

    def model(*, wl=1.55, **settings):
        given = {k: (v * 1e-6 if units[k] == "m" else v) for k, v in settings.items()
                 if v is not None}
        p = component.resolve(given)
        shape = np.shape(wl)
        lams = np.atleast_1d(np.asarray(wl, dtype=float)).ravel() * 1e-6
        T = np.stack([component.transfer(p, lam) for lam in lams])
        ports = component.ports(p)
        ins = [q.name for q in ports if q.domain == OPTICAL and q.direction == IN]
        outs = [q.name for q in ports if q.domain == OPTICAL and q.direction == OUT]
        s = {}
        for i, a in enumerate(ins):
            for j, b in enumerate(outs):
                s[(a, b)] = s[(b, a)] = T[:, j, i].reshape(shape)
        return s

    params = [inspect.Parameter("wl", inspect.Parameter.KEYWORD_ONLY, default=1.55)]
    params += [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=None)
               for p in component.params]
    model.__signature__ = inspect.Signature(params)
    model.__name__ = PREFIX + component.name
    model.__doc__ = component.doc
    return model


def sax_models(registry: Registry | None = None) -> dict:
    """``{emu_<name>: model}`` for every passive optical component of ``registry``."""
    registry = registry if registry is not None else default_registry()
    return {PREFIX + c.name: sax_model(c) for c in registry if c.is_passive_optical}


def to_sax(net: Netlist, registry: Registry | None = None) -> tuple[dict, dict]:
    """(SAX netlist, models) of a loaded netlist's passive optics: evaluate with
    ``sax.circuit(netlist, models)``.  Instance names ``a.b`` become ``a__b`` (SAX wants
    identifiers); settings are what the file set (``given``), lengths in µm."""
    registry = registry if registry is not None else default_registry()
    problems = []
    active = [i for i in net.instances.values() if not i.component.is_passive_optical]
    if active:
        kinds: dict[str, int] = {}
        for inst in active:
            kinds[inst.component.name] = kinds.get(inst.component.name, 0) + 1
        w = active[0].where
        problems.append(Problem(
            f"{len(active)} instance(s) are not passive optics, which is all SAX evaluates: "
            + ", ".join(f"{k} x{v}" for k, v in kinds.items())
            + f" (first: '{active[0].name}')", w.file, w.path, w.line,
            "export the optical part of the netlist (e.g. its mesh as a file of its own)"))
    names = {n: _sax_name(n) for n in net.instances}
    if len(set(names.values())) != len(names):
        problems.append(Problem("instance names collide once '.' becomes '__'", net.file))
    if problems:
        raise NetlistError(problems)
    instances = {}
    for n, inst in net.instances.items():
        units = {p.name: p.unit for p in inst.component.params}
        settings = {k: (float(f"{_plain(v) * 1e6:.15g}") if units[k] == "m" else _plain(v))
                    for k, v in inst.given.items()}
        instances[names[n]] = {"component": PREFIX + inst.component.name, "settings": settings}
    connections = {f"{names[c.src]},{c.src_port}": f"{names[c.dst]},{c.dst_port}"
                   for c in net.connections}
    ports = {ext: f"{names[i]},{p}" for ext, (i, p) in net.ports.items()}
    used = {inst.component.name for inst in net.instances.values()}
    models = {PREFIX + c: sax_model(registry.get(c)) for c in sorted(used)}
    return {"instances": instances, "connections": connections, "ports": ports}, models


def _plain(v):
    """numpy scalars as Python numbers (for YAML)."""
    return v.item() if hasattr(v, "item") else v

