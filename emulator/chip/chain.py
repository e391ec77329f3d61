"""The signal chain of an optical core, read from its netlist once.

A core the chip model runs is the shape of ``netlists/onn_core_16.yaml``: for every
external digital input ``in_i`` a DAC drives a modulator whose ``in0`` is lit by the
laser through passive optics and whose ``out0`` feeds one input of the core's single
``svd_layer``; every layer output goes to a photodetector, a TIA and an ADC whose
``d_out`` is an external digital output.  :func:`read_chain` follows those links in the
flattened netlist and collects, per channel, the parameters each component model needs
(as arrays over channels, so one call of the component's own ``signal``/``noise``
function evaluates every channel of every tile at once).  Anything else is an error
naming the core file and what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.base import Component
from components.electronics import photodetector
from components.electronics import tia as tia_model
from components.errors import NetlistError, Problem
from emulator.compile import CompiledCircuit

# parameters that must be equal on every channel (they pick a code path, not a value)
UNIFORM = {"dac": ("bits",), "adc": ("bits",), "photodetector": ("mode",)}


@dataclass(frozen=True, eq=False)
class Stage:
    """One component on every channel: its model and its parameters as channel arrays."""

    component: Component
    instances: tuple[str, ...]
    params: dict  # name -> scalar (uniform) or float array over channels

    def signal(self, *inputs):
        return self.component.signal(self.params, *inputs)

    def noise(self, value, rng):
        if self.component.noise is None:
            return value
        return self.component.noise(self.params, value, rng)


@dataclass(frozen=True, eq=False)
class Chain:
    file: str
    layer: str  # instance name of the svd_layer in the core netlist
    n: int  # layer inputs = core inputs
    m: int  # layer outputs = core outputs
    dac: Stage
    mod: Stage
    field_in: np.ndarray  # (n,) complex field reaching each modulator's in0 [sqrt(W)]
    layer_in: np.ndarray  # (n,) layer input fed by input channel i
    pd: Stage
    tia: Stage
    adc: Stage
    layer_out: np.ndarray  # (m,) layer output read by output channel j

    def noise_current2(self, tia: dict) -> np.ndarray:
        """Input-referred noise variance of each receiver [A²] with TIA parameters ``tia``:
        the detector's with no signal (coherent: the LO's shot noise, the same whatever the
        signal) and the TIA's input noise, each from its component model."""
        pd = photodetector.noise_variance(self.pd.params, np.zeros(self.m))
        amp = tia_model.noise_sigma(tia) / np.asarray(tia["gain"])
        return pd + amp * amp


def _fail(file: str, message: str, hint: str | None = None):
    raise NetlistError(Problem(f"the chip model cannot run this core: {message}", file,
                               hint=hint or "build the core like netlists/onn_core_16.yaml: "
                               "DAC -> modulator -> svd_layer -> photodetector -> TIA -> ADC"))


def _stage(file: str, netlist, names: list[str], component: str) -> Stage:
    insts = [netlist.instances[n] for n in names]
    comp = insts[0].component
    params: dict = {}
    for key in insts[0].params:
        values = [inst.params[key] for inst in insts]
        if key in UNIFORM.get(component, ()) or isinstance(values[0], str):
            if any(v != values[0] for v in values):
                odd = next(n for n, v in zip(names, values) if v != values[0])
                _fail(file, f"every {component} needs the same {key}: {names[0]} has "
                            f"{values[0]!r}, {odd} has "
                            f"{netlist.instances[odd].params[key]!r}")
            params[key] = values[0]
        elif isinstance(values[0], (int, float)) and not isinstance(values[0], bool):
            arr = np.asarray(values, dtype=float)
            params[key] = float(arr[0]) if np.all(arr == arr[0]) else arr
        else:
            params[key] = values[0]
    return Stage(comp, tuple(names), params)


def read_chain(compiled: CompiledCircuit, layer: str, ports: dict, file: str) -> Chain:
    """Follow the core's links from every external input and output (see module doc).

    ``ports``: the svd_layer's own ports, ``{"in0": (instance, port), ...}`` in the
    flattened netlist."""
    net = compiled.netlist
    links = {(c.src, c.src_port): (c.dst, c.dst_port) for c in net.connections}
    back = {(c.dst, c.dst_port): (c.src, c.src_port) for c in net.connections}
    comp_of = {name: inst.component.name for name, inst in net.instances.items()}
    info = net.info.get("subcircuits", {}).get(layer, {})
    n, m = int(info.get("n", 0)), int(info.get("m", 0))
    into = {tuple(v): int(k[2:]) for k, v in ports.items() if k.startswith("in")}
    out_of = {tuple(v): int(k[3:]) for k, v in ports.items() if k.startswith("out")}

    def expect(where, kind, what):
        if where is None or comp_of.get(where[0]) != kind:
            got = "nothing" if where is None else f"{comp_of.get(where[0])} '{where[0]}'"
            _fail(file, f"{what} should be a {kind}, found {got}")
        return where[0]

    ins = net.external("in")
    outs = net.external("out")
    if len(ins) != n or len(outs) != m:
        _fail(file, f"the svd_layer '{layer}' is {m}x{n} but the core has {len(ins)} "
                    f"external inputs and {len(outs)} outputs")
    dacs, mods, layer_in, field_in = [], [], [], []
    laser_cols = [i for i, (inst, _) in enumerate(compiled.region_in)
                  if comp_of.get(inst) == "laser"]
    if not laser_cols:
        _fail(file, "no laser lights the modulators")
    for name in ins:
        dac = expect(net.ports[name], "dac", f"external input '{name}'")
        mod = expect(links.get((dac, "e_out")), "modulator", f"what DAC '{dac}' drives")
        target = links.get((mod, "out0"))
        if target not in into:
            _fail(file, f"modulator '{mod}' must feed an input of the svd_layer '{layer}' "
                        f"directly, it feeds {target}")
        row = compiled.index_out[(mod, "in0")]
        src = [compiled.matrix[row, c] * np.sqrt(compiled.netlist.instances[
            compiled.region_in[c][0]].params["power"]) for c in laser_cols]
        dacs.append(dac)
        mods.append(mod)
        layer_in.append(into[target])
        field_in.append(complex(sum(src)))
    pds, tias, adcs, layer_out = [], [], [], []
    for name in outs:
        adc = expect(net.ports[name], "adc", f"external output '{name}'")
        tia = expect(back.get((adc, "e_in")), "tia", f"what feeds ADC '{adc}'")
        pd = expect(back.get((tia, "e_in")), "photodetector", f"what feeds TIA '{tia}'")
        source = back.get((pd, "in0"))
        if source not in out_of:
            _fail(file, f"photodetector '{pd}' must read an output of the svd_layer "
                        f"'{layer}' directly, it reads {source}")
        pds.append(pd)
        tias.append(tia)
        adcs.append(adc)
        layer_out.append(out_of[source])
    if np.any(np.abs(field_in) == 0.0):
        dark = mods[int(np.flatnonzero(np.abs(field_in) == 0.0)[0])]
        _fail(file, f"no laser light reaches modulator '{dark}'")
    field_in = np.asarray(field_in)
    if not np.any(field_in.imag):  # real laser light: real arithmetic from here on
        field_in = field_in.real.copy()
    return Chain(file=file, layer=layer, n=n, m=m,
                 dac=_stage(file, net, dacs, "dac"), mod=_stage(file, net, mods, "modulator"),
                 field_in=field_in, layer_in=np.asarray(layer_in),
                 pd=_stage(file, net, pds, "photodetector"), tia=_stage(file, net, tias, "tia"),
                 adc=_stage(file, net, adcs, "adc"), layer_out=np.asarray(layer_out))
