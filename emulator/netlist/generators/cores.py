"""Optical-core netlists of any size, in the shape of ``netlists/onn_core_16.yaml``.

``core_netlist(n)`` builds, as a plain netlist dict: laser → 1×n splitter → n
DAC-driven modulators → a layer (by default the ``svd_layer`` generator, an m×n
matrix) → m coherent photodetectors → m TIAs → m ADCs, with digital ports
``in0..in{n-1}`` and ``out0..out{m-1}``.  Tests and benchmarks use it to grow the
mesh while the rest of the chain stays the same.
"""

from __future__ import annotations

from typing import Any, Mapping


def core_netlist(n: int, m: int | None = None, *, seed: int = 1,
                 layer: Mapping[str, Any] | None = None,
                 params: Mapping[str, Mapping[str, Any]] | None = None,
                 name: str | None = None) -> dict:
    """A core with ``n`` inputs and ``m`` outputs (default ``m = n``).

    ``layer``: the instance spec of the optical layer (ports ``in0..``, ``out0..``);
    default ``{"generator": "svd_layer", "params": {"n": n, "m": m, "seed": seed}}``.
    ``params``: extra parameters per role, e.g. ``{"laser": {"power": "50 mW"},
    "pd": {"mode": "intensity"}}`` (roles: laser, split, dac, mod, pd, tia, adc).
    """
    m = n if m is None else m
    params = {k: dict(v) for k, v in (params or {}).items()}
    unknown = set(params) - {"laser", "split", "dac", "mod", "pd", "tia", "adc"}
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def spec(component, role, base=None):
        p = {**(base or {}), **params.get(role, {})}
        return {"component": component, "params": p} if p else {"component": component}

    inst = {"laser": spec("laser", "laser", {"power": "10 mW"}),
            "split": spec("splitter", "split", {"n": n}),
            "layer": dict(layer) if layer is not None else
            {"generator": "svd_layer", "params": {"n": n, "m": m, "seed": seed}}}
    conn = {"laser,out0": "split,in0"}
    ports = {}
    for i in range(n):
        inst[f"dac{i}"] = spec("dac", "dac")
        inst[f"mod{i}"] = spec("modulator", "mod")
        conn[f"split,out{i}"] = f"mod{i},in0"
        conn[f"dac{i},e_out"] = f"mod{i},drive"
        conn[f"mod{i},out0"] = f"layer,in{i}"
        ports[f"in{i}"] = f"dac{i},d_in"
    for i in range(m):
        inst[f"pd{i}"] = spec("photodetector", "pd", {"mode": "coherent"})
        inst[f"tia{i}"] = spec("tia", "tia")
        inst[f"adc{i}"] = spec("adc", "adc")
        conn[f"layer,out{i}"] = f"pd{i},in0"
        conn[f"pd{i},e_out"] = f"tia{i},e_in"
        conn[f"tia{i},e_out"] = f"adc{i},e_in"
        ports[f"out{i}"] = f"adc{i},d_out"
    return {"version": 1, "name": name or f"onn_core_{n}x{m}", "instances": inst,
            "connections": conn, "ports": ports}
