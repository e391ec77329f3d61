"""WDM cores as plain netlist dicts: a microring weight bank and a DOTA crossbar.

``mrr_weight_bank`` (broadcast-and-weight, Tait et al., Sci. Rep. 7, 7430, 2017): a
multi-wavelength source, a demultiplexer, one DAC-driven modulator per wavelength, a
multiplexer, a 1×m split, and per output a bank of n add-drop rings (ring k on channel k)
whose drop and through buses end on a balanced photodetector pair, then a TIA and an ADC.
A weight w ∈ [−1, 1] is a ring detuning (:func:`components.optics.ring.bank_detunings`, each ring inverted on its own channel):
output j reads ``Σ_k scale·W[j,k]·P_k``; ``info.scale`` is that scale.

``dota_crossbar`` (a dynamically-operated crossbar in the style of Lightening-Transformer,
Zhu et al., HPCA 2024): h row buses and w column buses, each a multi-wavelength source
whose n lines are routed by an add-drop ring onto their own MZM and back onto the bus by a
second ring; every row bus splits over the w nodes of its row, every column bus over the h
nodes of its column; node (i, j) mixes its row and column light on a phase shifter and a
50:50 coupler read by a balanced pair, a TIA and an ADC.  Digital ports ``x{i}_{k}`` (row i,
wavelength k), ``y{j}_{k}`` and ``out{i}_{j}``.

Both compile one wavelength at a time: channel k of the source, the multiplexers and the
rings carries operand k (:func:`emulator.compile.channels.compile_channels`).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from components.errors import UserError
from components.optics.ring import RING, bank_detunings, fsr
from components.units import to_si
from emulator.netlist.params import check_params

from .meshes import VERSION, _extra, _matrix, _seed, _size


def _length(value, what: str) -> float:
    try:
        return to_si(value, "m")
    except UserError as err:
        raise UserError(f"{what}: {err.problems[0].message}") from None


def _spec(component: str, params: Mapping[str, Any] | None = None) -> dict:
    return {"component": component, "params": dict(params or {})}


def _parts(**given) -> dict:
    """The settings given for the converters and receivers a WDM core builds (one dict per
    component, as svd_layer takes its mzi's), so a scenario's hardware.params reach them."""
    for name, value in given.items():
        if value is not None and not isinstance(value, Mapping):
            raise UserError(f"{name} settings must be a mapping of parameters, got {value!r}")
    return {name: dict(value or {}) for name, value in given.items()}


def _ring_params(ring, what: str) -> dict:
    given = _extra(ring, what, ("mode", "resonance", "detuning"))
    converted, problems = check_params(RING, given)
    if problems:
        raise UserError(problems)
    return given, RING.resolve({**converted, "mode": "add_drop"})


def _channels(n: int, wavelength, spacing) -> tuple[float, float]:
    lam0 = _length(wavelength, "wavelength")
    step = _length(spacing, "spacing")
    if step <= 0:
        raise UserError(f"spacing must be positive, got {spacing!r}")
    return lam0, step


BANK_RING = {"coupling": 0.01, "drop_coupling": 0.01}


def mrr_weight_bank(n, m=None, *, weights=None, seed=None, wavelength="1.55 um",
                    spacing="1.6 nm", ring=None, source=None, dac=None, modulator=None,
                    balanced_photodetector=None, tia=None, adc=None, name=None) -> dict:
    """n wavelengths (inputs), m outputs (default n); ``weights`` an m×n matrix in
    [−1, 1] or uniform random ones drawn with ``seed``.

    Defaults: 200 GHz channels (1.6 nm) and rings of κ² = 0.01 (FWHM ≈ 0.06 nm at
    R = 5 µm): a ring's neighbours leak into its drop bus coherently, by an amplitude of
    about FWHM/(2·spacing), so the realised weights stay within ~0.1·scale of the target
    (8×4, tests/test_wdm_cores.py); 0.8 nm and κ² = 0.03 give errors of ~0.6.  All n
    channels must fit within one FSR of the rings."""
    n = _size(n, "n")
    m = n if m is None else _size(m, "m")
    if (weights is None) == (seed is None):
        raise UserError("mrr_weight_bank: give exactly one of weights, seed")
    if weights is None:
        W = _seed(seed).uniform(-1, 1, (m, n))
    else:
        W = np.real(_matrix(weights, "weights"))
        if W.shape != (m, n):
            raise UserError(f"mrr_weight_bank: weights have shape {W.shape}, the bank is "
                            f"{m}x{n} (m outputs x n wavelengths)")
        if np.any(np.abs(W) > 1):
            raise UserError("mrr_weight_bank: weights must lie in [-1, 1]")
    part = _parts(dac=dac, modulator=modulator, balanced_photodetector=balanced_photodetector,
                  tia=tia, adc=adc)
    lam0, step = _channels(n, wavelength, spacing)
    ring_given, ring_p = _ring_params({**BANK_RING, **dict(ring or {})}, "ring")
    _fit_fsr(n, step, ring_p)
    det, scale = bank_detunings(ring_p, lam0 + step * np.arange(n), W)
    src = _extra(source, "source", ("lines", "wavelength", "spacing"))
    wdm = {"n": n, "wavelength": lam0, "spacing": step}

    inst = {"src": _spec("multi_laser", {**src, "lines": n, "wavelength": lam0,
                                         "spacing": step}),
            "demux": _spec("wdm_demux", wdm), "mux": _spec("wdm_mux", wdm)}
    conn = {"src,out0": "demux,in0"}
    ports = {}
    for k in range(n):
        inst[f"dac{k}"], inst[f"mod{k}"] = _spec("dac", part["dac"]), _spec(
            "modulator", part["modulator"])
        conn[f"demux,out{k}"] = f"mod{k},in0"
        conn[f"dac{k},e_out"] = f"mod{k},drive"
        conn[f"mod{k},out0"] = f"mux,in{k}"
        ports[f"in{k}"] = f"dac{k},d_in"
    if m > 1:
        inst["split"] = _spec("splitter", {"n": m})
        conn["mux,out0"] = "split,in0"
    for j in range(m):
        bus = f"split,out{j}" if m > 1 else "mux,out0"
        inst[f"add{j}"] = _spec("dark")
        drop = f"add{j},out0"
        for k in range(n):
            r = f"ring{j}_{k}"
            inst[r] = _spec("ring", {**ring_given, "mode": "add_drop",
                                     "resonance": lam0 + k * step,
                                     "detuning": float(det[j, k])})
            conn[bus] = f"{r},in0"
            conn[drop] = f"{r},in1"
            bus, drop = f"{r},out0", f"{r},out1"
        inst[f"bpd{j}"], inst[f"tia{j}"], inst[f"adc{j}"] = (
            _spec("balanced_photodetector", part["balanced_photodetector"]),
            _spec("tia", part["tia"]), _spec("adc", part["adc"]))
        conn[drop] = f"bpd{j},in0"
        conn[bus] = f"bpd{j},in1"
        conn[f"bpd{j},e_out"] = f"tia{j},e_in"
        conn[f"tia{j},e_out"] = f"adc{j},e_in"
        ports[f"out{j}"] = f"adc{j},d_out"
    return {"version": VERSION, "name": name or f"mrr_weight_bank_{m}x{n}",
            "instances": inst, "connections": conn, "ports": ports,
            "info": {"kind": "mrr_weight_bank", "m": m, "n": n, "scale": scale,
                     "weights": W.tolist(), "channel_0": lam0, "spacing": step,
                     "reads": "out_j = scale * sum_k W[j,k] * P_k (balanced drop - through)"}}


def _fit_fsr(n: int, step: float, ring_p: dict) -> None:
    """n channels of ``step`` must fit in one FSR, or channel 0's ring also takes channel n."""
    span = fsr(ring_p)
    if n * step > span:
        raise UserError(f"{n} wavelengths at {step * 1e9:.3g} nm spacing span "
                        f"{n * step * 1e9:.3g} nm, more than the rings' free spectral range "
                        f"({span * 1e9:.3g} nm): lower the spacing or the ring radius")


def _operand_bus(inst, conn, ports, tag: str, n: int, lam0: float, step: float,
                 fanout: int, src: dict, ring_given: dict, part: dict) -> str:
    """Source -> n (drop ring -> MZM -> add ring) -> 1×fanout split; returns the split."""
    inst[f"{tag}_src"] = _spec("multi_laser", {**src, "lines": n, "wavelength": lam0,
                                               "spacing": step})
    bus_in = f"{tag}_src,out0"
    inst[f"{tag}_dark"] = _spec("dark")
    out_bus = f"{tag}_dark,out0"
    for k in range(n):
        ch = {**ring_given, "mode": "add_drop", "resonance": lam0 + k * step}
        rd, ra, mod, dac = f"{tag}_rd{k}", f"{tag}_ra{k}", f"{tag}_mod{k}", f"{tag}_dac{k}"
        inst[rd], inst[ra] = _spec("ring", ch), _spec("ring", ch)
        inst[mod], inst[dac] = _spec("modulator", part["modulator"]), _spec("dac", part["dac"])
        inst[f"{rd}_add"] = _spec("dark")
        conn[bus_in] = f"{rd},in0"
        conn[f"{rd}_add,out0"] = f"{rd},in1"
        conn[f"{rd},out1"] = f"{mod},in0"
        conn[f"{dac},e_out"] = f"{mod},drive"
        conn[out_bus] = f"{ra},in0"
        conn[f"{mod},out0"] = f"{ra},in1"
        inst[f"{ra}_end"] = _spec("terminator")
        conn[f"{ra},out1"] = f"{ra}_end,in0"  # modulated light the add ring did not take
        bus_in, out_bus = f"{rd},out0", f"{ra},out0"
        ports[f"{tag}_{k}"] = f"{dac},d_in"
    inst[f"{tag}_end"] = _spec("terminator")
    conn[bus_in] = f"{tag}_end,in0"  # what the drop rings left on the source bus
    if fanout > 1:
        inst[f"{tag}_split"] = _spec("splitter", {"n": fanout})
        conn[out_bus] = f"{tag}_split,in0"
        return f"{tag}_split"
    return out_bus


def dota_crossbar(h, w=None, n=None, *, wavelength="1.55 um", spacing="0.8 nm", ring=None,
                  source=None, dac=None, modulator=None, balanced_photodetector=None,
                  tia=None, adc=None, name=None) -> dict:
    """An h×w crossbar of dot-product nodes over n wavelengths (w defaults to h, n to h)."""
    h = _size(h, "h")
    w = h if w is None else _size(w, "w")
    n = h if n is None else _size(n, "n")
    part = _parts(dac=dac, modulator=modulator, balanced_photodetector=balanced_photodetector,
                  tia=tia, adc=adc)
    lam0, step = _channels(n, wavelength, spacing)
    ring_given, ring_p = _ring_params(ring, "ring")
    _fit_fsr(n, step, ring_p)
    src = _extra(source, "source", ("lines", "wavelength", "spacing"))
    inst: dict = {}
    conn: dict = {}
    ports: dict = {}

    def tap(split: str, k: int, fanout: int) -> str:
        return f"{split},out{k}" if fanout > 1 else split

    rows = [_operand_bus(inst, conn, ports, f"x{i}", n, lam0, step, w, src, ring_given, part)
            for i in range(h)]
    cols = [_operand_bus(inst, conn, ports, f"y{j}", n, lam0, step, h, src, ring_given, part)
            for j in range(w)]
    for i in range(h):
        for j in range(w):
            node = f"n{i}_{j}"
            inst[f"{node}_ps"] = _spec("phase_shifter", {"tech": "mems", "phase": "0.5 pi"})
            inst[f"{node}_dc"] = _spec("coupler", {"coupling": 0.5})
            inst[f"{node}_pd"] = _spec("balanced_photodetector",
                                       part["balanced_photodetector"])
            inst[f"{node}_tia"], inst[f"{node}_adc"] = (_spec("tia", part["tia"]),
                                                        _spec("adc", part["adc"]))
            conn[tap(rows[i], j, w)] = f"{node}_ps,in0"
            conn[f"{node}_ps,out0"] = f"{node}_dc,in0"
            conn[tap(cols[j], i, h)] = f"{node}_dc,in1"
            conn[f"{node}_dc,out0"] = f"{node}_pd,in0"
            conn[f"{node}_dc,out1"] = f"{node}_pd,in1"
            conn[f"{node}_pd,e_out"] = f"{node}_tia,e_in"
            conn[f"{node}_tia,e_out"] = f"{node}_adc,e_in"
            ports[f"out{i}_{j}"] = f"{node}_adc,d_out"
    return {"version": VERSION, "name": name or f"dota_crossbar_{h}x{w}x{n}",
            "instances": inst, "connections": conn, "ports": ports,
            "info": {"kind": "dota_crossbar", "h": h, "w": w, "n": n, "channel_0": lam0,
                     "spacing": step,
                     "reads": "out_ij ~ sum_k x_ik * y_jk: the pi/2 shifter puts the row "
                              "field in quadrature, the balanced pair reads the 50:50 "
                              "coupler's cross term"}}
