"""Digital parts: on-chip SRAM, off-chip DRAM/HBM and a digital MAC/ALU unit.

Memory energies are per byte moved; a "read" or "write" action is one byte.
"""

from __future__ import annotations

from ..base import DIGITAL, IN, OUT, Component, Param, Port


def _ports(p):
    return (Port("d_in", DIGITAL, IN), Port("d_out", DIGITAL, OUT))


def _memory(name: str, doc: str, e_byte: float, e_src: str, latency: float, l_src: str):
    return Component(
        name=name,
        kind="memory",
        doc=doc,
        params=(
            Param("read_energy", "J", e_byte, 0.0, 1e-6, e_src, "energy per byte read"),
            Param("write_energy", "J", e_byte, 0.0, 1e-6, e_src + "; write taken equal to read",
                  "energy per byte written"),
            Param("latency", "s", latency, 0.0, 1e-3, l_src, "access latency"),
        ),
        ports=_ports,
        delay=lambda p: p["latency"],
        energy=lambda p: {"read": p["read_energy"], "write": p["write_energy"]},
        stateful=True,
    )


SRAM = _memory("sram", "On-chip SRAM buffer.", 5e-12 / 4,
               "Horowitz ISSCC 2014: 32-bit 8 KB SRAM read ~5 pJ at 45 nm -> 1.25 pJ/B",
               1e-9, "estimate: ~1 cycle at 1 GHz")

DRAM = _memory("dram", "Off-chip DRAM / HBM.", 62.4e-12,
               "SimPhony (Yin et al., DAC 2025) HBM 62.4 pJ/B",
               100e-9, "estimate: a typical DRAM random access")

DIGITAL_UNIT = Component(
    name="digital",
    kind="digital",
    doc="Digital MAC/ALU unit with `lanes` parallel MACs at clock `clock`.",
    params=(
        Param("mac_energy", "J", 1e-12, 0.0, 1e-9, "Horowitz ISSCC 2014: 0.1-1 pJ, upper end",
              "energy per multiply-accumulate"),
        Param("clock", "Hz", 1e9, 1e6, 1e11,
              "estimate: 1 GHz, a typical accelerator clock",
              "clock frequency"),
        Param("lanes", "1", 64, 1, 1 << 20, "estimate: a 64-lane vector unit",
              "parallel MACs per cycle", integer=True),
    ),
    ports=_ports,
    delay=lambda p: 1.0 / p["clock"],
    energy=lambda p: {"mac": p["mac_energy"]},
    stateful=True,
)
