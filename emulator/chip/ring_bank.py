"""A microring weight bank (``mrr_weight_bank``, broadcast-and-weight) as a chip.

Programming a tile W (m outputs × n wavelengths) maps it as the cost model does
(:mod:`emulator.scenario.mapping.ring_bank`): normalised by its largest |w|, each weight
becomes one add-drop ring's detuning (:func:`components.optics.ring.bank_detunings`, each ring on its own channel,
the inverse of the balanced drop − through response).  What ring (j, k) then holds, read
from the ring instances' own parameters:

1. the driver's setting: the nearest of ``2^driver_bits`` levels over [0, FSR/2];
2. plus ``crosstalk`` × the settings of its neighbours on the same bank bus (heat);
3. plus its fabrication resonance offset, drawn once per physical core with σ
   ``resonance_error``;

clipped to ±FSR/2.  The realised read-out is the exact one: on every wavelength λ_c the
field a modulator puts on bank j's bus (the laser line, the demultiplexer and multiplexer
with their crosstalk and loss, the split, all from the compiled channel transfers) runs
through the bank's chain of n rings (each ring's Airy response at its held detuning), and
the balanced pair reads |drop|² − |through|² summed over wavelengths.  Because light
from several modulators can share a wavelength (demux/mux leakage), the read-out is a
quadratic form in the modulator levels: ``I_j = R·(aᵀ·Qd_j·a − aᵀ·Qt_j·a)``, computed
exactly (no first-order approximation).

Inputs: a broadcast-and-weight core encodes an input in optical power, and this library's
modulator sets the field (power ∝ level²), so an input power u ∈ [0, 1] drives the DAC
with √u (digital predistortion: fine steps near zero, where ReLU activations and dark
pixels sit).  Power cannot be negative: a batch with negative inputs runs twice, once on
each rail (x⁺ and x⁻), and the decoded read-outs are subtracted (the counters count both
passes); a batch without any runs once.  TPFP's modulated input x + FΓ is signed while
its clean input is not: taking both passes literally (one rail, then two) made the two
read-outs differ by more than their inputs (the second rail's quantization, noise and
offset) and in-situ TPFP diverged (13 points below the ideal run, 3 seeds).  So the
chip says it takes no signed input in one pass (``signed_inputs = False``) and TPFP
streams the modulation FΓ alone through the first layer, on its two rails at its own
full scale, adding pass 1's read-out (:mod:`emulator.training.methods.tpfp`).

Left out: thermal crosstalk between banks (only along a bank's bus), the rings'
self-heating and nonlinearity, drift of the held detuning over time, the modulator's
finite extinction (the library's modulator is ideal-linear).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.errors import NetlistError, Problem
from components.optics import ring as ring_model
from emulator.compile import compile_netlist
from emulator.rng import stream

from .calibrate import calibration_codes
from .chain import _stage
from .wdm import Tile, WdmChip

CHECK_TOL = 1e-9
SHARED = ("resonance", "detuning")  # the only ring parameters that may differ in a bank


@dataclass(frozen=True, eq=False)
class RingProgram:
    """One tile on one core: the target and held detunings and the read-out forms."""

    tile: np.ndarray  # digital weights written (m × n, zero-padded)
    peak: float  # the tile's largest |w| (the normalisation)
    scale: float  # largest realisable |drop − through| per unit power (bank_detunings)
    target: np.ndarray  # (m, n) detunings the mapping asks for [m]
    held: np.ndarray  # (m, n) detunings the rings hold [m]
    qd: np.ndarray  # (m, n, n) drop power per modulator levels a: aᵀ·qd[j]·a [W]
    qt: np.ndarray  # (m, n, n) through power, the same way
    realised: np.ndarray  # (m, n) each ring's own weight at its held detuning, × peak

    @property
    def writes(self) -> int:
        return int(self.tile.size)  # one heater setting per ring


class RingBankChip(WdmChip):
    kind = "mrr_weight_bank"
    signed_inputs = False  # inputs are optical powers: a signed input runs on two rails

    def __init__(self, core, *, cores: int = 1, seed=0, calibrate: bool = True):
        super().__init__(core, cores=cores, seed=seed, calibrate=calibrate)
        self.m, self.n = int(self.info["m"]), int(self.info["n"])
        net, L = self.flat, self.layer
        ins, outs = net.external("in"), net.external("out")
        if len(ins) != self.n or len(outs) != self.m or len(self.lams) != self.n:
            self.fail(f"the weight bank '{L}' is {self.m}x{self.n} on {len(self.lams)} "
                      f"wavelengths but the core has {len(ins)} external inputs and "
                      f"{len(outs)} outputs: every wavelength's DAC and every bank's ADC must "
                      "be an external port")
        self.chain, pds = self.receivers(outs)
        self.mods = []
        links = {(c.src, c.src_port): c.dst for c in net.connections}
        dacs = []
        for name in ins:
            dac = (net.ports.get(name) or (None,))[0]
            mod = links.get((dac, "e_out"))
            if self._comp(dac) != "dac" or self._comp(mod) != "modulator":
                self.fail(f"external input '{name}' should drive a DAC and a modulator")
            dacs.append(dac)
            self.mods.append(mod)
        self.chain.dac = _stage(self.file, net, dacs, "dac")
        self.chain.mod = _stage(self.file, net, self.mods, "modulator")
        self.bpds = pds
        self.rings = [[f"{L}.ring{j}_{k}" for k in range(self.n)] for j in range(self.m)]
        self.ring, self.resonance = self._ring_params()
        # laser field at each modulator's input on each channel (demux leakage included)
        self.field_in = np.array([[self.field_at(c, mod) for mod in self.mods]
                                  for c in range(len(self.lams))])  # (C, n)
        drop = self.transfer([(p, "in0") for p in pds], [(m, "out0") for m in self.mods])
        thru = self.transfer([(p, "in1") for p in pds], [(m, "out0") for m in self.mods])
        self.upstream = self._upstream(drop, thru)  # (C, m, n) field at each bank's bus
        self.half = 0.5 * ring_model.fsr({**self.ring, "detuning": 0.0})
        sigma = float(self.ring.get("resonance_error", 0.0))
        self.offsets = [stream(seed, "chip", c).normal(0.0, sigma, (self.m, self.n))
                        if sigma > 0 else np.zeros((self.m, self.n)) for c in range(self.cores)]
        self._check()

    # ------------------------------------------------------------------ analysis
    def _ring_params(self) -> tuple[dict, np.ndarray]:
        insts = {}
        for row in self.rings:
            for name in row:
                inst = self.flat.instances.get(name)
                if inst is None or inst.component.name != "ring":
                    self.fail(f"no ring '{name}' in the weight bank (the chip model reads "
                              "the mrr_weight_bank generator's layout)")
                insts[name] = inst.params
        first = insts[self.rings[0][0]]
        for name, p in insts.items():
            for key, value in p.items():
                if key not in SHARED and value != first[key]:
                    raise NetlistError(Problem(
                        f"the chip model needs one {key} for every ring of the weight bank "
                        f"'{self.layer}': found {first[key]!r} and {value!r} ({name})",
                        self.file, hint=f"set {key} once in the generator's ring params"))
        res = np.array([insts[name]["resonance"] for name in self.rings[0]])
        for row in self.rings[1:]:
            if not np.allclose([insts[nm]["resonance"] for nm in row], res, rtol=0, atol=1e-15):
                self.fail("the banks' rings must sit on the same channels")
        return dict(first), res

    def chains(self, held: np.ndarray) -> np.ndarray:
        """(m, C, 2, 2) transfer of each bank's ring chain, (bus, drop) in → (through, drop)
        out, on every channel, with the rings at ``held`` detunings (m, n)."""
        p = {**self.ring, "resonance": self.resonance[None, :, None],
             "detuning": held[:, :, None]}
        r = ring_model.response(p, self.lams[None, None, :])  # (m, n, C, 2, 2)
        out = np.broadcast_to(np.eye(2, dtype=complex), (self.m, len(self.lams), 2, 2))
        for k in range(self.n):  # light meets ring 0 first
            out = r[:, k] @ out
        return out

    def _upstream(self, drop: np.ndarray, thru: np.ndarray) -> np.ndarray:
        """Field on each bank's bus per unit modulator field (C, m, n), from the compiled
        transfers to the pairs and the shipped rings' chain (checked to explain them)."""
        held = np.array([[self.flat.instances[nm].params["detuning"] for nm in row]
                         for row in self.rings])
        ch = self.chains(held)  # (m, C, 2, 2)
        c00 = ch[:, :, 0, 0].transpose(1, 0)[:, :, None]  # (C, m, 1)
        c10 = ch[:, :, 1, 0].transpose(1, 0)[:, :, None]
        u = (np.conj(c10) * drop + np.conj(c00) * thru) / (np.abs(c10) ** 2 + np.abs(c00) ** 2)
        err = max(float(np.max(np.abs(c10 * u - drop))), float(np.max(np.abs(c00 * u - thru))))
        if err > CHECK_TOL * max(float(np.max(np.abs(drop))), 1e-30):
            self.fail(f"the light reaching the balanced pairs is not the bank's ring chain "
                      f"(residual {err:.3g}): extra optics between the rings and the "
                      "detectors?")
        return u

    def forms(self, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Drop and through power forms (m, n, n) for rings at ``held``."""
        ch = self.chains(held)
        base = self.upstream * self.field_in[:, None, :]  # (C, m, n) per unit level
        gd = ch[:, :, 1, 0].transpose(1, 0)[:, :, None] * base
        gt = ch[:, :, 0, 0].transpose(1, 0)[:, :, None] * base
        qd = np.einsum("cjk,cjl->jkl", gd.conj(), gd).real
        qt = np.einsum("cjk,cjl->jkl", gt.conj(), gt).real
        return qd, qt

    def _check(self) -> None:
        """A random tile realised here and compiled from the programmed netlist must agree."""
        tile = stream(self.seed, "chip", self.cores).uniform(-1.0, 1.0, (self.m, self.n))
        prog = self.realise(tile, 0)
        net = self.netlist_of_held(prog.held)
        lev = stream(self.seed, "chip", self.cores + 2).uniform(-1.0, 1.0, (3, self.n))
        want = np.zeros((3, self.m))
        for lam in self.lams:
            comp = compile_netlist(net, float(lam))
            cols = [comp.index_in[(mod, "out0")] for mod in self.mods]
            f = np.array([comp.matrix[comp.index_out[(mod, "in0")],
                                      comp.index_in[(src, "out0")]]
                          * np.sqrt(float(comp.netlist.instances[src].params["power"]))
                          for mod in self.mods for src in [s for s, _ in comp.region_in
                                                           if self._comp(s) == "multi_laser"]])
            a = lev * f[None, :]
            for p, sign in (("in0", 1.0), ("in1", -1.0)):
                rows = [comp.index_out[(pd, p)] for pd in self.bpds]
                want += sign * np.abs(a @ comp.matrix[np.ix_(rows, cols)].T) ** 2
        got = self.powers(prog, lev)
        got = got[0] - got[1]
        err = float(np.max(np.abs(got - want)))
        if err > CHECK_TOL * max(float(np.max(np.abs(want))), 1e-30):
            self.fail(f"the weight bank '{self.layer}' realises powers that differ from the "
                      f"chip model's by {err:.3g}")

    # ------------------------------------------------------------------ programming
    def hold(self, target: np.ndarray, core: int) -> np.ndarray:
        """What the rings hold for ``target`` detunings (m, n) on physical core ``core``."""
        p = self.ring
        held = target
        if "driver_bits" in p:
            step = self.half / (2 ** int(p["driver_bits"]) - 1)
            held = np.round(target / step) * step
        xt = float(p.get("crosstalk", 0.0))
        if xt:
            heat = np.zeros_like(held)
            heat[:, 1:] += held[:, :-1]
            heat[:, :-1] += held[:, 1:]
            held = held + xt * heat
        return np.clip(held + self.offsets[core], -self.half, self.half)

    def realise(self, tile: np.ndarray, core: int = 0) -> RingProgram:
        W = np.zeros((self.m, self.n))
        W[: tile.shape[0], : tile.shape[1]] = tile
        peak = float(np.max(np.abs(W), initial=0.0)) or 1.0
        target, scale = ring_model.bank_detunings(self.ring, self.resonance, W / peak)
        held = self.hold(target, core)
        qd, qt = self.forms(held)
        own = self._own_weights(held)
        return RingProgram(W, peak, scale, target, held, qd, qt, own * peak / scale)

    def _own_weights(self, held: np.ndarray) -> np.ndarray:
        """Each ring's balanced response on its own channel at its held detuning."""
        res = self.resonance[None, :]
        t = ring_model.response({**self.ring, "resonance": res, "detuning": held}, res)
        return np.abs(t[..., 1, 0]) ** 2 - np.abs(t[..., 0, 0]) ** 2

    def program(self, tile: np.ndarray, core: int = 0, rng=None, codes=None) -> Tile:
        """Map and realise ``tile`` on core ``core``; calibrate its read-out on ``codes``
        (B × n, their magnitudes: each rail is a power) or use the design gains."""
        prog = self.realise(np.asarray(tile, dtype=float), core)
        if self.calibrate:
            u = calibration_codes(self) if codes is None or len(codes) < 2 else codes
            u = np.abs(np.asarray(u, dtype=float))
            readout = self.readout(self.currents(prog, self.light(u)), u @ prog.tile.T, rng)
        else:
            readout = self.nominal(self._per_unit(prog))
        return Tile(core, prog, readout, prog.realised)

    def program_many(self, tiles, cores, rng=None, codes=None) -> list[Tile]:
        """:meth:`program` for each tile (with its core and codes), in order."""
        return [self.program(w, c, rng, None if codes is None else codes[i])
                for i, (w, c) in enumerate(zip(tiles, cores))]

    def _per_unit(self, prog: RingProgram) -> np.ndarray:
        """Design current per unit output: R × the power a full-scale line brings to the
        bank × scale / peak (a lossless, leak-free bank)."""
        power = np.einsum("jkk->jk", prog.qd + prog.qt).mean(axis=1)
        return self.chain.pd.params["responsivity"] * power * prog.scale / prog.peak

    def settings_written(self, tile: Tile) -> int:
        return tile.prog.writes

    def netlist_of_held(self, held: np.ndarray):
        return self.netlist.with_params({f"{self.rings[j][k]}": {"detuning": float(held[j, k])}
                                         for j in range(self.m) for k in range(self.n)})

    def netlist_of(self, tile: Tile):
        """The core netlist holding ``tile``: ring detunings and TIA gains."""
        net = self.netlist_of_held(tile.prog.held)
        return net.with_params({tia: {"gain": float(g)} for tia, g in
                                zip(self.chain.tia.instances, tile.readout.tia_gain)})

    # ------------------------------------------------------------------ running
    def light(self, power: np.ndarray) -> np.ndarray:
        """Modulator levels (..., n) for input powers ``power`` ∈ [0, 1] (..., n): the DAC
        code is √power, the modulator's field level follows the DAC."""
        c = self.chain
        return c.mod.signal(np.ones(self.n), c.dac.signal(np.sqrt(power)))

    def powers(self, prog: RingProgram, lev: np.ndarray) -> np.ndarray:
        """Drop and through powers (2, ..., m) [W] for modulator levels (..., n)."""
        lev = np.asarray(lev, dtype=float)
        flat = lev.reshape(-1, self.n)
        out = np.empty((2, flat.shape[0], self.m))
        for i, q in enumerate((prog.qd, prog.qt)):  # Σ_kl a_k q[j,k,l] a_l
            half = flat @ q.transpose(1, 0, 2).reshape(self.n, self.m * self.n)
            out[i] = np.einsum("bjl,bl->bj", half.reshape(-1, self.m, self.n), flat)
        return out.reshape((2,) + lev.shape[:-1] + (self.m,))

    def currents(self, prog: RingProgram, lev: np.ndarray) -> np.ndarray:
        """Balanced pair currents (..., m) [A]: the pair's own model on the summed powers."""
        pw = np.maximum(self.powers(prog, lev), 0.0)
        return self.chain.pd.signal(np.sqrt(pw[0]), np.sqrt(pw[1]))

    def forward(self, layer, x, out=None, rng=None, count: bool = True):
        """z ≈ W·x through ``layer``'s programmed tiles (see the module doc: one pass per
        rail, partial sums of a row of tiles added digitally)."""
        codes, scale = self.encode(layer, x, count)
        b = x.shape[1]
        rails = [(1.0, np.maximum(codes, 0.0))]
        if np.any(codes < 0.0):
            rails.append((-1.0, np.maximum(-codes, 0.0)))
        rows = np.zeros((layer.rows, b, self.m))
        for sign, rail in rails:
            lev = self.light(rail)  # (C, B, n)
            for t, tile in enumerate(layer.tiles):
                r, c = divmod(t, layer.cols)
                y = self.read(self.currents(tile.prog, lev[c]), tile.readout.tia_gain, rng)
                rows[r] += sign * (y * tile.readout.alpha + tile.readout.beta)
        if count:
            k = layer.counters
            k["tile_passes"] += layer.n_tiles * len(rails)
            k["dac_conversions"] += layer.n_tiles * len(rails) * b * self.n
            k["adc_conversions"] += layer.n_tiles * len(rails) * b * self.m
        return self.finish(layer, rows, scale, out, b)

    def describe(self) -> dict:
        c, p = self.chain, self.ring
        held = {k: p[k] for k in ("driver_bits", "crosstalk", "resonance_error") if k in p}
        return {"core": self.file, "architecture": "microring weight bank", "ports":
                [self.n, self.m], "cores": self.cores, "calibrate": self.calibrate,
                "detection": "balanced pair (drop - through), currents summed over "
                             f"{len(self.lams)} wavelengths",
                "ring": {**held, "fwhm_m": ring_model.fwhm({**p, "detuning": 0.0}),
                         "fsr_m": 2.0 * self.half, "tech": p["tech"]},
                "inputs": "power-encoded (DAC code sqrt(u)); negative inputs on a second pass",
                "dac_bits": c.dac.params["bits"], "adc_bits": c.adc.params["bits"],
                "laser_w_per_line": float(np.mean(np.abs(self.field_in.diagonal()) ** 2))}
