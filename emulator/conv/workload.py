"""What one image asks of the optical cores, per pass: the input of the latency/energy engine.

Each weight block (a conv layer's shared C_out × C_in·k² matrix, one column network's
matrix, a head matrix) is cut into tiles of at most ``ports_out × ports`` (core outputs ×
inputs; ``ports_out`` defaults to ``ports``) by :mod:`emulator.tiling`, the tiler the
scenario's step schedule uses too, and every tile runs on one optical core.  Patches and
columns are time-multiplexed through it: one *invocation* is one input vector through one
programmed tile, i.e. one symbol period of that core, with one DAC conversion per tile
input and one ADC conversion per tile output.  A block cut into several column tiles
leaves partial sums to add digitally.

Counts are per image and per pass.  ``forward`` (pass 1), ``modulated_forward``
(pass 2) and ``inference`` have the same optical work; the modulated pass adds the
digital modulation x + FΓ; ``update`` has no optical work (the outer products and the
momentum step are digital) and ends with every tile re-programmed.

Reprogramming.  A weight-shared conv layer is one block for all its positions: its
tiles stay programmed while every patch streams through.  A column strip has one
block per column, so with fewer cores than tiles a core is re-programmed between
columns.  With ``cores`` cores and T tiles in the network, the best static placement
keeps ``cores − 1`` tiles resident and rotates the other ``T − cores + 1`` through the
last core: that many reprogrammings per image if images stream one at a time
(``reprograms_per_image``), or per mini-batch if each tile takes the whole batch before
the next is loaded (``reprograms_per_batch``, what the scenario's step schedule does).
With T ≤ cores the mapping is weight-stationary: no reprogramming inside a pass.

:func:`tile_jobs` lists the tiles themselves (the weight sub-matrices to program) with the
vectors each streams per image, for an engine that programs a core netlist per tile.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from components.errors import Problem, UserError
from emulator.tiling import cut, grid

from emulator.training.net import Net

DEFAULT_PORTS = 32
PASS_NAMES = ("forward", "modulated_forward", "update", "inference")


@dataclass(frozen=True)
class LayerWork:
    """One layer's optical work per image and pass."""

    name: str
    kind: str  # conv | strip | dense
    blocks: int  # distinct weight blocks (strip: one per column; conv: 1, shared)
    block_shape: tuple[int, int]  # (outputs, inputs) of one block
    shared: bool  # one block applied at every position (weight sharing)
    positions: int  # vectors per block per image (conv: output positions; else 1)
    tiles_per_block: int  # core-sized tiles of one block (1 when it fits the core)
    weight_tiles: int  # distinct programmings of the layer = blocks × tiles_per_block
    switches: int  # re-programmings inside the layer per image on one core (tiles − 1):
    #                0 for a shared conv block that fits the core, 27 for 28 columns
    invocations: int  # core invocations (symbols) per image
    vector_in: int  # largest tile input vector
    vector_out: int  # largest tile output vector
    dac_conversions: int
    adc_conversions: int
    optical_macs: int
    partial_sum_adds: int  # digital adds joining the column tiles of a block
    pooling_ops: int  # digital adds (avg) or comparisons (max) of the pooling
    activations: int  # nonlinearity evaluations (physical for square-law detection)
    update_macs: int  # outer-product multiply-adds of this layer's update, per image


@dataclass(frozen=True)
class Workload:
    model: str
    ports: int  # core inputs
    ports_out: int  # core outputs
    cores: int
    n_pixels: int
    n_classes: int
    activation: str | None
    layers: tuple[LayerWork, ...]

    # --- totals per image and pass --------------------------------------------------
    @property
    def invocations(self) -> int:
        return sum(w.invocations for w in self.layers)

    @property
    def weight_tiles(self) -> int:
        return sum(w.weight_tiles for w in self.layers)

    @property
    def weight_blocks(self) -> int:
        return sum(w.blocks for w in self.layers)

    @property
    def dac_conversions(self) -> int:
        return sum(w.dac_conversions for w in self.layers)

    @property
    def adc_conversions(self) -> int:
        return sum(w.adc_conversions for w in self.layers)

    @property
    def stationary(self) -> bool:
        """Every tile has a core of its own: no reprogramming inside a pass."""
        return self.weight_tiles <= self.cores

    @property
    def reprograms_per_image(self) -> int:
        return 0 if self.stationary else self.weight_tiles - self.cores + 1

    @property
    def reprograms_per_batch(self) -> int:
        return self.reprograms_per_image

    @property
    def weights(self) -> int:
        """Trainable numbers (for the digital momentum step, per mini-batch)."""
        return sum(w.blocks * w.block_shape[0] * w.block_shape[1] for w in self.layers)

    def per_pass(self) -> dict[str, dict]:
        """Per image: optical and digital work of each pass (see the module docstring)."""
        optical = {"invocations": self.invocations, "dac_conversions": self.dac_conversions,
                   "adc_conversions": self.adc_conversions,
                   "optical_macs": sum(w.optical_macs for w in self.layers),
                   "reprograms": self.reprograms_per_image}
        digital = {"partial_sum_adds": sum(w.partial_sum_adds for w in self.layers),
                   "pooling_ops": sum(w.pooling_ops for w in self.layers),
                   "activations": sum(w.activations for w in self.layers),
                   "softmax": self.n_classes}
        fwd = {**optical, **digital}
        modulated = {**fwd, "modulation_macs": self.n_pixels * self.n_classes,
                     "modulation_adds": self.n_pixels}
        zero = {k: 0 for k in optical}
        update = {**zero, "update_macs": sum(w.update_macs for w in self.layers),
                  "momentum_ops_per_batch": 2 * self.weights,
                  "tiles_reprogrammed_per_batch": self.weight_tiles}
        return {"forward": fwd, "modulated_forward": modulated, "update": update,
                "inference": dict(fwd)}

    def to_dict(self) -> dict:
        return {"model": self.model, "ports": self.ports, "ports_out": self.ports_out,
                "cores": self.cores,
                "activation": self.activation,
                "weight_blocks": self.weight_blocks, "weight_tiles": self.weight_tiles,
                "stationary": self.stationary,
                "reprograms_per_image": self.reprograms_per_image,
                "reprograms_per_batch": self.reprograms_per_batch,
                "weights": self.weights, "per_pass": self.per_pass(),
                "layers": [asdict(w) for w in self.layers]}


def _layer_work(layer, ports: int, ports_out: int) -> LayerWork:
    blocks, rows, cols, positions = layer.blocks()
    rt, ct = grid((rows, cols), ports_out, ports)
    inv = blocks * positions * rt * ct
    conv = layer.kind == "conv"
    pooled = 0
    if conv and layer.pool > 1:
        c, hp, wp = layer.out_shape
        pooled = c * hp * wp * layer.pool ** 2  # every window element joins once
    return LayerWork(
        name=layer.name, kind=layer.kind, blocks=blocks, block_shape=(rows, cols),
        shared=conv, positions=positions, tiles_per_block=rt * ct,
        weight_tiles=blocks * rt * ct, switches=blocks * rt * ct - 1, invocations=inv,
        vector_in=min(cols, ports), vector_out=min(rows, ports_out),
        dac_conversions=blocks * positions * rt * cols,
        adc_conversions=blocks * positions * ct * rows,
        optical_macs=blocks * positions * rows * cols,
        partial_sum_adds=blocks * positions * (ct - 1) * rows,
        pooling_ops=pooled,
        activations=blocks * positions * rows if layer.activated else 0,
        update_macs=blocks * positions * rows * cols)


def _check(ports, ports_out, cores=1):
    problems = []
    for key, v in (("ports", ports), ("ports_out", ports_out), ("cores", cores)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            problems.append(Problem(f"{key} must be an integer >= 1, got {v!r}", path=key))
    if problems:
        raise UserError(problems)


def workload(net: Net, *, ports: int = DEFAULT_PORTS, cores: int = 1,
             activation: str | None = None, ports_out: int | None = None) -> Workload:
    """The per-image, per-pass workload of ``net`` on ``cores`` cores of ``ports`` inputs
    and ``ports_out`` (default: ``ports``) outputs."""
    ports_out = ports if ports_out is None else ports_out
    _check(ports, ports_out, cores)
    works = [_layer_work(layer, ports, ports_out) for layer in net.layers]
    last = works[-1]  # the output layer: softmax, no activation
    works[-1] = LayerWork(**{**asdict(last), "activations": 0,
                             "block_shape": tuple(last.block_shape)})
    n_pix = 1
    for d in net.image:
        n_pix *= d
    return Workload(net.model, ports, ports_out, cores, n_pix, net.n_classes, activation,
                    tuple(works))


@dataclass(frozen=True)
class TileJob:
    """One tile to program on a core, and what streams through it per image."""

    layer: str
    block: int  # which block of the layer (a column for a strip; 0 for a shared conv)
    row: int  # tile position inside the block
    col: int
    matrix: np.ndarray  # (≤ ports_out, ≤ ports_in), float64
    vectors_per_image: int  # input vectors per image and pass (conv: output positions)


def tile_jobs(net: Net, weights, *, ports: int = DEFAULT_PORTS,
              ports_out: int | None = None) -> list[TileJob]:
    """Every tile of every block, layer by layer (the order images flow through them)."""
    ports_out = ports if ports_out is None else ports_out
    _check(ports, ports_out)
    jobs = []
    for layer, W in zip(net.layers, weights):
        _, rows, cols, positions = layer.blocks()
        for g, block in enumerate(np.asarray(W, dtype=float).reshape(-1, rows, cols)):
            jobs.extend(TileJob(layer.name, g, t.row, t.col, t.matrix, positions)
                        for t in cut(block, ports_out, ports))
    return jobs
