"""Weight layers realised on emulated optical hardware (in-situ training and deployment).

Each weight matrix W (m × n) is mapped by SVD onto two Clements meshes and a column of
attenuators, W = scale · U · Σ · V† (:mod:`emulator.mesh.svd`; the gain ``scale`` is
electronic).  Programming the layer turns the ideal settings into what the chip holds:

1. phase DACs quantize every phase shifter setting (``phase_bits``);
2. thermo-optic heaters leak into same-column neighbours (``crosstalk``);
3. fabrication offsets, drawn once per mesh and fixed for the chip's life, add on
   (``phase_sigma`` [rad]); attenuators are MZIs too (σ = sin θ_a/2), so 1 and 3 apply to
   their θ_a as well;
4. every MZI loses ``mzi_loss_db`` [dB].

The realised complex matrix M is read out coherently (homodyne detection of the in-phase
quadrature): a forward pass computes ``Re(M) · x``.  Around the product: input modulator
DACs quantize x (``dac_bits``, over ±max|x| of the batch), photodetectors add Gaussian
noise (``detector_noise`` × the read-out full scale, max |z| of the batch) and ADCs
quantize the read-out (``adc_bits`` over ± that full scale).  ``None`` bits = exact.

A layer larger than ``mesh_size`` is mapped onto a full-size mesh all the same (tiling
onto ``mesh_size`` cores is not modelled yet); such layers are listed in ``oversize``.

Re-programming: after every ``reprogram_every`` updates the digital weights are mapped
again (SVD + Clements decomposition + the four steps above); in between, the chip keeps
its previous settings and the forward passes see those, as real hardware would.  With
``reprogram_drift`` set, a layer is re-mapped at those points only if its weights have
moved by more than that fraction since it was last programmed (relative Frobenius norm,
‖W − W_prog‖ / ‖W_prog‖): a controller that skips re-writing phases for updates smaller
than it cares about.  Late in training, when η has decayed, most steps are then free.
At the end of training every layer whose weights changed is programmed once more.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from emulator.schema import Field, check

from components.electronics.adc import quantize

from .net import DTYPE


def _setting(f: Field):
    """A dataclass field declared by its schema :class:`~emulator.schema.Field`."""
    return dataclasses.field(default=f.default, metadata={"schema": f})


def _bits(doc: str) -> Field:
    return Field("int", None, doc + " (none: exact)", lo=1, hi=24, nullable=True)


@dataclass(frozen=True)
class HardwareSpec:
    """Non-idealities of the optical cores (all off by default).  Each setting is declared
    once, as a schema Field: :meth:`schema` gives them to the scenario's ``nonideal``."""

    mesh_size: int = _setting(Field("int", 64, "ports of one physical mesh (informational)",
                                    lo=1, hi=4096))
    phase_bits: int | None = _setting(_bits("phase DAC bits"))
    phase_sigma: float = _setting(Field("quantity", 0.0, "static phase error σ", unit="rad",
                                        lo=0, hi=3.2))
    crosstalk: float = _setting(Field("float", 0.0, "thermal crosstalk fraction to the "
                                      "nearest same-column heater", lo=0, hi=0.5))
    mzi_loss_db: float = _setting(Field("quantity", 0.0, "MZI insertion loss in the emulated "
                                        "mesh", unit="dB", lo=0, hi=10))
    detector_noise: float = _setting(Field("float", 0.0, "detector noise std relative to the "
                                           "read-out full scale", lo=0, hi=1))
    adc_bits: int | None = _setting(_bits("ADC bits on the read-out"))
    dac_bits: int | None = _setting(_bits("DAC bits on the input modulators"))
    reprogram_every: int = _setting(Field("int", 1, "in situ: updates between re-mappings of "
                                          "the phases", lo=1, hi=1_000_000))
    reprogram_drift: float | None = _setting(Field(
        "float", None, "in situ: re-map a layer only if its weights moved by more than this "
        "fraction (‖ΔW‖/‖W‖) since it was last programmed", lo=0, nullable=True))

    @classmethod
    def schema(cls) -> dict[str, Field]:
        return {f.name: f.metadata["schema"] for f in dataclasses.fields(cls)}

    @classmethod
    def parse(cls, obj) -> "HardwareSpec | None":
        """None, a HardwareSpec, or a dict of settings (unknown keys and bad values are
        errors with hints, every one at once)."""
        if obj is None or isinstance(obj, HardwareSpec):
            return obj
        return cls(**check(cls.schema(), obj, at=("hardware",),
                           unknown="unknown hardware setting {key!r}"))

    def _check(self) -> None:
        """Check a spec built directly (``HardwareSpec(...)``) as :meth:`parse` would."""
        check(self.schema(), self.as_dict(), at=("hardware",))

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _quantize_symmetric(x, bits: int, full_scale: float, out) -> None:
    """Round x to the 2^bits mid-rise levels ±(k + 1/2)·2·full_scale/2^bits inside
    [−full_scale, +full_scale] (values beyond are clipped), into ``out``."""
    if full_scale <= 0.0:
        if out is not x:
            np.copyto(out, x)
        return
    np.copyto(out, quantize(np.divide(x, full_scale, dtype=np.float64), bits) * full_scale,
              casting="same_kind")


class OpticalLayer:
    """One weight layer on an SVD-mapped pair of meshes."""

    def __init__(self, shape, spec: HardwareSpec, rng: np.random.Generator):
        self.shape = tuple(shape)
        self.spec = spec
        self.rng = rng  # static errors only (drawn once)
        self.mapping = None
        self.matrix = None  # Re(M), float32 (m × n): what a forward pass multiplies by
        self.complex_matrix = None
        self._offsets = None  # fixed fabrication offsets per shifter
        self.programmed = None  # the digital weights the chip was last programmed with
        self._programmed_norm = 0.0
        self.counters = dict(reprograms=0, phase_writes=0, dac_conversions=0,
                             adc_conversions=0, mesh_passes=0)

    @property
    def oversize(self) -> bool:
        return max(self.shape) > self.spec.mesh_size

    def _draw_offsets(self, mp):
        s, r = self.spec.phase_sigma, self.rng

        def draw(mesh):
            return dict(theta=r.normal(0.0, s, mesh.n_mzi), phi=r.normal(0.0, s, mesh.n_mzi),
                        out_phase=r.normal(0.0, s, mesh.n))

        return dict(u=draw(mp.u), vh=draw(mp.vh), att=r.normal(0.0, s, mp.sigma.shape))

    def _held(self, mesh, which: str):
        """Phases the chip holds for one mesh: quantized, crosstalk, fabrication offset."""
        from emulator.mesh.perturb import quantize_phases, thermal_crosstalk

        spec, held = self.spec, {}
        for name, out in (("theta", False), ("phi", False), ("out_phase", True)):
            p = getattr(mesh, name)
            if spec.phase_bits is not None:
                p = quantize_phases(p, spec.phase_bits)
            if spec.crosstalk:
                p = thermal_crosstalk(mesh, p, spec.crosstalk, out=out)
            if spec.phase_sigma:
                p = p + self._offsets[which][name]
            held[name] = p
        return held

    def _held_sigma(self, sigma):
        """Attenuator transmissions: each is an MZI with σ = sin(θ_a/2)."""
        from emulator.mesh.perturb import quantize_phases

        spec = self.spec
        if spec.phase_bits is None and not spec.phase_sigma:
            return sigma
        theta = 2.0 * np.arcsin(np.clip(sigma, 0.0, 1.0))
        if spec.phase_bits is not None:
            theta = quantize_phases(theta, spec.phase_bits)
        if spec.phase_sigma:
            theta = theta + self._offsets["att"]
        return np.abs(np.sin(0.5 * theta))

    def program(self, W) -> None:
        """Map the digital weights onto the meshes and realise the matrix the chip holds."""
        from emulator.mesh.svd import svd_map, svd_matrix

        mp = svd_map(np.asarray(W, dtype=np.float64))
        if self._offsets is None:
            self._offsets = self._draw_offsets(mp)
        u, vh = self._held(mp.u, "u"), self._held(mp.vh, "vh")
        M = svd_matrix(mp, u_theta=u["theta"], u_phi=u["phi"], u_out_phase=u["out_phase"],
                       vh_theta=vh["theta"], vh_phi=vh["phi"], vh_out_phase=vh["out_phase"],
                       sigma=self._held_sigma(mp.sigma), mzi_loss_db=self.spec.mzi_loss_db)
        self.mapping = mp
        self.programmed = np.array(W, dtype=DTYPE)
        self._programmed_norm = float(np.linalg.norm(self.programmed))
        self.complex_matrix = M
        self.matrix = np.ascontiguousarray(M.real, dtype=DTYPE)
        c = self.counters
        c["reprograms"] += 1
        c["phase_writes"] += (2 * mp.u.n_mzi + mp.u.n + 2 * mp.vh.n_mzi + mp.vh.n
                              + mp.sigma.size)

    def drift(self, W) -> float:
        """‖W − W_prog‖_F / ‖W_prog‖_F: how far the weights moved since programming
        (inf if never programmed or programmed with zeros and changed since)."""
        if self.programmed is None:
            return math.inf
        moved = float(np.linalg.norm(np.subtract(W, self.programmed, dtype=DTYPE)))
        if self._programmed_norm > 0.0:
            return moved / self._programmed_norm
        return math.inf if moved > 0.0 else 0.0

    def forward(self, x, out=None, rng=None, count: bool = True):
        """Read-out z = Re(M)·x of a column batch, with converter and detector effects."""
        spec = self.spec
        if spec.dac_bits is not None:
            xq = np.empty(x.shape, dtype=DTYPE)
            _quantize_symmetric(x, spec.dac_bits, float(np.max(np.abs(x), initial=0.0)), xq)
            x = xq
        z = np.matmul(self.matrix, x, out=out)
        if spec.detector_noise or spec.adc_bits is not None:
            fs = float(np.max(np.abs(z), initial=0.0))
            if spec.detector_noise and fs > 0.0:
                noise = rng.standard_normal(z.shape, dtype=DTYPE)
                noise *= DTYPE(spec.detector_noise * fs)
                z += noise
            if spec.adc_bits is not None:
                _quantize_symmetric(z, spec.adc_bits, float(np.max(np.abs(z))), z)
        if count:
            c = self.counters
            c["mesh_passes"] += 1
            c["dac_conversions"] += x.size
            c["adc_conversions"] += z.size
        return z


class Device:
    """All weight layers of a network on optical cores, programmed from digital weights."""

    def __init__(self, weights, spec: HardwareSpec, rng: np.random.Generator):
        self.weights = weights  # the digital weights (updated in place by training)
        self.spec = spec
        self.layers = [OpticalLayer(w.shape, spec, r)
                       for w, r in zip(weights, rng.spawn(len(weights)))]
        self.program_all()

    def program_all(self) -> None:
        for layer, w in zip(self.layers, self.weights):
            layer.program(w)

    def after_update(self, step: int) -> None:
        """Re-program after update number ``step`` as the spec says (see module doc)."""
        spec = self.spec
        if step % spec.reprogram_every:
            return
        for layer, w in zip(self.layers, self.weights):
            if spec.reprogram_drift is None or layer.drift(w) > spec.reprogram_drift:
                layer.program(w)

    def sync(self) -> None:
        """Program every layer whose weights differ from what the chip holds."""
        for layer, w in zip(self.layers, self.weights):
            if layer.drift(w) > 0.0:
                layer.program(w)

    @property
    def oversize(self) -> list[int]:
        return [i + 1 for i, layer in enumerate(self.layers) if layer.oversize]

    @property
    def counters(self) -> dict:
        total: dict = {}
        for layer in self.layers:
            for k, v in layer.counters.items():
                total[k] = total.get(k, 0) + v
        return total


def deploy(model, hardware, seed: int = 0):
    """The model's weights programmed onto a fresh chip (no retraining): a new Model
    whose static errors come from stream ``chip`` of ``seed`` and whose evaluation noise
    from stream ``eval_noise``."""
    from emulator.rng import stream

    from .network import Model

    spec = HardwareSpec.parse(hardware)
    if spec is None:
        return model.ideal()
    weights = [w.copy() for w in model.weights]
    return Model(model.net, model.activation, weights,
                 Device(weights, spec, stream(seed, "chip")), rng=stream(seed, "eval_noise"))
