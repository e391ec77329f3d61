"""Digital parts: on-chip SRAM, off-chip DRAM/HBM and a digital MAC/ALU unit.

Memory energies are per byte moved; a "read" or "write" action is one byte.  A memory has
a ``capacity``, a ``bandwidth`` and an access ``latency``: moving n bytes takes
``latency + n / bandwidth``.  Its energy per byte is given at a reference capacity and
scales as √(capacity / capacity_ref) (the wires a larger array drives: the CACTI-class
trend; an estimate, set ``energy_scaling: none`` to keep it flat).
"""

from __future__ import annotations

from ..base import DIGITAL, IN, OUT, Component, Param, Port


def _ports(p):
    return (Port("d_in", DIGITAL, IN), Port("d_out", DIGITAL, OUT))


def scale(p) -> float:
    """Energy-per-byte factor of the memory's size against its reference size."""
    if p["energy_scaling"] == "none":
        return 1.0
    return (p["capacity"] / p["capacity_ref"]) ** 0.5


def transfer_time(p, n_bytes: float) -> float:
    """Seconds to move ``n_bytes``: access latency plus the bytes at the bandwidth."""
    return p["latency"] + n_bytes / p["bandwidth"] if n_bytes else 0.0


def _memory(name: str, doc: str, e_byte: float, e_src: str, cap_ref: float, capacity: float,
            c_src: str, bandwidth: float, b_src: str, latency: float, l_src: str):
    return Component(
        name=name,
        kind="memory",
        doc=doc,
        params=(
            Param("read_energy", "J", e_byte, 0.0, 1e-6, e_src,
                  "energy per byte read at the reference capacity"),
            Param("write_energy", "J", e_byte, 0.0, 1e-6, e_src + "; write taken equal to read",
                  "energy per byte written at the reference capacity"),
            Param("capacity_ref", "B", cap_ref, 1.0, 1e15, e_src, "size the energies refer to"),
            Param("capacity", "B", capacity, 1.0, 1e15, c_src, "size of the memory"),
            Param("energy_scaling", "1", "sqrt", source="estimate: CACTI-class √size trend "
                  "of array access energy", choices=("sqrt", "none"),
                  doc="how the energy per byte follows the capacity"),
            Param("bandwidth", "B/s", bandwidth, 1.0, 1e15, b_src, "sustained bandwidth"),
            Param("latency", "s", latency, 0.0, 1e-3, l_src, "access latency"),
        ),
        ports=_ports,
        delay=lambda p: p["latency"],
        energy=lambda p: {"read": p["read_energy"] * scale(p),
                          "write": p["write_energy"] * scale(p)},
        stateful=True,
    )


SRAM = _memory("sram", "On-chip SRAM buffer.", 5e-12 / 4,
               "Horowitz ISSCC 2014: 32-bit 8 KB SRAM read ~5 pJ at 45 nm -> 1.25 pJ/B",
               8 * 1024, 8 * 1024, "estimate: an 8 KB buffer bank per core",
               128e9, "estimate: on-chip SRAM carries tens to hundreds of GB/s per bank",
               1e-9, "estimate: ~1 cycle at 1 GHz")

DRAM = _memory("dram", "Off-chip DRAM / HBM.", 62.4e-12,
               "SimPhony (Yin et al., DAC 2025) HBM 62.4 pJ/B",
               8 * 2 ** 30, 8 * 2 ** 30, "estimate: one 8 GB HBM2 stack",
               256e9, "estimate: HBM2 delivers ~256-460 GB/s per stack (lower end)",
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
