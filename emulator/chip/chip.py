"""One optical core netlist as a chip that holds weight tiles and runs them, batched.

:class:`Chip` analyses the core once (compile, signal chain, layer parts, one fabrication
draw per physical core), then

* :meth:`Chip.program_many` maps a stack of tiles and realises what the cores hold
  (:mod:`emulator.chip.realise`), optionally calibrating the read-outs
  (:mod:`emulator.chip.calibrate`), all tiles at once; :meth:`Chip.program` is one tile;
* :meth:`Chip.run` streams digital codes through programmed tiles, all tiles at once:
  the DACs, modulators, realised matrix, photodetectors, TIAs and ADCs of the core, each
  by its own component model and parameters, noise included;
* :meth:`Chip.netlist_of` gives the programmed core as a netlist, so the event engine
  runs exactly the chip the fast path ran.

The fast realisation of a tile is checked once against the compiled netlist (a tile
programmed both ways must agree to 1e-9), so a core whose layer the fast path would
misread is an error, not a silent second chip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.errors import NetlistError, Problem
from emulator.compile import compile_netlist
from emulator.netlist.generators import svd_layer
from emulator.rng import stream

from .calibrate import (CAL_BATCH, Calibration, Readout, calibrate_stack, calibration_codes,
                        nominal_stack, receiver)
from .chain import read_chain
from .realise import (Programmed, Realised, draw_offsets, layer_spec, programmed_netlist,
                      realise, realise_many, stack_offsets)

CHECK_TOL = 1e-9


@dataclass(eq=False)
class Tile:
    """A programmed tile with its read-out settings."""

    core: int  # physical core it sits on
    held: Realised  # the stack of tiles it was written with
    index: int  # its place in that stack
    readout: Readout
    matrix: np.ndarray  # (m × n) complex, channel order (output j, input i)

    @property
    def prog(self) -> Programmed:
        """The settings the core holds for this tile and the matrix realised."""
        return self.held.programmed(self.index)


@dataclass(frozen=True, eq=False)
class Written:
    """A stack of tiles written at once (:meth:`Chip.write`): the tiles, their channel
    matrices (T, m, n) and their read-outs as arrays over the tiles."""

    tiles: list
    matrices: np.ndarray
    readout: Calibration

    def part(self, tiles: slice) -> "Written":
        """The tiles ``tiles`` of the stack (views)."""
        return Written(self.tiles[tiles], self.matrices[tiles], self.readout.part(tiles))


class Chip:
    kind = "svd_layer"  # the core's weight layer (core.LAYER_KINDS); others: chips.py
    holds_weights = True
    signed_inputs = True  # the modulators take a signed input in one pass

    def __init__(self, netlist, layer: str, layer_params: dict, file: str, *, cores: int = 1,
                 seed=0, calibrate: bool = True):
        self.netlist = netlist
        self.layer = layer
        self.file = file
        self.cores = int(cores)
        self.calibrate = bool(calibrate)
        self.seed = seed
        self.compiled = compile_netlist(netlist)
        info = netlist.info.get("subcircuits", {}).get(layer, {})
        if info.get("kind") != "svd_layer":
            raise NetlistError(Problem(f"instance '{layer}' is not an svd_layer", file))
        shape = (int(info["m"]), int(info["n"]))
        gen = svd_layer(np.zeros(shape).tolist(), **layer_params)
        ports = {k: (f"{layer}.{v.split(',')[0]}", v.split(",")[1])
                 for k, v in gen["ports"].items()}
        self.chain = read_chain(self.compiled, layer, ports, file)
        self.spec = layer_spec(netlist, layer, str(info.get("method", "clements")), file)
        self.offsets = [draw_offsets(self.spec, stream(seed, "chip", c))
                        for c in range(self.cores)]
        self.n, self.m = self.chain.n, self.chain.m
        self._in_order = (np.array_equal(self.chain.layer_out, np.arange(self.m))
                          and np.array_equal(self.chain.layer_in, np.arange(self.n)))
        k = min(self.m, self.n)
        # phase shifters set per tile write: θ and φ of every MZI, both output screens
        # and the attenuators
        self.phase_settings = self.m * self.m + self.n * self.n + k
        self.rx = receiver(self)  # read-out constants the calibration uses
        self.cal_codes = calibration_codes(self)  # the batch before any data is seen
        self.cal_fields = self.light(self.cal_codes)  # and the light it modulates
        self._stacked = stack_offsets(self.offsets)
        self._taken: dict = {}  # offsets of a tuple of cores (Offsets.take), as written
        self._check()

    @classmethod
    def of(cls, core, *, cores: int = 1, seed=0, calibrate: bool = True) -> "Chip":
        """The chip of a loaded :class:`~emulator.chip.core.Core`."""
        return cls(core.netlist, core.layer, core.layer_params, core.file, cores=cores,
                   seed=seed, calibrate=calibrate)

    def describe(self) -> dict:
        """What the accuracy of a run on this chip was obtained on (for reports)."""
        c = self.chain
        return {"core": self.file, "ports": [self.n, self.m], "cores": self.cores,
                "calibrate": self.calibrate, "detection": c.pd.params["mode"],
                "mzi": {k: self.spec.mzi[k] for k in ("loss", "driver_bits", "phase_error",
                                                       "crosstalk")},
                "dac_bits": c.dac.params["bits"], "adc_bits": c.adc.params["bits"],
                "laser_w": float(np.sum(np.abs(c.field_in) ** 2))}

    # ------------------------------------------------------------------ programming
    def _channels(self, matrix: np.ndarray) -> np.ndarray:
        """The layer's matrix (..., m, n) in channel order (output j, input i)."""
        c = self.chain
        if self._in_order:
            return matrix
        return matrix[..., c.layer_out[:, None], c.layer_in[None, :]]

    def program(self, tile: np.ndarray, core: int = 0, rng=None, codes=None) -> Tile:
        """Map and realise ``tile`` on physical core ``core``; calibrate its read-out on
        ``codes`` (noise drawn from ``rng`` if given) or use the nominal design gains."""
        return self.program_many([tile], [core], rng, [codes])[0]

    def program_many(self, tiles, cores, rng=None, codes=None) -> list[Tile]:
        """:meth:`program` for tiles ``tiles`` (each ≤ m × n, or a (T, m, n) stack) on
        the physical cores ``cores``, with calibration codes ``codes`` (one array or None
        per tile, or a (T, B, n) stack; None: each tile on the default batch), all at
        once: the same numbers as one call per tile (noise from ``rng`` drawn tile after
        tile)."""
        return self.write(tiles, cores, rng, codes).tiles

    def write(self, tiles, cores, rng=None, codes=None) -> Written:
        """:meth:`program_many`, with the tiles' channel matrices and read-outs stacked."""
        T = len(tiles)
        if (isinstance(tiles, np.ndarray) and tiles.dtype == np.float64
                and tiles.shape[1:] == (self.m, self.n)):
            W = tiles  # read only: realise_many copies what it keeps
        else:
            W = np.zeros((T, self.m, self.n))
            for t, tile in enumerate(tiles):
                tile = np.asarray(tile, dtype=float)
                W[t, : tile.shape[0], : tile.shape[1]] = tile
        cores = tuple(int(c) for c in cores)
        held = realise_many(self.spec, W, self._offsets_of(cores))
        matrices = self._channels(held.matrix)
        if self.calibrate:
            cal = self._calibrate(matrices, W, rng, codes)
        else:
            cal = nominal_stack(self, held.gain)
        readouts = cal.readouts()
        return Written([Tile(core, held, t, readouts[t], matrices[t])
                        for t, core in enumerate(cores)], matrices, cal)

    def _offsets_of(self, cores: tuple):
        """The fabrication offsets of the tiles on ``cores`` (kept per tuple of cores: a
        layer writes the same few again and again)."""
        taken = self._taken.get(cores)
        if taken is None:
            if len(self._taken) >= 256:
                self._taken.clear()
            taken = self._taken[cores] = self._stacked.take(cores)
            for a in (*taken.u.values(), *taken.vh.values(), taken.att):
                a.flags.writeable = False  # shared by every write on these cores
        return taken

    def _calibrate(self, matrices, W, rng, codes) -> Calibration:
        """Calibrate runs of consecutive tiles that share a calibration batch size (in
        tile order, so noise from ``rng`` is drawn as one tile after another would)."""
        if isinstance(codes, np.ndarray) and codes.ndim == 3:  # one batch size for all
            given = codes.shape[1] >= 2
            return calibrate_stack(self, matrices, W, rng,
                                   codes[:, :CAL_BATCH] if given else None)
        codes = [None] * len(W) if codes is None else codes
        sizes = [len(c[:CAL_BATCH]) if c is not None and len(c) >= 2 else None
                 for c in codes]
        out: list = []
        start = 0
        for t in range(1, len(W) + 1):
            if t < len(W) and sizes[t] == sizes[start]:
                continue
            run = slice(start, t)
            batch = (None if sizes[start] is None
                     else np.stack([c[:CAL_BATCH] for c in codes[run]]))
            out.append(calibrate_stack(self, matrices[run], W[run], rng, batch))
            start = t
        return Calibration.join(out)

    def settings_written(self, tile: Tile) -> int:
        """Shifter settings written to program ``tile`` (both meshes' θ, φ and output
        screens, and the attenuators): the same for every tile."""
        return self.phase_settings

    def netlist_of(self, tile: Tile):
        """The core netlist holding ``tile``: phases, attenuations, LO phases, TIA gains."""
        net = programmed_netlist(self.netlist, self.layer, tile.prog)
        r, c = tile.readout, self.chain
        return net.with_params({
            **{pd: {"lo_phase": float(v)} for pd, v in zip(c.pd.instances, r.lo_phase)},
            **{tia: {"gain": float(v)} for tia, v in zip(c.tia.instances, r.tia_gain)}})

    def _check(self) -> None:
        tile = stream(self.seed, "chip", self.cores).uniform(-1.0, 1.0, (self.m, self.n))
        prog = realise(self.spec, tile, self.offsets[0])
        compiled = compile_netlist(programmed_netlist(self.netlist, self.layer, prog))
        c = self.chain
        rows = [compiled.index_out[(pd, "in0")] for pd in c.pd.instances]
        cols = [compiled.index_in[(mod, "out0")] for mod in c.mod.instances]
        block = compiled.matrix[np.ix_(rows, cols)]
        err = float(np.max(np.abs(block - self._channels(prog.matrix))))
        if err > CHECK_TOL * max(1.0, float(np.max(np.abs(block)))):
            raise NetlistError(Problem(
                f"the chip model cannot run this core: the svd_layer '{self.layer}' "
                f"realises a matrix that differs from the chip model's by {err:.3g} "
                "(extra optics between the modulators, the layer and the detectors?)",
                self.file))

    # ------------------------------------------------------------------ running
    def light(self, codes: np.ndarray) -> np.ndarray:
        """Fields [sqrt(W)] leaving the modulators for input codes (..., n): DACs, then
        modulators on the laser light that reaches them."""
        c = self.chain
        return c.mod.signal(c.field_in, c.dac.signal(codes))

    def detect(self, fields: np.ndarray, matrices: np.ndarray, lo_phase: np.ndarray,
               tia_gain: np.ndarray, rng=None) -> np.ndarray:
        """Read-out codes (..., B, m) of modulator fields (..., B, n) through tiles with
        channel matrices (..., m, n), LO phases and TIA gains (..., m); leading axes
        broadcast.  Noise (detector shot and thermal, TIA) is drawn from ``rng`` if given."""
        c = self.chain
        lo = np.asarray(lo_phase)[..., None, :]
        if c.pd.params["mode"] == "coherent" and np.all(c.field_in.imag == 0.0):
            # real light in, one quadrature out: Re(e^{-iφ} M) on the real fields
            rot = (np.exp(-1j * np.asarray(lo_phase))[..., None] * matrices).real
            proj = np.matmul(fields.real, np.swapaxes(rot, -1, -2))
            current = c.pd.component.signal({**c.pd.params, "lo_phase": 0.0}, proj)
        else:
            field_out = np.matmul(fields, np.swapaxes(matrices, -1, -2))
            current = c.pd.component.signal({**c.pd.params, "lo_phase": lo}, field_out)
        tia = {**c.tia.params, "gain": np.asarray(tia_gain)[..., None, :]}
        if rng is not None and c.pd.params["mode"] == "coherent":
            # LO-dominated detector noise does not depend on the signal, so the detector's
            # and the TIA's Gaussians add before the ADC: one draw of their sum, with each
            # variance from its own component model
            sigma = tia["gain"] * np.sqrt(c.noise_current2(tia))
            volts = c.tia.component.signal(tia, current)
            volts += sigma * rng.standard_normal(volts.shape, dtype=np.float32)
            return c.adc.signal(volts)
        if rng is not None:
            current = c.pd.noise(current, rng)
        volts = c.tia.component.signal(tia, current)
        if rng is not None:
            volts = c.tia.component.noise(tia, volts, rng)
        return c.adc.signal(volts)

    def analog(self, matrices: np.ndarray, codes: np.ndarray, lo_phase: np.ndarray,
               tia_gain: np.ndarray, rng=None) -> np.ndarray:
        """Read-out codes (T, B, m) of input codes (T, B, n) through tiles whose channel
        matrices are ``matrices`` (T, m, n), with per-tile LO phases and TIA gains
        (T, m)."""
        return self.detect(self.light(codes), matrices, lo_phase, tia_gain, rng)

    def run(self, tiles: list[Tile], codes: np.ndarray, rng=None) -> np.ndarray:
        """Digital partial products (T, B, m) of input codes (T, B, n): the read-out
        codes decoded with each tile's calibrated gain and offset."""
        mats = np.stack([t.matrix for t in tiles])
        lo = np.stack([t.readout.lo_phase for t in tiles])
        gain = np.stack([t.readout.tia_gain for t in tiles])
        y = self.analog(mats, codes, lo, gain, rng)
        alpha = np.stack([t.readout.alpha for t in tiles])[:, None, :]
        beta = np.stack([t.readout.beta for t in tiles])[:, None, :]
        return y * alpha + beta
