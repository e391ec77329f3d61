"""A dynamically-operated crossbar (``dota_crossbar``) as a chip.

Nothing is programmed: in every pass both operands stream through DACs and modulators.
A weight tile (w outputs × n inputs) is read from memory, normalised by its largest |w|
(the digital scale the controller keeps) and sent through the column buses' DACs (their
bits and range) and MZMs; the layer input, normalised by the pass's largest |x|, goes
through the row buses' DACs and MZMs, h batch vectors at once (vector b on row bus
b mod h).  Node (i, j) mixes its row and column light on its π/2 shifter and 50:50
coupler; its balanced pair reads |E₀|² − |E₁|² summed over the n wavelengths, then its
TIA and ADC, with their noise.

The light paths come from the compiled channel transfers (the routing rings' Lorentzian
tails, the splits, losses): on wavelength c the field at a node is linear in the row
levels x and the column levels y, so the read-out is exactly

    I_ij = R·(xᵀ·Dxx_ij·x + 2·xᵀ·Dxy_ij·y + yᵀ·Dyy_ij·y),

D the balanced (port 0 − port 1) power forms summed over wavelengths.  The update is the
digital write of the new weights to memory: no tile writes, no drift re-mapping
(``tile_writes`` stays 0, ``memory_writes`` counts the tiles written to memory).
Calibration (``calibrate``): for each tile's stream the nodes' TIA gains (a
programmable-gain TIA switched with the stream) load the ADCs and α, β are fitted per
node, on the last inputs the tile's column block saw; re-measured only once the tile's
weights drifted past the device's ``reprogram_drift`` (``calibrations`` counts them).

Left out: the modulators' nonlinearity and chirp (the library's MZM is ideal-linear), a
phase drift of the node shifters, timing skew between the two operands.
"""

from __future__ import annotations

import numpy as np


from .calibrate import calibration_codes
from .chain import _stage
from .wdm import Tile, WdmChip

NEGLIGIBLE = 1e-12  # a form this far below the cross form is float round-off


class CrossbarChip(WdmChip):
    kind = "dota_crossbar"
    holds_weights = False

    def __init__(self, core, *, cores: int = 1, seed=0, calibrate: bool = True):
        super().__init__(core, cores=cores, seed=seed, calibrate=calibrate)
        h, w, n = (int(self.info[k]) for k in ("h", "w", "n"))
        self.h, self.m, self.n = h, w, n
        net, L = self.flat, self.layer
        self.nodes = [f"{L}.n{i}_{j}_pd" for i in range(h) for j in range(w)]
        port_of = {tuple(v): k for k, v in net.ports.items()}
        outs = [port_of.get((f"{L}.n{i}_{j}_adc", "d_out")) for i in range(h) for j in range(w)]
        if None in outs or len(net.external("out")) != h * w:
            self.fail(f"every node ADC of the crossbar '{L}' ({h}x{w}) must be an external "
                      f"output; the core has {len(net.external('out'))}")
        self.chain, _ = self.receivers(outs)
        xs = [[f"{L}.x{i}_mod{k}" for k in range(n)] for i in range(h)]
        ys = [[f"{L}.y{j}_mod{k}" for k in range(n)] for j in range(w)]
        for side, mods in (("x", xs), ("y", ys)):
            dacs = [m.replace("_mod", "_dac") for row in mods for m in row]
            if any(port_of.get((d, "d_in")) is None for d in dacs):
                self.fail(f"every {side}-operand DAC of the crossbar '{L}' must be an "
                          "external input")
            setattr(self, f"dac_{side}", _stage(self.file, net, dacs, "dac"))
            setattr(self, f"mod_{side}", _stage(self.file, net, [m for r in mods for m in r],
                                                "modulator"))
        for stage in (self.dac_x, self.dac_y, self.mod_x, self.mod_y, self.chain.pd,
                      self.chain.tia, self.chain.adc):
            odd = [k for k, v in stage.params.items() if isinstance(v, np.ndarray)]
            if odd:
                self.fail(f"the chip model needs one {odd[0]} for every "
                          f"{stage.component.name} of the crossbar '{L}'")
        self.chain.dac, self.chain.mod = self.dac_x, self.mod_x
        self.dxx, self.dxy, self.dyy = self._forms(xs, ys)
        self.design = self._design()

    # ------------------------------------------------------------------ analysis
    def _forms(self, xs, ys):
        """Balanced power forms per node (h, w, n, n): x-x, x-y, y-y."""
        h, w, n, C = self.h, self.m, self.n, len(self.lams)
        flat_x = [m for row in xs for m in row]
        flat_y = [m for row in ys for m in row]
        fx = np.array([[self.field_at(c, m) for m in flat_x] for c in range(C)]).reshape(C, h, n)
        fy = np.array([[self.field_at(c, m) for m in flat_y] for c in range(C)]).reshape(C, w, n)
        forms = {}
        for p, sign in (("in0", 1.0), ("in1", -1.0)):
            outs = [(pd, p) for pd in self.nodes]
            A = self.transfer(outs, [(m, "out0") for m in flat_x]).reshape(C, h, w, h, n)
            B = self.transfer(outs, [(m, "out0") for m in flat_y]).reshape(C, h, w, w, n)
            ii, jj = np.arange(h), np.arange(w)
            gx = A[:, ii, :, ii, :].transpose(1, 0, 2, 3) * fx[:, :, None, :]  # (C,h,w,n)
            gy = B[:, :, jj, jj, :] * fy[:, None, :, :]  # (C, h, w, n)
            A[:, ii, :, ii, :] = 0.0  # what is left: light of other buses
            B[:, :, jj, jj, :] = 0.0
            stray = max(float(np.max(np.abs(A))), float(np.max(np.abs(B))))
            if stray > NEGLIGIBLE * float(np.max(np.abs(gx))):
                self.fail("light of another row's or column's operands reaches a node "
                          f"(transfer {stray:.3g}): the chip model reads one row and one "
                          "column bus per node")
            for key, a, b in (("xx", gx, gx), ("xy", gx, gy), ("yy", gy, gy)):
                q = sign * np.einsum("chwk,chwl->hwkl", a.conj(), b).real
                forms[key] = forms.get(key, 0.0) + q
        top = float(np.max(np.abs(forms["xy"])))
        xx = forms["xx"] if np.max(np.abs(forms["xx"])) > NEGLIGIBLE * top else None
        return xx, forms["xy"], forms["yy"]

    def _levels(self, dac, mod, codes) -> np.ndarray:
        return mod.signal(np.ones(self.n), dac.signal(codes))

    def currents(self, lx: np.ndarray, lanes: np.ndarray, ly: np.ndarray) -> np.ndarray:
        """Node currents (B, w) [A]: row levels lx (B, n) on row buses ``lanes`` (B,),
        column levels ly (w, n)."""
        cross = 2.0 * np.einsum("hjkl,jl->hjk", self.dxy, ly)  # (h, w, n)
        const = np.einsum("jk,hjkl,jl->hj", ly, self.dyy, ly)  # (h, w)
        d = np.einsum("bk,bjk->bj", lx, cross[lanes]) + const[lanes]
        if self.dxx is not None:
            for i in np.unique(lanes):
                sel = lanes == i
                half = lx[sel] @ self.dxx[i].transpose(1, 0, 2).reshape(self.n, -1)
                d[sel] += np.einsum("bjl,bl->bj", half.reshape(-1, self.m, self.n), lx[sel])
        pd = self.chain.pd
        return pd.signal(np.sqrt(np.maximum(d, 0.0)), np.sqrt(np.maximum(-d, 0.0)))

    def _design(self):
        """The design read-out of every node (calibration off): the netlist's TIA gains and
        the current per unit product of the forms' diagonal."""
        r = self.chain.pd.params["responsivity"]
        per_unit = 2.0 * r * np.einsum("hjkk->hj", self.dxy).reshape(-1)
        return self.nominal(per_unit)

    def calibrate_tile(self, codes: np.ndarray | None, weights: np.ndarray, rng=None):
        """The nodes' receivers set for one tile's stream: TIA gains loading the ADCs on
        the calibration batch ``codes`` (B × n; default known codes) against the tile's
        weight codes (w × n), α and β fitted per node (:meth:`WdmChip.readout`)."""
        h = self.h
        u = calibration_codes(self) if codes is None or len(codes) < 2 else codes
        u = np.asarray(u, dtype=float)
        lx = self._levels(self.dac_x, self.mod_x, np.tile(u, (h, 1)))
        lanes = np.repeat(np.arange(h), len(u))
        ly = self._levels(self.dac_y, self.mod_y, weights)
        current = self.currents(lx, lanes, ly).reshape(h, len(u), self.m)
        current = current.transpose(1, 0, 2).reshape(len(u), h * self.m)  # (B, h·w)
        return self.readout(current, np.tile(u @ weights.T, (1, h)), rng)

    # ------------------------------------------------------------------ the layer
    def keep(self, layer, W, rng=None, drift: float | None = None) -> int:
        """The update: W written to memory, read by every later pass; no tile is written.
        With ``calibrate``, the receivers' settings for a tile's stream are re-measured
        once its weights drifted past ``drift`` (the device's policy) since the last time."""
        layer.memory = W
        k = layer.counters
        k["memory_writes"] = k.get("memory_writes", 0) + layer.n_tiles
        k.setdefault("calibrations", 0)
        if not self.calibrate:
            return 0
        blocks, todo = layer.due(W, drift)
        for t in todo.tolist():
            block = blocks[t]
            peak = float(np.max(np.abs(block), initial=0.0))
            codes = None if layer.seen is None else layer.seen[t % layer.cols]
            readout = self.calibrate_tile(codes, block / (peak or 1.0), rng)
            layer.tiles[t] = Tile(layer.core_of[t], None, readout, block)
            k["calibrations"] += 1
        layer.held(blocks, todo)
        return 0

    def forward(self, layer, x, out=None, rng=None, count: bool = True):
        """z ≈ W·x: per tile the weights stream from memory through the column DACs, the
        inputs through the row DACs, h vectors per cycle; partial sums added digitally."""
        codes, scale = self.encode(layer, x, count)
        b = x.shape[1]
        lanes = np.arange(b) % self.h
        lx = self._levels(self.dac_x, self.mod_x, codes)  # (C, B, n)
        rows = np.zeros((layer.rows, b, self.m))
        blocks = layer._blocks(layer.memory)  # the tiles zero-padded to the crossbar
        peaks = np.abs(blocks).max(axis=(1, 2), initial=0.0)
        for t in range(layer.n_tiles):
            r, c = divmod(t, layer.cols)
            block, peak = blocks[t], float(peaks[t])
            if peak == 0.0:
                continue  # an all-zero tile streams zeros: read as zero
            tile = layer.tiles[t]
            r_out = self.design if tile is None else tile.readout
            gain, alpha, beta = (v.reshape(self.h, self.m)[lanes] for v in
                                 (r_out.tia_gain, r_out.alpha, r_out.beta))
            ly = self._levels(self.dac_y, self.mod_y, block / peak)
            y = self.read(self.currents(lx[c], lanes, ly), gain, rng)
            rows[r] += (y * alpha + beta) * peak
        if count:
            k = layer.counters
            cycles = -(-b // self.h)
            k["tile_passes"] += layer.n_tiles
            k["dac_conversions"] += layer.n_tiles * (b * self.n + cycles * self.m * self.n)
            k["adc_conversions"] += layer.n_tiles * b * self.m
        return self.finish(layer, rows, scale, out, b)

    def netlist_of(self, tile=None):
        """The core netlist with the TIA gains of ``tile``'s stream (default: the design)."""
        r = self.design if tile is None else tile.readout
        return self.netlist.with_params({tia: {"gain": float(g)} for tia, g in
                                         zip(self.chain.tia.instances, r.tia_gain)})

    def describe(self) -> dict:
        c = self.chain
        return {"core": self.file, "architecture": "DOTA crossbar (weights streamed)",
                "ports": [self.n, self.m], "lanes": self.h, "cores": self.cores,
                "calibrate": self.calibrate, "receivers": "set per tile stream from a "
                "calibration batch when its weights drifted" if self.calibrate else "design",
                "detection": "balanced pair per node, currents summed over "
                             f"{len(self.lams)} wavelengths",
                "dac_bits": {"inputs": self.dac_x.params["bits"],
                             "weights": self.dac_y.params["bits"]},
                "adc_bits": c.adc.params["bits"],
                "weights": "read from memory and streamed through DACs every pass "
                           "(no tile programming)"}
