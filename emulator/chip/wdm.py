"""What the chips of the two WDM cores share (:mod:`.ring_bank`, :mod:`.crossbar`).

Both cores read every output the same way: a balanced photodetector pair, a TIA and an
ADC whose ``d_out`` is an external digital output; the detector currents of all
wavelengths add (different optical frequencies beat far outside the receiver's band), and
the noise is each component's own model (the pair's shot and load noise on the summed
current, the TIA's input noise), as :func:`emulator.fastpath.wdm.evaluate_channels` does.
Both compile the core once per wavelength (:mod:`emulator.compile.channels`) and read
their light paths from those compiled transfers.

The tiling is the SVD chip's: :class:`~emulator.chip.device.ChipLayer` cuts a layer into
tiles, keeps them, applies the drift policy and counts; for these cores it hands its
read-out to the chip's ``forward``.  Calibration is :mod:`.calibrate`'s: the TIA gain
loads the ADC (:data:`~.calibrate.LOADING` × rms) and :func:`~.calibrate.fit` sets each
output's α, β.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from components.electronics import balanced_pd
from components.electronics import tia as tia_model
from components.errors import NetlistError, Problem
from emulator.compile import compile_netlist
from emulator.compile.channels import channel_wavelengths

from .calibrate import LOADING, MIN_CORRELATION, Readout, _channel, calibration_columns, fit
from .chain import Stage, _stage


@dataclass(eq=False)
class Tile:
    """A tile on a WDM chip: its program (None where nothing is programmed), read-out
    settings and the weights it realises (m × n)."""

    core: int
    prog: Any
    readout: Readout
    matrix: np.ndarray


class Receivers:
    """Balanced pair -> TIA -> ADC on each of the core's external outputs (in order)."""

    def __init__(self, pd: Stage, tia: Stage, adc: Stage):
        self.pd, self.tia, self.adc = pd, tia, adc
        self.dac = self.mod = None  # set by the chip (its input side)

    def noise_current2(self, tia: dict) -> np.ndarray:
        """Input-referred noise variance [A²] at zero signal: the pair's dark-current shot
        and load noise and the TIA's input noise, each from its component model."""
        pd = balanced_pd.noise_variance(self.pd.params, 0.0, 0.0)
        amp = tia_model.noise_sigma(tia) / np.asarray(tia["gain"])
        return pd + amp * amp


class WdmChip:
    """Base of the WDM chips: the compiled channels, the receivers, read-out and
    calibration.  Subclasses give ``kind``, ``m``, ``n`` and ``forward``."""

    kind = ""
    holds_weights = True
    signed_inputs = True

    def __init__(self, core, *, cores: int = 1, seed=0, calibrate: bool = True):
        self.netlist = core.netlist
        self.layer = core.layer
        self.file = core.file
        self.cores = int(cores)
        self.seed = seed
        self.calibrate = bool(calibrate)
        self.info = core.netlist.info.get("subcircuits", {}).get(core.layer, {})
        self.lams = channel_wavelengths(core.netlist)
        self.compiled = [compile_netlist(core.netlist, float(lam)) for lam in self.lams]
        self.flat = self.compiled[0].netlist  # flattened, with the compiled receiver params

    # ------------------------------------------------------------------ reading the core
    def fail(self, message: str, hint: str | None = None):
        raise NetlistError(Problem(f"the chip model cannot run this core: {message}",
                                   self.file, hint=hint))

    def _comp(self, name: str | None) -> str | None:
        inst = self.flat.instances.get(name) if name else None
        return None if inst is None else inst.component.name

    def receivers(self, outputs: list[str]) -> tuple[Receivers, list[str]]:
        """The receivers of the external ``outputs`` and their detector instances."""
        net = self.flat
        back = {(c.dst, c.dst_port): c.src for c in net.connections}
        pds, tias, adcs = [], [], []
        for name in outputs:
            where = net.ports.get(name)
            adc = where[0] if where else None
            if self._comp(adc) != "adc":
                self.fail(f"external output '{name}' should be an ADC's output, found "
                          f"{self._comp(adc) or 'nothing'}")
            tia = back.get((adc, "e_in"))
            if self._comp(tia) != "tia":
                self.fail(f"what feeds ADC '{adc}' should be a TIA, found "
                          f"{self._comp(tia) or 'nothing'}")
            pd = back.get((tia, "e_in"))
            if self._comp(pd) != "balanced_photodetector":
                self.fail(f"what feeds TIA '{tia}' should be a balanced_photodetector (a "
                          f"signed weight is read as drop − through by a balanced pair), "
                          f"found {self._comp(pd) or 'nothing'}")
            pds.append(pd)
            tias.append(tia)
            adcs.append(adc)
        rx = Receivers(_stage(self.file, net, pds, "balanced_photodetector"),
                       _stage(self.file, net, tias, "tia"), _stage(self.file, net, adcs, "adc"))
        return rx, pds

    def field_at(self, c: int, inst: str, port: str = "in0") -> complex:
        """Laser field [sqrt(W)] reaching ``inst``'s ``port`` on channel c."""
        comp = self.compiled[c]
        row = comp.index_out[(inst, port)]
        total = 0.0j
        for col, (src, _) in enumerate(comp.region_in):
            if self._comp(src) in ("laser", "multi_laser"):
                total += comp.matrix[row, col] * np.sqrt(
                    float(comp.netlist.instances[src].params["power"]))
        return complex(total)

    def transfer(self, outs: list[tuple], ins: list[tuple]) -> np.ndarray:
        """Compiled field transfers (channels × outs × ins) between region ports."""
        out = np.zeros((len(self.compiled), len(outs), len(ins)), dtype=complex)
        for c, comp in enumerate(self.compiled):
            rows = [comp.index_out[o] for o in outs]
            cols = [comp.index_in[i] for i in ins]
            out[c] = comp.matrix[np.ix_(rows, cols)]
        return out

    # ------------------------------------------------------------------ read-out
    def read(self, current: np.ndarray, gain: np.ndarray, rng=None,
             quantize: bool = True) -> np.ndarray:
        """Read-out codes (..., K) of detector currents (..., K) [A] through the TIAs
        (gains (K,) or broadcastable) and ADCs, noise drawn from ``rng`` if given;
        ``quantize=False``: the ADC input over its full scale, unquantized."""
        c = self.chain
        if rng is not None:
            current = c.pd.noise(current, rng)
        tia = {**c.tia.params, "gain": np.asarray(gain)}
        volts = c.tia.component.signal(tia, current)
        if rng is not None:
            volts = c.tia.component.noise(tia, volts, rng)
        if not quantize:
            return volts / np.asarray(c.adc.params["v_fs"], dtype=float)
        return c.adc.signal(volts)

    def readout(self, current: np.ndarray, z: np.ndarray, rng=None) -> Readout:
        """Calibrate K receivers on calibration currents (B, K) whose expected outputs are
        z (B, K): TIA gains loading the ADCs, then α, β (:func:`.calibrate.fit`)."""
        c = self.chain
        k = current.shape[-1]
        rms = np.sqrt(np.mean(current * current, axis=0))
        g_lo, g_hi = c.tia.component.param("gain").lo, c.tia.component.param("gain").hi
        vfs = _channel(c.adc.params["v_fs"], k)
        with np.errstate(divide="ignore"):
            wanted = np.where(rms > 0.0, vfs / (LOADING * rms), g_hi)
        gain = np.clip(wanted, g_lo, g_hi)
        y = self.read(current, gain, rng)
        alpha, beta, live, r = fit(y, z)
        rows = np.any(z != 0.0, axis=0)
        status = "gain_limited" if np.any((wanted > g_hi) & rows) else "calibrated"
        noise_i = np.broadcast_to(np.sqrt(c.noise_current2({**c.tia.params, "gain": gain})),
                                  (k,))
        if np.any(live & ((r < MIN_CORRELATION) | (rms < noise_i))):
            status = "below_noise"
        return Readout(np.zeros(k), gain, alpha, beta, status)

    def nominal(self, per_unit: np.ndarray) -> Readout:
        """The design read-out (calibration off): the netlist's TIA gains and a decode
        from the design's current per unit output ``per_unit`` (K,) [A]."""
        c = self.chain
        k = per_unit.shape[-1]
        gain = _channel(c.tia.params["gain"], k)
        vfs = _channel(c.adc.params["v_fs"], k)
        alpha = np.where(per_unit != 0.0, vfs / (gain * np.where(per_unit != 0.0, per_unit,
                                                                  1.0)), 0.0)
        return Readout(np.zeros(k), gain, alpha, np.zeros(k), "nominal")

    def encode(self, layer, x, count: bool):
        """A layer input batch x (n_l × B) as DAC codes per column block (C, B, n) and the
        pass's digital scale (the largest |x| maps to full scale); keeps the calibration
        columns of a training pass, as ChipLayer does."""
        n_l, b = layer.shape[1], x.shape[1]
        scale = float(np.max(np.abs(x), initial=0.0))
        codes_t = np.zeros((layer.cols * self.n, b))
        if scale > 0.0:
            np.divide(x, scale, out=codes_t[:n_l])
        codes = codes_t.reshape(layer.cols, self.n, b).transpose(0, 2, 1)
        if count:
            layer.seen = codes[:, calibration_columns(b)]
        return codes, scale

    @staticmethod
    def finish(layer, rows: np.ndarray, scale: float, out, b: int):
        """Row partial sums (R, B, m) → the layer output (m_l × B) × the pass's scale."""
        m_l = layer.shape[0]
        full = rows.transpose(0, 2, 1).reshape(-1, b)[:m_l]
        if out is None:
            out = np.empty((m_l, b), dtype=np.float32)
        np.multiply(full, scale, out=out, casting="unsafe")
        return out
