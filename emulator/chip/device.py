"""A network's weight layers on a chip: tiled as the cost model tiles them.

A layer W (m_l × n_l) is cut into ⌈m_l/m⌉ × ⌈n_l/n⌉ tiles of the core's size (zero-padded
at the edges); tile k of the network (layers in order, row tiles, then column tiles) sits
on physical core k mod ``cores``, with that core's fabrication errors.  A forward pass
encodes the layer's input into DAC codes (one digital scale per pass: the largest |x|
maps to full scale), streams every column block through the tiles that need it, decodes
each tile's read-out with its calibration, and adds the partial sums of a row of tiles
digitally, as the cost model charges.

Activations.  With coherent detection a layer reads out z = W·x (signed) and any
activation is electronic, applied after the ADC.  With intensity detection the
detectors themselves square the field: the layer reads out z² (``activation ==
"square"``, an optical square law), so the network's activation there must be
``square``; and a layer must then fit one column of tiles, since partial fields of
separate tiles cannot be added after they are squared.

Re-programming follows a policy (``every``: updates between checks; ``drift``: re-map a
tile only once its weights moved by more than that fraction, ‖W_t − W_t,prog‖/‖W_t,prog‖,
since it was written, checked for all tiles of a layer with one norm pass; None re-maps
every tile at every check).  The tiles due are written together
(:meth:`Chip.program_many`: the same numbers as one write after another).  The counters
say what ran: tile writes, phase writes, vectors through tiles, conversions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from components.errors import Problem, UserError

from .calibrate import calibration_columns, square_law
from .chip import Chip, Tile
from .stream import Stream, fold, foldable

DTYPE = np.float32


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _entry(W, t, i, k, cols, m, n):
    """Entry (i, k) of tile t = r·cols + c of W, zero-padded, as a float64."""
    row, col = (t // cols) * m + i, (t % cols) * n + k
    return np.float64(W[row, col]) if row < W.shape[0] and col < W.shape[1] else 0.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _drifts(W, cols, written, ref, has):
    """‖W_t − H_t‖/‖H_t‖ of the tiles W_t of W (zero-padded, numbered r·cols + c) against
    the tiles held H (T, m, n) with norms ``ref`` (T,): inf where none was written
    (``has`` False), or where H_t is empty and W_t not; 0 where both are empty."""
    T, m, n = written.shape
    out = np.empty(T)
    for t in range(T):
        acc = 0.0
        for i in range(m):
            for k in range(n):
                d = _entry(W, t, i, k, cols, m, n) - written[t, i, k]
                acc += d * d
        moved = math.sqrt(acc)
        if not has[t]:
            out[t] = np.inf
        elif ref[t] > 0.0:
            out[t] = moved / ref[t]
        else:
            out[t] = np.inf if moved > 0.0 else 0.0
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _tiles(W, cols, todo, m, n):
    """The tiles ``todo`` of W, zero-padded: (len(todo), m, n)."""
    out = np.empty((todo.shape[0], m, n))
    for i in range(todo.shape[0]):
        for j in range(m):
            for k in range(n):
                out[i, j, k] = _entry(W, todo[i], j, k, cols, m, n)
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _hold(blocks, todo, written, ref, has):
    """Tiles ``todo`` now hold blocks (len(todo), m, n): copied into ``written``, their
    norms into ``ref``, ``has`` set."""
    for i in range(todo.shape[0]):
        t = todo[i]
        acc = 0.0
        for j in range(blocks.shape[1]):
            for k in range(blocks.shape[2]):
                v = blocks[i, j, k]
                written[t, j, k] = v
                acc += v * v
        ref[t] = math.sqrt(acc)
        has[t] = True


@dataclass(frozen=True)
class Due:
    """A layer's tiles due a write: their indices (K,), zero-padded weights (K, m, n),
    physical cores and calibration codes (K, B, n) or None (the default batch)."""

    todo: np.ndarray
    tiles: np.ndarray
    cores: tuple
    codes: np.ndarray | None


class ChipLayer:
    def __init__(self, chip: Chip, shape: tuple[int, int], first: int, name: str = "layer",
                 noisy: bool = True):
        self.chip = chip
        self.noisy = noisy
        self.shape = (int(shape[0]), int(shape[1]))
        self.rows = math.ceil(self.shape[0] / chip.m)
        self.cols = math.ceil(self.shape[1] / chip.n)
        self.activation = "square" if square_law(chip) else None
        if self.activation and self.cols > 1:
            raise UserError(Problem(
                f"{name} has {self.shape[1]} inputs but the core {chip.file} has {chip.n} "
                "and detects intensity: partial fields of separate tiles cannot be added "
                "after the detectors square them", path=name,
                hint="use a core with coherent detectors, or one with enough inputs"))
        n_tiles = self.rows * self.cols
        self.core_of = [(first + t) % chip.cores for t in range(n_tiles)]
        self.tiles: list[Tile | None] = [None] * n_tiles
        self.seen = None  # (C, B, n) input codes of the last pass: the calibration batch
        self.written = np.zeros((n_tiles, chip.m, chip.n))  # zero-padded tiles held
        self._ref = np.zeros(n_tiles)  # their norms
        self._has = np.zeros(n_tiles, dtype=bool)  # which tiles were written
        self._stack = None  # tiles' arrays for the component-by-component read-out
        self._stream = None  # the folded read-out (stream.py), when the chain allows it
        if foldable(chip):  # the chip's receiver holds the light table and detector probe
            self._stream = Stream(self.rows, self.cols, chip.m, chip.n,
                                  2 ** int(chip.chain.adc.params["bits"]), chip.rx.table)
            self._pd = chip.rx.pd
        self.counters = dict(tile_writes=0, phase_writes=0, tile_passes=0,
                             dac_conversions=0, adc_conversions=0)

    @property
    def n_tiles(self) -> int:
        return len(self.tiles)

    def _blocks(self, W) -> np.ndarray:
        """The tiles of W, zero-padded: (T, m, n), numbered as the tiles are."""
        return _tiles(self._weights(W), self.cols, np.arange(self.n_tiles), self.chip.m,
                      self.chip.n)

    def drifts(self, W) -> np.ndarray:
        """‖W_t − W_t,prog‖/‖W_t,prog‖ of every tile (inf for a tile never written; 0
        for an empty tile that stayed empty), in one compiled pass over W."""
        return _drifts(self._weights(W), self.cols, self.written, self._ref, self._has)

    def _weights(self, W) -> np.ndarray:
        """W as a 2-D array the compiled passes take."""
        W = np.asarray(W)
        return W if W.dtype in (np.float32, np.float64) else W.astype(float)

    def drift(self, W, t: int) -> float:
        return float(self.drifts(W)[t])

    def due(self, W, drift: float | None) -> tuple[np.ndarray, np.ndarray]:
        """The tiles of W (T, m, n) and the indices of those due a write under the policy
        (all if ``drift`` is None, else those that drifted past it)."""
        return self._blocks(W), self._due(W, drift)

    def _due(self, W, drift: float | None) -> np.ndarray:
        """The indices of the tiles of W due a write (:meth:`due`)."""
        if drift is None:
            return np.arange(self.n_tiles)
        return np.flatnonzero(self.drifts(W) > drift)

    def held(self, blocks: np.ndarray, todo: np.ndarray) -> None:
        """Record that tiles ``todo`` now hold ``blocks[todo]`` (the drift reference)."""
        self._held(np.asarray(blocks, dtype=float)[todo], todo)

    def _held(self, new: np.ndarray, todo: np.ndarray) -> None:
        """:meth:`held` of the tiles written, new (len(todo), m, n)."""
        _hold(new, np.asarray(todo, dtype=np.int64), self.written, self._ref, self._has)

    def program(self, W, rng=None, drift: float | None = None) -> int:
        """Write the tiles of W whose drift exceeds ``drift`` (all if None); the number
        written.  ``rng``: noise of the calibration measurements."""
        if not self.chip.holds_weights:  # the weights stream from memory (crossbar.py)
            return self.chip.keep(self, W, rng, drift)
        due = self.due_write(W, drift)
        if due is None:
            return 0
        if self._stream is None:
            codes = None if due.codes is None else list(due.codes)
            return self._wrote(due, self.chip.program_many(due.tiles, due.cores, rng, codes))
        return self.take(due, self.chip.write(due.tiles, due.cores, rng, due.codes))

    @property
    def folded(self) -> bool:
        """True when the layer's writes go through :meth:`Chip.write` and its read-out is
        folded (:meth:`due_write` and :meth:`take` apply)."""
        return self.chip.holds_weights and self._stream is not None

    def due_write(self, W, drift: float | None) -> "Due | None":
        """The tiles of W due a write under the policy (:meth:`due`), ready for
        :meth:`Chip.write`; None when none is."""
        W = self._weights(W)
        todo = self._due(W, drift)
        if not todo.size:
            return None
        seen = self.seen
        return Due(todo, _tiles(W, self.cols, todo, self.chip.m, self.chip.n),
                   tuple(self.core_of[t] for t in todo.tolist()),
                   None if seen is None else seen[todo % self.cols])

    def take(self, due: "Due", written) -> int:
        """Hold what :meth:`Chip.write` wrote for ``due``: folded into the read-out, the
        tiles, the drift reference and the counters; the number of tiles written."""
        r = written.readout
        mats, offset, sigma = fold(self.chip, written.matrices, r.lo_phase, r.tia_gain,
                                   self._pd, r.noise2)
        self._stream.put(due.todo, (mats, offset, sigma), r.alpha, r.beta)
        return self._wrote(due, written.tiles)

    def _wrote(self, due: "Due", tiles) -> int:
        todo, new = due.todo, due.tiles
        for t, tile in zip(todo.tolist(), tiles):
            self.tiles[t] = tile
            self.counters["phase_writes"] += self.chip.settings_written(tile)
        self._held(new, todo)
        self.counters["tile_writes"] += todo.size
        self._stack = None
        return int(todo.size)

    def stack(self) -> tuple:
        """The tiles' channel matrices, LO phases, TIA gains, α and β, stacked."""
        if self._stack is None:
            tiles = self.tiles
            self._stack = (np.stack([t.matrix for t in tiles]),
                           np.stack([t.readout.lo_phase for t in tiles]),
                           np.stack([t.readout.tia_gain for t in tiles]),
                           np.stack([t.readout.alpha for t in tiles])[:, None, :],
                           np.stack([t.readout.beta for t in tiles])[:, None, :])
        return self._stack

    def status(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tiles:
            if t is not None:
                out[t.readout.status] = out.get(t.readout.status, 0) + 1
        return out

    @property
    def seen(self):
        """(C, B', n) input codes of the last training pass (columns spread over its
        batch): the batch a tile's calibration measures on."""
        if self._seen is None and self._seen_x is not None:
            self._seen = self._codes(*self._seen_x)
        return self._seen

    @seen.setter
    def seen(self, codes) -> None:
        self._seen, self._seen_x = codes, None

    def set_threads(self, n: int) -> None:
        """Run the folded read-out's compiled loops on n threads (1: serial); the
        numbers do not change."""
        if self._stream is not None:
            self._stream.threads = int(n)

    def _codes(self, x, scale: float) -> np.ndarray:
        """(C, B, n) DAC codes x / scale of the column blocks (zero-padded inputs)."""
        n, b = self.chip.n, x.shape[1]
        codes = np.zeros((self.cols * n, b))
        if scale > 0.0:
            np.divide(x, scale, out=codes[:self.shape[1]])
        return codes.reshape(self.cols, n, b).transpose(0, 2, 1)

    def forward(self, x, out=None, rng=None, count: bool = True, chained: bool = False):
        """z ≈ W·x for a column batch x (n_l × B), through the programmed tiles (read-out
        noise drawn from ``rng`` when the device is noisy).  The read-out is folded
        (:mod:`.stream`) where the chain allows it; ``chained`` evaluates it component by
        component instead (the same numbers: tests compare the two)."""
        if not self.noisy:
            rng = None
        if self.chip.kind != "svd_layer":  # a WDM core reads out its own way (wdm.py)
            return self.chip.forward(self, x, out, rng, count)
        chip, m_l = self.chip, self.shape[0]
        b = x.shape[1]
        scale = float(np.max(np.abs(x), initial=0.0))
        gain = scale * scale if self.activation == "square" else scale  # z² or z
        if out is None:
            out = np.empty((m_l, b), dtype=DTYPE)
        if count:  # a training pass (evaluations are not): what calibration will see,
            # columns spread over the batch (a conv layer's first columns are the corner
            # patches of one image, often dark); encoded when a write asks for them
            cols = calibration_columns(b)
            self._seen = None
            self._seen_x = (x.copy() if len(cols) == b else x[:, cols], scale)
        if self._stream is not None and not chained:
            self._stream.run(x, scale, out, gain, rng)
        else:
            fields = chip.light(self._codes(x, scale))  # each column block lit once
            mats, lo, gain_tia, alpha, beta = self.stack()
            grid = (self.rows, self.cols)
            y = chip.detect(fields[None], mats.reshape(grid + mats.shape[1:]),
                            lo.reshape(grid + lo.shape[1:]),
                            gain_tia.reshape(grid + gain_tia.shape[1:]),
                            rng).reshape(self.n_tiles, b, chip.m)
            z = y * alpha + beta  # (T, B, m) partial products
            rows = z.reshape(self.rows, self.cols, b, chip.m).sum(axis=1)  # digital adds
            full = rows.transpose(0, 2, 1).reshape(self.rows * chip.m, b)[:m_l]
            np.multiply(full, gain, out=out, casting="unsafe")
        if count:
            c = self.counters
            c["tile_passes"] += self.n_tiles  # batches through a tile
            c["dac_conversions"] += self.n_tiles * b * chip.n
            c["adc_conversions"] += self.n_tiles * b * chip.m
        return out


class ChipBlocks:
    """A layer of G independent blocks (a strip layer's weights, G × m_l × n_l): one
    :class:`ChipLayer` per block, their tiles numbered on after each other."""

    def __init__(self, chip: Chip, shape: tuple[int, int, int], first: int,
                 name: str = "layer", noisy: bool = True):
        self.blocks = []
        for g in range(int(shape[0])):
            block = ChipLayer(chip, shape[1:], first, f"{name} block {g + 1}", noisy)
            first += block.n_tiles
            self.blocks.append(block)
        self.activation = self.blocks[0].activation

    @property
    def n_tiles(self) -> int:
        return sum(b.n_tiles for b in self.blocks)

    @property
    def tiles(self) -> list:
        return [t for b in self.blocks for t in b.tiles]

    @property
    def counters(self) -> dict:
        total: dict = {}
        for b in self.blocks:
            for k, v in b.counters.items():
                total[k] = total.get(k, 0) + v
        return total

    def program(self, W, rng=None, drift: float | None = None) -> int:
        return sum(b.program(w, rng, drift) for b, w in zip(self.blocks, W))

    def status(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for b in self.blocks:
            for k, v in b.status().items():
                out[k] = out.get(k, 0) + v
        return out

    def set_threads(self, n: int) -> None:
        for b in self.blocks:
            b.set_threads(n)

    def forward(self, u, out=None, rng=None, count: bool = True, chained: bool = False):
        """(G, m_l, B) products of the blocks' inputs u (G, n_l, B)."""
        if out is None:
            out = np.empty((len(self.blocks), self.blocks[0].shape[0], u.shape[-1]),
                           dtype=DTYPE)
        for b, x, o in zip(self.blocks, u, out):
            b.forward(x, out=o, rng=rng, count=count, chained=chained)
        return out


class ChipDevice:
    """All weight layers of a network on one kind of chip (see module doc): a 2-D weight
    (dense, or a conv layer's shared patch network) on one :class:`ChipLayer`, a 3-D one
    (a strip layer's blocks) on :class:`ChipBlocks`."""

    def __init__(self, weights, chip: Chip, *, every: int = 1, drift: float | None = None,
                 rng=None, noise: bool = True, digital_output: bool = False):
        self.weights = weights  # the digital weights (updated in place by training)
        self.chip = chip
        self.every = int(every)
        self.drift = drift
        self.noisy = bool(noise)  # read-out noise in every pass (and in calibration)
        self.rng = rng if noise else None  # calibration measurement noise
        # ``digital_output``: the output layer stays digital (None here), e.g. on a core
        # whose detectors square the field: the softmax needs a signed read-out
        self.layers: list = []
        first = 0
        for i, w in enumerate(weights):
            if digital_output and i == len(weights) - 1:
                self.layers.append(None)
                continue
            kind = ChipBlocks if np.ndim(w) == 3 else ChipLayer
            layer = kind(chip, w.shape, first, f"layer {len(self.layers) + 1}", self.noisy)
            first += layer.n_tiles
            self.layers.append(layer)
        self.program_all()

    def _on_chip(self):
        return [(layer, w) for layer, w in zip(self.layers, self.weights) if layer is not None]

    def optical_activation(self, l: int) -> bool:
        """True when layer l's detectors apply the activation (the square law) themselves."""
        layer = self.layers[l]
        return layer is not None and layer.activation == "square"

    def signed_inputs(self, l: int) -> bool:
        """False when layer l's core encodes inputs in optical power (a signed input then
        takes one pass per rail, :mod:`.ring_bank`); a digital layer takes any input."""
        layer = self.layers[l]
        return layer is None or layer.chip.signed_inputs

    def program_all(self) -> None:
        self._program(None)

    def after_update(self, step: int) -> None:
        if step % self.every:
            return
        self._program(self.drift)

    def sync(self) -> None:
        """Write every tile whose weights differ from what the chip holds."""
        self._program(0.0)

    def _program(self, drift: float | None) -> None:
        """Write every layer's tiles due under ``drift`` (all if None).  Layers that are
        not folded (blocks, streamed weights, an unfoldable chain) write on their own,
        first; then the folded layers' tiles go to the chip as one stack, in layer order
        (:meth:`Chip.write`: one SVD call, one compiled realisation, one calibration;
        each tile's numbers as if written alone, calibration noise drawn tile after
        tile)."""
        due = []
        for layer, w in self._on_chip():
            if isinstance(layer, ChipLayer) and layer.folded:
                d = layer.due_write(w, drift)
                if d is not None:
                    due.append((layer, d))
            else:
                layer.program(w, self.rng, drift)
        if len(due) == 1:
            layer, d = due[0]
            layer.take(d, layer.chip.write(d.tiles, d.cores, self.rng, d.codes))
        elif due:
            tiles = np.concatenate([d.tiles for _, d in due])
            cores = sum((d.cores for _, d in due), ())
            codes = [c for _, d in due for c in
                     (d.codes if d.codes is not None else [None] * len(d.todo))]
            if all(c is not None for c in codes) and len({c.shape for c in codes}) == 1:
                codes = np.stack(codes)
            written = self.chip.write(tiles, cores, self.rng, codes)
            start = 0
            for layer, d in due:
                part = slice(start, start + len(d.todo))
                layer.take(d, written.part(part))
                start = part.stop

    @property
    def counters(self) -> dict:
        total: dict = {}
        for layer, _ in self._on_chip():
            for k, v in layer.counters.items():
                total[k] = total.get(k, 0) + v
        total["tiles"] = sum(layer.n_tiles for layer, _ in self._on_chip())
        return total

    def describe(self) -> dict:
        """The chip, the policy that ran and the calibration's outcome (for reports)."""
        return {**self.chip.describe(), "noise": self.noisy,
                "reprogram_every": self.every, "reprogram_drift": self.drift,
                "calibration": self.status(), "tiles": self.counters["tiles"],
                "activations": ("optical: the detectors' square law |z|^2 (output layer "
                                "digital)" if any(layer.activation for layer, _ in
                                                  self._on_chip()) else
                                "electronic, after the ADC (coherent detection reads Re z)"
                                if self.chip.kind == "svd_layer" else
                                "electronic, after the ADC (balanced pairs read the signed "
                                "product)")}

    def status(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for layer, _ in self._on_chip():
            for k, v in layer.status().items():
                total[k] = total.get(k, 0) + v
        return total
