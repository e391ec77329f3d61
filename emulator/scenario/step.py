"""One TPFP training step on the mapped hardware, simulated pass by pass in SimPy.

Mapping.  What the architecture does with a tile (program and settle it, or stream it
with the data; what an update costs to turn weights into settings) is the core's mapping
strategy (:mod:`emulator.scenario.mapping`, read from the core netlist's weight layer);
the schedule below is the same for every architecture.  Layer ``l`` (``n_l × n_{l-1}``)
is cut into tiles of the core's tile shape; tiles go to the ``cores`` round-robin.  On a
weight-stationary core (meshes, ring banks), when every tile of the network has a core of
its own, the weights stay put during the forward passes and are written once, in the
``update`` pass; otherwise each tile is programmed (settings written, then settling) right
before its batch streams through, in every pass.  A dynamic-operand core (crossbar) holds
no weights: they stream from SRAM with the data, nothing is programmed.

Analyse once, evaluate many.  The event engine simulates one tile stream (the batch
through the core netlist) once: its timing and per-action energies are the same for
every tile.  What differs per tile — the hold power of its phases — comes from the
components' own static-power models, evaluated over the phases of all tiles at once
(:meth:`Core.static_power`).  Each core takes its tiles of a layer back to back: one
SimPy timeout per core and layer, the energy charged by the array on shared ledger rows,
so the cost of the costing grows linearly with the tiles.

Passes (each its own SimPy run, all on one timeline in the trace):
``forward``            pass 1: tiles stream the batch, then the digital unit adds
                       partial sums and applies the activation, layer by layer;
``modulated_forward``  error Γ = y − t and modulation x + FΓ (digital), then pass 2;
``update``             outer-product updates with momentum, the mapping of every tile to
                       settings (digital: SVD/mesh, ring detunings, none for a crossbar),
                       then reprogramming of the stationary tiles;
``inference``          one forward pass.
Cores stay powered for the whole pass: a core waiting for others still draws its static
power (laser, bias, hold of the tile it holds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from emulator.engine import build_plan, digital_work, simulate
from emulator.ledger import Ledger, Model
from emulator.ledger.rows import Rows
from emulator.ledger.result import Costed
from emulator.engine.timebase import to_seconds, to_ticks
from emulator.engine import trace as tr
from emulator.tiling import cut

from emulator.chip.core import Core
from .mapping import BYTES, mapping_for

PASSES = ("forward", "modulated_forward", "update", "inference")
TRACE_SLICES = 20_000  # tile slices a trace file holds before runs of them are summarised


@dataclass
class Block:
    """One weight matrix run on the cores: a dense layer, a shared conv kernel (applied at
    ``positions`` places per image) or one column's network in a strip."""

    matrix: np.ndarray  # (outputs, inputs)
    positions: int = 1  # vectors per image through this block


@dataclass
class Tile:
    layer: int
    row: int
    col: int
    rows: int
    cols: int
    core: int
    index: int  # row of the step's static-power table (the core holding this tile)
    scale: float
    positions: int = 1
    block: int = 0


@dataclass
class PassSummary(Costed):
    name: str
    latency_s: float
    ledger: Ledger
    events: int
    batch: int
    trace: list = field(default_factory=list)

    def breakdown_j(self) -> dict[str, float]:
        return categorize(self.ledger)

    def to_dict(self) -> dict:
        return {"latency_s": self.latency_s, "energy_j": self.energy_j,
                "avg_power_w": self.avg_power_w, "breakdown_j": self.breakdown_j(),
                "events": self.events, "batch": self.batch}


def categorize(ledger: Ledger) -> dict[str, float]:
    """Energy by report category: component kind, with phase shifters split into hold,
    driver and reprogram, and the detectors' local-oscillator light on its own."""
    out: dict[str, float] = {}
    for e in ledger.entries:
        key = e.kind
        if e.kind == "phase_shifter":
            key = ("phase_shifter_reprogram" if not e.static and e.action == "reprogram"
                   else "phase_shifter_driver" if e.static and e.action == "driver"
                   else "phase_shifter_hold")
        elif e.kind == "detector" and e.static and e.action == "local_oscillator":
            key = "local_oscillator"
        out[key] = out.get(key, 0.0) + e.energy_j
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


@dataclass
class StepResult:
    passes: dict[str, PassSummary]
    tiles: list[Tile]
    stationary: bool
    stream_latency_s: float
    program_latency_s: float
    trace: list
    layers: int = 0
    macs_per_sample: int = 0  # optical multiply-accumulates of one image, one pass
    rewrite: float | None = None  # measured share of tiles re-written per update (None: all)
    spans: list = field(default_factory=list)  # (track, label, start, end, args), in ticks
    trace_note: dict | None = None  # slices, limit, summarised (and written) of the trace
    calibration: int = 0  # vectors of the calibration batch per re-written tile
    architecture: str = "svd_layer"  # the core's weight layer (emulator.scenario.mapping)

    def step(self) -> dict:
        names = ("forward", "modulated_forward", "update")
        lat = sum(self.passes[n].latency_s for n in names)
        energy = sum(self.passes[n].energy_j for n in names)
        return {"latency_s": lat, "energy_j": energy,
                "avg_power_w": energy / lat if lat else 0.0}


def dense_layers(weights: list[np.ndarray]) -> list[list[Block]]:
    """A dense network: one block per layer, one vector per image."""
    return [[Block(np.asarray(W, dtype=float))] for W in weights]


class TilePlan(list):
    """The tiles (a list), with the static-power table of the cores holding them:
    ``rows`` (:class:`Rows`) and ``watts`` (tiles × rows; row ``t.index`` is tile t's)."""

    rows: Rows
    watts: np.ndarray


def plan_tiles(core: Core, layers: list[list[Block]], cores: int) -> TilePlan:
    """Every block cut into tiles of the core's architecture (:mod:`emulator.tiling`);
    tiles go to the cores round-robin; the static power of the core holding each tile by
    the array (the mapping's ``static_power``, :meth:`Core.static_power` for meshes)."""
    mapping = mapping_for(core)
    rows, cols = mapping.tile_shape()
    tiles, mats = TilePlan(), []
    for l, blocks in enumerate(layers):
        for b, block in enumerate(blocks):
            for t in cut(block.matrix, rows, cols):
                mats.append(t.matrix)
                tiles.append(Tile(l, t.row, t.col, t.matrix.shape[0], t.matrix.shape[1],
                                  len(tiles) % cores, len(tiles), 0.0, block.positions, b))
    tiles.rows, tiles.watts, scales = mapping.static_power(mats)
    for t, sc in zip(tiles, scales.tolist()):
        t.scale = sc
    return tiles


class _StepSim:
    """Builds the ledgers of one pass from the tile jobs a SimPy schedule runs."""

    def __init__(self, core: Core, blocks: list[list[Block]], batch: int, cores: int,
                 converters: dict | None, wavelengths: int, trace: bool, registry=None,
                 wdm_loss_db: float = 0.0):
        self.core, self.blocks, self.batch = core, blocks, batch
        self.wdm_loss_db = float(wdm_loss_db)
        self.registry = registry  # the digital unit and memories' components
        self.mapping = mapping_for(core)
        self.cores, self.wavelengths, self.trace_on = cores, wavelengths, trace
        self.tiles = plan_tiles(core, blocks, cores)
        self.static_rows = self.tiles.rows
        self.watts = self.tiles.watts * self._multiplier()  # W channel sets, WDM laser loss
        self.labelled: dict[str, Rows] = {}
        self.actions: dict[int, tuple] = {}  # per vector count: stream and buffer rows
        self.program = self.mapping.program()  # None: weights stream, never held
        self.stationary = self.program is not None and len(self.tiles) <= cores
        self.plan = build_plan(core.netlist)
        self.converters = converters
        self.streams: dict[int, object] = {}  # engine pass per vector count
        self.io: dict[int, object] = {}  # buffer traffic per vector count
        self.stream = self.stream_for(1)
        if self.program is not None:
            self.program_rows = Rows.of(e for e in self.program.ledger.entries if not e.static)
            self.program_ticks = to_ticks(self.program.latency_s, "settling")
        self.calibration = 0  # vectors of a calibration batch per re-written tile (0: none)
        self.by_layer = [[t for t in self.tiles if t.layer == l] for l in range(len(blocks))]

    def _vectors(self, positions: int) -> int:
        """Stream cycles of one tile for the batch (× positions per image), per channel set."""
        return math.ceil(self.batch * positions / (self.wavelengths * self.mapping.lanes))

    def stream_for(self, positions: int):
        """The engine pass of one tile streaming the batch (× positions per image)."""
        return self._engine_pass(self._vectors(positions))

    def io_for(self, positions: int):
        """The buffer traffic of one tile stream (see :meth:`_io`)."""
        return self._io(self._vectors(positions))

    def _engine_pass(self, vectors: int):
        """The engine pass of ``vectors`` input vectors through one tile (per channel set;
        the first one simulated keeps its trace)."""
        if vectors not in self.streams:
            self.streams[vectors] = simulate(self.plan, np.zeros((vectors, self.core.n_in)),
                                             converters=self.converters,
                                             trace=self.trace_on and not self.streams)
        return self.streams[vectors]

    def _io(self, vectors: int):
        """The buffer traffic of ``vectors`` stream cycles on all W channel sets: every DAC
        input code read from SRAM and every ADC output code written to it (ceil(bits/8)
        bytes a code), as digital work."""
        if vectors not in self.io:
            self.io[vectors] = self._buffer_traffic(vectors * self.wavelengths)
        return self.io[vectors]

    def _buffer_traffic(self, vectors: int):
        """``vectors`` input codes read from SRAM and their read-out codes written back."""
        bits = {}
        for inst in self.core.netlist.instances.values():
            if inst.component.name in ("dac", "adc"):
                bits[inst.component.name] = max(bits.get(inst.component.name, 1),
                                                int(inst.params["bits"]))
        read = vectors * self.core.n_in * math.ceil(bits.get("dac", 8) / 8)
        written = vectors * self.core.n_out * math.ceil(bits.get("adc", 8) / 8)
        return digital_work(0, reads={"sram": read}, writes={"sram": written},
                            registry=self.registry)

    def stream_seconds(self, positions: int) -> float:
        """A tile stream lasts as long as its converters or its buffer traffic, whichever
        is slower (they run in a pipeline)."""
        return max(self.stream_for(positions).latency_s, self.io_for(positions).latency_s)

    # -- energy of jobs, by the models of the components ----------------------------------
    def _multiplier(self) -> np.ndarray:
        """Per static row: 1 for the mesh (one mesh for the W channel sets), W for the rest,
        and each of the W laser lines raised by the mux + demux loss."""
        n = np.where(np.array(self.static_rows.kinds) == "phase_shifter", 1.0,
                     float(self.wavelengths))
        if self.wavelengths > 1:
            laser = np.array(self.static_rows.kinds) == "laser"
            n[laser] = self.wavelengths * 10.0 ** (self.wdm_loss_db / 10.0)
        return n

    def _rows(self, what: str) -> Rows:
        """The static rows with their models labelled by when they draw."""
        if what not in self.labelled:
            self.labelled[what] = self.static_rows.relabel(
                lambda m: Model(m.component, m.function, f"{m.key} ({what})", m.sources))
        return self.labelled[what]

    def _static(self, ledger: Ledger, tiles: list[Tile], seconds: float, what: str):
        """The cores holding ``tiles`` drew their static power for ``seconds`` each."""
        w = self.watts[[t.index for t in tiles]]
        ledger.charge(self._rows(what), seconds * np.count_nonzero(w, axis=0),
                      energy=seconds * w.sum(axis=0))

    def _stream_rows(self, positions: int):
        """The action rows of one tile stream (see :meth:`_action_rows`)."""
        return self._action_rows(self._vectors(positions))

    def _action_rows(self, vectors: int):
        """The action rows of ``vectors`` cycles through one tile (× W channel sets) and
        of their buffer traffic."""
        if vectors not in self.actions:
            stream = self._engine_pass(vectors)
            rows, count, rate = Rows.of(e for e in stream.ledger.entries if not e.static)
            io = Rows.of(self._io(vectors).ledger.entries)
            self.actions[vectors] = ((rows, count * self.wavelengths, rate), io)
        return self.actions[vectors]

    def _stream_energy(self, ledger: Ledger, tiles: list[Tile], rails: int = 1):
        """``tiles`` (of one vector count) each streamed the batch (``rails`` times: a
        signed batch on a power-encoded core)."""
        k = len(tiles)
        vectors = tiles[0].positions * rails
        for rows, count, rate in self._stream_rows(vectors):
            ledger.charge(rows, count * k, energy=(count * rate) * k)
        self._static(ledger, tiles, self.stream_seconds(vectors), "streaming")

    def _program_energy(self, ledger: Ledger, tiles: list[Tile]):
        """``tiles`` were each programmed and settled."""
        rows, count, rate = self.program_rows
        ledger.charge(rows, count * len(tiles), energy=(count * rate) * len(tiles))
        self._static(ledger, tiles, self.program.latency_s, "settling")

    # -- one pass ------------------------------------------------------------------------
    def run_pass(self, name: str, offset: int) -> PassSummary:
        env = simpy.Environment()
        ledger = Ledger()
        events: list[tuple] = []
        busy = [0] * self.cores
        held: list[Tile | None] = [None] * self.cores
        program_in_pass = (self.program is not None and not self.stationary
                           and name != "update")
        counts = {"events": 0}

        def span(track: str, label: str, start: int, end: int, args=None):
            if self.trace_on:
                events.append((track, label, offset + start, offset + end, args or {}))

        def run(k: int, tiles: list[Tile], program: bool, stream: bool, rails: int):
            """Core ``k`` takes its ``tiles`` one after the other: the schedule of identical
            jobs is known, so one timeout covers them all and the energy is charged by the
            array (per vector count).  ``rails``: streams per tile (a signed batch on a
            power-encoded core runs once per sign)."""
            t0 = t = env.now
            settle = self.program_ticks if program else 0
            for tile in tiles:
                if program:
                    span(f"core{k}", f"program L{tile.layer + 1} tile {tile.row},{tile.col}",
                         t, t + settle, {"settling_s": self.program.latency_s})
                    t += settle
                if stream:
                    st = self.stream_for(tile.positions * rails)
                    d = to_ticks(self.stream_seconds(tile.positions * rails), "tile stream")
                    span(f"core{k}", f"stream L{tile.layer + 1} block {tile.block} "
                         f"tile {tile.row},{tile.col}", t, t + d,
                         {"vectors": self.batch * tile.positions * rails,
                          "latency_s": st.latency_s})
                    t += d
                    counts["events"] += st.events
            if program:
                self._program_energy(ledger, tiles)
            if stream:
                for pos in dict.fromkeys(t.positions for t in tiles):
                    self._stream_energy(ledger, [t for t in tiles if t.positions == pos], rails)
            yield env.timeout(t - t0)
            held[k] = tiles[-1]
            busy[k] += t - t0

        def jobs(tiles: list[Tile], program: bool, stream: bool, rails: int = 1):
            per_core: dict[int, list[Tile]] = {}
            for t in tiles:
                per_core.setdefault(t.core, []).append(t)
            return env.all_of([env.process(run(k, ts, program, stream, rails))
                               for k, ts in per_core.items()])

        def digital(label: str, macs: int, reads: int, writes: int,
                    parallel: int | None = None):
            r = digital_work(macs, reads={"sram": reads}, writes={"sram": writes},
                             registry=self.registry, parallel=parallel)
            t0 = env.now
            ledger.extend(r.ledger)
            yield env.timeout(to_ticks(r.latency_s, label))
            span("digital", label, t0, env.now, {"macs": macs, "sram_read_B": reads,
                                                 "sram_write_B": writes})
            counts["events"] += r.events

        def calibrate(tiles: list[Tile], m: int, n: int):
            """Each re-written tile's read-out calibrated as the in-situ chip does it: a
            batch of ``self.calibration`` vectors streamed through the tile (converters,
            light, detectors), then per output the LO phase, the TIA gain and a fitted
            scale and offset (about 8 operations per vector and output, digital)."""
            st = self._engine_pass(self.calibration)
            d = to_ticks(max(st.latency_s, self._io(self.calibration).latency_s), "calibration")

            def on_core(k: int, ts: list[Tile]):
                t0 = env.now
                for i, tile in enumerate(ts):
                    span(f"core{k}", f"calibrate L{tile.layer + 1} tile {tile.row},{tile.col}",
                         t0 + i * d, t0 + (i + 1) * d, {"vectors": self.calibration})
                for rows, count, rate in self._action_rows(self.calibration):
                    ledger.charge(rows, count * len(ts), energy=(count * rate) * len(ts))
                self._static(ledger, ts, to_seconds(d), "calibrating")
                counts["events"] += st.events * len(ts)
                yield env.timeout(d * len(ts))
                busy[k] += d * len(ts)

            per_core: dict[int, list[Tile]] = {}
            for t in tiles:
                per_core.setdefault(t.core, []).append(t)
            yield env.all_of([env.process(on_core(k, ts)) for k, ts in per_core.items()])
            v = self.calibration * self.wavelengths
            yield from digital("calibration fits (LO phase, gain, offset)",
                               len(tiles) * 8 * v * m, len(tiles) * v * (n + m) * BYTES,
                               len(tiles) * 4 * m * BYTES)

        B = self.batch
        outs = [sum(b.matrix.shape[0] * b.positions for b in blocks) for blocks in self.blocks]
        ins = [sum(b.matrix.shape[1] * b.positions for b in blocks) for blocks in self.blocks]
        weights = sum(b.matrix.size for blocks in self.blocks for b in blocks)

        def forward():
            for l, tiles in enumerate(self.by_layer):
                # pass 2's first input x + FΓ is signed: a power-encoded core (ring bank)
                # streams it once per sign and subtracts (hidden inputs: activations ≥ 0)
                rails = (self.mapping.signed_rails
                         if name == "modulated_forward" and l == 0 else 1)
                yield jobs(tiles, program_in_pass, True, rails)
                col_tiles = (max(t.col for t in tiles) + 1) * rails
                n = outs[l]
                yield from digital(f"L{l + 1} partial sums + activation", B * n * col_tiles,
                                   B * n * col_tiles * BYTES, B * n * BYTES)

        def flow():
            if name == "modulated_forward":
                n0, nL = self.n_input, outs[-1]
                yield from digital("error and modulation x + FΓ", B * (nL + n0 * nL + n0),
                                   B * (nL + n0) * BYTES + n0 * nL * BYTES,  # Γ, x and F
                                   B * n0 * BYTES)
            if name == "update":
                macs = sum(B * b.matrix.size * b.positions for bl in self.blocks for b in bl)
                acts = (sum(ins) + outs[-1]) * B * 2
                yield from digital("outer-product updates + momentum", macs + 2 * weights,
                                   (acts + 2 * weights) * BYTES, 2 * weights * BYTES)
                mapped = self.rewrite * len(self.tiles)  # tiles re-mapped, on average
                for w in self.mapping.update_work(mapped, weights):  # weights -> settings
                    yield from digital(w.label, w.macs, w.reads, w.writes, parallel=w.parallel)
                if self.stationary:
                    rewritten = self.tiles[:round(mapped)]
                    if rewritten:
                        yield jobs(rewritten, True, False)
                if self.calibration and round(mapped):
                    yield from calibrate(self.tiles[:round(mapped)], *self.core.layer_size())
            else:
                yield from forward()

        env.process(flow())
        env.run()
        total = env.now
        # idle cores still draw static power (laser, bias, hold of the tile they hold)
        for k in range(self.cores):
            idle = total - busy[k]
            tile = held[k] or next((t for t in self.tiles if t.core == k), None)
            if idle > 0 and tile is not None:
                self._static(ledger, [tile], to_seconds(idle), "idle")
        return PassSummary(name, to_seconds(total), ledger, counts["events"], B, events)


def simulate_step(core: Core, weights: list[np.ndarray] | list[list[Block]], batch: int, *,
                  cores: int = 1, converters: dict | None = None, wavelengths: int = 1,
                  wdm_loss_db: float = 0.0,
                  trace: bool = True, n_input: int | None = None,
                  registry=None, rewrite: float | None = None,
                  calibration: int = 0) -> StepResult:
    """``weights``: a dense network's matrices, or layers of :class:`Block` s.
    ``n_input``: features of one image (default: the first layer's inputs).  ``registry``:
    the components of the digital unit and memory (default: the library's); the core's
    own come with its netlist.  ``wavelengths`` > 1: W channel sets share each mesh, each
    with its own converters, detectors and laser line, every line raised by ``wdm_loss_db``
    (the multiplexer's and demultiplexer's insertion loss and the receivers' crosstalk
    penalty).  ``rewrite``: the share of tiles
    re-mapped and re-written
    per update, as measured by an in-situ run's policy (None: all of them, every step).
    ``calibration``: vectors of the calibration batch each re-written tile streams in the
    update pass (an in-situ run with calibration on; 0: none)."""
    blocks = weights if weights and isinstance(weights[0], list) else dense_layers(weights)
    sim = _StepSim(core, blocks, batch, cores, converters, wavelengths, trace, registry,
                   wdm_loss_db)
    sim.rewrite = 1.0 if rewrite is None else float(rewrite)
    sim.calibration = int(calibration)
    sim.n_input = n_input or sum(b.matrix.shape[1] * b.positions for b in blocks[0])
    passes, offset, spans = {}, 0, []
    for name in PASSES:
        p = sim.run_pass(name, offset)
        passes[name] = p
        spans.extend(p.trace)
        offset += to_ticks(p.latency_s, name) + to_ticks(1e-9, "gap")
    trace_events, note = _trace(spans, sim) if trace else ([], None)
    macs = sum(b.matrix.size * b.positions for layer in blocks for b in layer)
    return StepResult(passes, sim.tiles, sim.stationary, sim.stream.latency_s,
                      sim.program.latency_s if sim.program is not None else 0.0,
                      trace_events, len(blocks), macs, rewrite, spans, note, sim.calibration,
                      core.kind)


def _trace(spans, sim: _StepSim) -> tuple[list[dict], dict]:
    """Chrome trace events of the step (tile slices summarised per run of a core's tiles of
    one layer above :data:`TRACE_SLICES`), and the note saying whether they were."""
    names = [f"core{k}" for k in range(sim.cores)] + ["digital"]
    meta, tid = tr.tracks(names, f"training step ({sim.mapping.name}, "
                                 f"{sim.mapping.operands.replace('_', '-')} mapping)")
    tiles = [s for s in spans if s[0] != "digital"]
    tiles, note = tr.summarise(tiles, lambda label: f"{label.split()[1]} tiles", TRACE_SLICES)
    spans = sorted(tiles + [s for s in spans if s[0] == "digital"], key=lambda s: s[2])
    events = meta + [tr.slice_event(label, track.rstrip("0123456789") or track, tid[track], a, b,
                                    args) for track, label, a, b, args in spans]
    # one tile stream in detail (converters, modulators, detectors): process 2
    detail = []
    for ev in sim.stream.trace_events:
        ev = dict(ev)
        ev["pid"] = 2
        if ev.get("ph") == "M" and ev.get("name") == "process_name":
            ev["args"] = {"name": "one tile stream, per instance (core netlist)"}
        detail.append(ev)
    return events + detail, note
