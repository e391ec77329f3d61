"""Component library: closed forms and hand calculations, then generic registry checks.

Expected values are written out here with numpy, independently of the component code.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from components.units import to_si  # noqa: I001  (see test_components_import_standalone)

import components
from components.base import DOMAINS, IN, OPTICAL, OUT

REG = components.default_registry()
WAVELENGTHS = (1.30e-6, 1.55e-6, 1.60e-6)
C = 299_792_458.0
Q = 1.602176634e-19
KB = 1.380649e-23
ALLOWED_UNITS = {"W", "J", "s", "Hz", "m", "A", "V", "Ohm", "F", "K", "A/W", "rad", "A/rtHz",
                 "dB", "dB/m", "1", "bit", "B", "B/s", "m/W"}


def p_of(name, **given):
    return REG.get(name).resolve(given)


def T(name, wavelength=1.55e-6, **given):
    return REG.get(name).transfer(p_of(name, **given), wavelength)


# ---------------------------------------------------------------- optics: closed forms

@pytest.mark.parametrize("c", [0.0, 0.1, 0.5, 0.73, 1.0])
def test_coupler_matrix(c):
    expected = np.array([[math.sqrt(1 - c), 1j * math.sqrt(c)],
                         [1j * math.sqrt(c), math.sqrt(1 - c)]])
    assert np.allclose(T("coupler", coupling=c, loss=0.0), expected)
    assert np.allclose(T("coupler", coupling=c, loss=3.0), expected * 10 ** (-3 / 20))


@pytest.mark.parametrize("phi", [0.0, 0.3, math.pi, -2.0, 7.5])
def test_phase_shifter_phase(phi):
    assert np.allclose(T("phase_shifter", phase=phi, loss=0.0), [[np.exp(1j * phi)]])
    t = T("phase_shifter", phase=phi)  # thermo default 0.25 dB
    assert abs(t[0, 0]) ** 2 == pytest.approx(10 ** (-0.025))


def test_waveguide_phase_loss_delay():
    L, lam = 123.4e-6, 1.55e-6
    t = T("waveguide", lam, length=L, loss_per_length=0.0)
    assert np.allclose(t, [[np.exp(2j * np.pi * 2.34 * L / lam)]])
    # 0.11 dB/cm over 2 cm = 0.22 dB, plus 0.5 dB lumped
    alpha = to_si("0.11 dB/cm", "dB/m")
    assert alpha == pytest.approx(11.0)
    t = T("waveguide", lam, length=0.02, loss_per_length=alpha, loss=0.5)
    assert abs(t[0, 0]) ** 2 == pytest.approx(10 ** (-(0.22 + 0.5) / 10))
    wg = REG.get("waveguide")
    tau = wg.delay(wg.resolve({"length": 1e-3}))
    assert tau == pytest.approx(3.4 * 1e-3 / C)
    assert tau == pytest.approx(11.3e-12, rel=0.01)


def _mzi_reference(theta, phi):
    B = np.array([[1, 1j], [1j, 1]]) / np.sqrt(2)
    return B @ np.diag([np.exp(1j * theta), 1]) @ B @ np.diag([np.exp(1j * phi), 1])


@pytest.mark.parametrize("theta,phi", [(0.0, 0.0), (math.pi, 0.0), (0.7, 1.9), (2.5, -0.4),
                                       (5.0, 4.0)])
def test_mzi_matches_coupler_product(theta, phi):
    assert np.allclose(T("mzi", theta=theta, phi=phi, loss=0.0), _mzi_reference(theta, phi))
    lossy = T("mzi", theta=theta, phi=phi)  # 0.25 dB
    assert np.allclose(lossy, _mzi_reference(theta, phi) * 10 ** (-0.25 / 20))


def test_mzi_cross_and_bar():
    cross = np.abs(T("mzi", theta=0.0, phi=0.3, loss=0.0)) ** 2
    bar = np.abs(T("mzi", theta=math.pi, phi=0.3, loss=0.0)) ** 2
    assert np.allclose(cross, [[0, 1], [1, 0]])
    assert np.allclose(bar, [[1, 0], [0, 1]])


def test_mzi_delay():
    m = REG.get("mzi")
    assert m.delay(m.resolve()) == pytest.approx(3.4 * 180e-6 / C)


@pytest.mark.parametrize("n", [2, 3, 8, 1024])
def test_splitter_and_combiner_conserve_power(n):
    s = T("splitter", n=n, loss=0.0)
    assert s.shape == (n, 1)
    assert np.sum(np.abs(s) ** 2) == pytest.approx(1.0)
    assert np.allclose(np.abs(s) ** 2, 1.0 / n)
    comb = T("combiner", n=n, loss=0.0)
    assert comb.shape == (1, n)
    field_in = np.ones(n) / np.sqrt(n)  # in-phase, total power 1
    assert abs(comb @ field_in)[0] ** 2 == pytest.approx(1.0)
    assert np.sum(np.abs(T("splitter", n=n)) ** 2) == pytest.approx(10 ** (-0.02))


@pytest.mark.parametrize("xt", [-100.0, -40.0, -20.0, -3.0, 0.0])
def test_crossing_unitary_and_crosstalk(xt):
    t = T("crossing", crosstalk=xt, loss=0.0)
    assert np.allclose(t.conj().T @ t, np.eye(2))
    assert abs(t[1, 0]) ** 2 == pytest.approx(10 ** (xt / 10))
    assert abs(t[0, 0]) ** 2 == pytest.approx(1 - 10 ** (xt / 10))


def test_terminator_and_dark_shapes():
    assert T("terminator").shape == (0, 1)
    assert T("dark").shape == (1, 0)


# ---------------------------------------------------------------- shifter power and energy

def _hold(name, **given):
    return REG.get(name).static_power(p_of(name, **given))["hold"]


def test_thermo_hold_power_is_data_dependent():
    p_pi = 25e-3
    assert _hold("phase_shifter", phase=math.pi / 2) == pytest.approx(0.5 * p_pi)
    assert _hold("phase_shifter", phase=3 * math.pi) == pytest.approx(p_pi)  # wraps to π
    assert _hold("phase_shifter", phase=-math.pi / 2) == pytest.approx(1.5 * p_pi)
    assert _hold("phase_shifter", phase=0.0) == 0.0
    # data-independent model: P_π per shifter whatever the phase
    assert _hold("phase_shifter", phase=0.1, hold_model="p_pi") == pytest.approx(p_pi)
    # MZI counts θ and φ
    assert _hold("mzi", theta=math.pi / 2, phi=math.pi) == pytest.approx(1.5 * p_pi)
    assert _hold("mzi", theta=1.0, phi=2.0, hold_model="p_pi") == pytest.approx(2 * p_pi)


def test_tech_variants():
    ps = REG.get("phase_shifter")
    thermo, eo, mems = (ps.resolve({"tech": t}) for t in ("thermo", "eo", "mems"))
    assert ps.settle(thermo) == pytest.approx(10e-6)
    assert ps.settle(eo) == pytest.approx(1e-9)
    assert ps.settle(mems) == pytest.approx(2e-6)
    # a write: the shifter's switching energy plus one conversion of its 12-bit driver DAC,
    # 2·FoM·bits with FoM = 50 mW / (2 · 8 b · 14 GS/s): 12 · 50e-3 / (8 · 14e9) = 5.357 pJ
    write = 12 * 50e-3 / (8 * 14e9)
    assert ps.energy(thermo)["reprogram"] == pytest.approx(write)
    assert ps.energy(eo)["reprogram"] == pytest.approx(22e-15 + write)
    assert (thermo["loss"], mems["loss"]) == (0.25, 0.33)
    mzi = REG.get("mzi")
    assert mzi.energy(mzi.resolve({"tech": "eo"}))["reprogram"] == pytest.approx(
        2 * (22e-15 + write))
    # a voltage-held shifter's driver draws 0.1 mW per setting; a heater's drive is its hold
    static = mzi.static_power(mzi.resolve({"tech": "eo", "theta": 2.0, "phi": 1.0}))
    assert static == {"hold": 0.0, "driver": pytest.approx(2 * 0.1e-3)}
    assert mzi.static_power(mzi.resolve({"theta": 2.0}))["driver"] == 0.0
    assert _hold("mzi", tech="mems", theta=2.0, phi=1.0) == pytest.approx(2e-9)
    assert _hold("mzi", tech="eo", theta=2.0, phi=1.0) == 0.0


@pytest.mark.parametrize("t", [0.0, 0.3, math.sqrt(0.5), 1.0])
def test_attenuator_is_mzi_bar_element(t):
    att = T("attenuator", transmission=t, loss=0.0)
    theta = 2 * math.asin(t)
    assert abs(_mzi_reference(theta, 0.0)[0, 0]) == pytest.approx(t)
    # the bar element itself, phase included: t·e^{i(π/2 + θ/2)}
    assert np.allclose(att, [[_mzi_reference(theta, 0.0)[0, 0]]])
    assert np.allclose(att, [[t * np.exp(1j * (math.pi / 2 + theta / 2))]])
    assert _hold("attenuator", transmission=t) == pytest.approx(theta / math.pi * 25e-3)


# ---------------------------------------------------------------- electronics

def test_laser_wall_plug_and_field():
    las = REG.get("laser")
    p = las.resolve({"power": 10e-3})
    assert las.static_power(p)["wall_plug"] == pytest.approx(10e-3 / 0.2)
    assert abs(las.signal(p)) ** 2 == pytest.approx(10e-3)


def _convert(name, **given):
    comp = REG.get(name)
    return comp.energy(comp.resolve(given))["convert"]


def test_adc_energy_hand_calculation():
    e_ref = 34e-3 / 10e9  # 3.4 pJ, the survey median at 8 b, 10 GS/s
    assert _convert("adc") == pytest.approx(3.4e-12)
    assert _convert("adc", bits=4) == pytest.approx(e_ref / 2)  # SAR ∝ bits
    assert _convert("adc", sample_rate=5e9) == pytest.approx(e_ref)  # per conversion
    assert _convert("adc", architecture="flash") == pytest.approx(e_ref)
    assert _convert("adc", architecture="flash", bits=4) == pytest.approx(e_ref * 15 / 255)
    assert _convert("adc", architecture="flash", bits=10) == pytest.approx(e_ref * 1023 / 255)
    adc = REG.get("adc")
    assert adc.delay(adc.resolve()) == pytest.approx(8e-10)  # 8 sample periods of 100 ps


def test_dac_energy_hand_calculation():
    assert _convert("dac") == pytest.approx(50e-3 / 14e9)  # 3.57 pJ
    assert _convert("dac") == pytest.approx(3.6e-12, rel=0.01)
    assert _convert("dac", bits=4) == pytest.approx(50e-3 / 14e9 / 2)


@pytest.mark.parametrize("bits", [1, 3, 8, 12])
def test_adc_quantization_error(bits):
    adc = REG.get("adc")
    p = adc.resolve({"bits": bits, "v_fs": 0.8})
    rng = np.random.default_rng(7)
    v = rng.uniform(-0.8, 0.8, 100_000)
    code = adc.signal(p, v)
    lsb = 2.0 / 2 ** bits
    err = code - v / 0.8
    assert np.all(np.abs(err) <= lsb / 2 + 1e-12)
    assert np.var(err) == pytest.approx(lsb ** 2 / 12, rel=0.05)
    assert len(np.unique(code)) == 2 ** bits
    assert adc.signal(p, np.array([-5.0, 5.0])) == pytest.approx([-1 + lsb / 2, 1 - lsb / 2])


def test_dac_signal():
    dac = REG.get("dac")
    p = dac.resolve({"bits": 2, "v_fs": 2.0})
    # 2 bits: levels -0.75, -0.25, 0.25, 0.75
    assert dac.signal(p, np.array([-1.0, -0.3, 0.1, 0.9, 3.0])) == pytest.approx(
        [-1.5, -0.5, 0.5, 1.5, 1.5])


def test_modulator():
    mod = REG.get("modulator")
    p = mod.resolve()
    out = mod.signal(p, np.array([2.0, 2.0, 2.0]), np.array([0.5, -2.0, 0.0]))
    amp = 10 ** (-1.2 / 20)
    assert out == pytest.approx([1.0 * amp, -2.0 * amp, 0.0])
    # rise time 28 ps plus 3 mm at n_g 3.4: 3.4 · 3e-3 / 2.998e8 = 34.02 ps
    assert mod.delay(p) == pytest.approx(28e-12 + 34.02e-12, rel=1e-4)
    assert mod.energy(p)["symbol"] == pytest.approx(450e-15)
    ring = mod.resolve({"type": "ring"})
    assert mod.static_power(ring)["lock"] == pytest.approx(1.2e-3)
    assert ring["loss"] == 0.95


def test_photodetector_signal():
    pd = REG.get("photodetector")
    p = pd.resolve()
    field = np.sqrt(1e-3) * np.exp(1j * np.array([0.0, 1.0]))
    assert pd.signal(p, field) == pytest.approx(1e-3 + 50e-9)
    pc = pd.resolve({"mode": "coherent", "lo_power": 4e-3})
    assert pd.signal(pc, field) == pytest.approx(2 * 1.0 * np.sqrt(4e-3) * field.real)
    assert pd.delay(p) == pytest.approx(0.35 / 20e9)


def test_photodetector_shot_noise_variance():
    pd = REG.get("photodetector")
    p = pd.resolve({"temperature": 0.0})  # shot noise only
    i = pd.signal(p, np.full(100_000, np.sqrt(1e-3), dtype=complex))
    noisy = pd.noise(p, i, np.random.default_rng(1))
    assert np.var(noisy - i) == pytest.approx(2 * Q * i[0] * 20e9, rel=0.05)
    p = pd.resolve()  # plus thermal noise of the 166 Ohm load at 300 K
    noisy = pd.noise(p, i, np.random.default_rng(2))
    expected = 2 * Q * i[0] * 20e9 + 4 * KB * 300 * 20e9 / 166
    assert np.var(noisy - i) == pytest.approx(expected, rel=0.05)
    assert np.mean(noisy - i) == pytest.approx(0.0, abs=5 * np.sqrt(expected / 1e5))


def test_tia():
    tia = REG.get("tia")
    p = tia.resolve()
    assert tia.signal(p, np.array([1e-3])) == pytest.approx([1.0])
    v = np.zeros(100_000)
    noisy = tia.noise(p, v, np.random.default_rng(3))
    assert np.std(noisy) == pytest.approx(10e-12 * np.sqrt(40e9) * 1e3, rel=0.05)
    assert tia.static_power(p)["bias"] == pytest.approx(10e-3)


def test_memory_and_digital():
    sram, dram, dig = REG.get("sram"), REG.get("dram"), REG.get("digital")
    assert sram.energy(sram.resolve())["read"] == pytest.approx(5e-12 / 4)
    assert dram.energy(dram.resolve())["read"] == pytest.approx(62.4e-12)
    assert dig.energy(dig.resolve())["mac"] == pytest.approx(1e-12)
    for comp in (sram, dram, dig):  # sane latencies: not the ~1e-16 s slip
        assert 1e-12 < comp.delay(comp.resolve()) < 1e-6


# ---------------------------------------------------------------- generic registry checks

ALL = list(REG)
ids = [c.name for c in ALL]


def cases(comp):
    """Defaults, then every value of every choice parameter."""
    out = [{}]
    for prm in comp.params:
        out += [{prm.name: v} for v in prm.choices]
    return out


def random_params(comp, rng):
    """A parameter set drawn uniformly within bounds (choices at random)."""
    given = {}
    for prm in comp.params:
        if prm.is_choice:
            given[prm.name] = str(rng.choice(prm.choices))
        elif prm.integer:
            given[prm.name] = int(rng.integers(prm.lo, min(prm.hi, 64) + 1))
        else:
            given[prm.name] = float(rng.uniform(prm.lo, prm.hi))
    return comp.resolve(given)


def optical(ports, direction):
    return [pt for pt in ports if pt.domain == OPTICAL and pt.direction == direction]


def test_components_import_standalone():
    """``import components`` on its own must work (no import cycle through emulator)."""
    run = subprocess.run([sys.executable, "-c", "import components; components.default_registry()"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr.strip().splitlines()[-1:]


def test_registry_has_the_library():
    assert {"coupler", "waveguide", "phase_shifter", "mzi", "attenuator", "splitter",
            "combiner", "crossing", "terminator", "dark", "laser", "modulator",
            "photodetector", "tia", "adc", "dac", "sram", "dram", "digital"} <= set(REG.names())


@pytest.mark.parametrize("comp", ALL, ids=ids)
def test_ports(comp):
    for given in cases(comp) + [{"n": 5}] * ("n" in comp.param_names):
        ports = comp.port_list(comp.resolve(given))
        names = [pt.name for pt in ports]
        assert len(names) == len(set(names))
        for pt in ports:
            assert pt.domain in DOMAINS and pt.direction in (IN, OUT)
        assert [pt.name for pt in optical(ports, IN)] == [f"in{i}" for i in
                                                          range(len(optical(ports, IN)))]
        assert [pt.name for pt in optical(ports, OUT)] == [f"out{i}" for i in
                                                           range(len(optical(ports, OUT)))]


@pytest.mark.parametrize("comp", ALL, ids=ids)
def test_params_declared_well(comp):
    assert comp.doc and comp.kind
    assert len(set(comp.param_names)) == len(comp.params)
    for prm in comp.params:
        assert prm.unit in ALLOWED_UNITS, prm.name
        assert prm.source.strip(), prm.name
        if prm.is_choice:
            assert prm.default in prm.choices
            continue
        assert prm.lo is not None and prm.hi is not None and prm.lo <= prm.hi, prm.name
        assert prm.lo <= prm.default <= prm.hi, prm.name
        if prm.integer:
            assert isinstance(prm.default, int), prm.name


@pytest.mark.parametrize("comp", ALL, ids=ids)
def test_variants_override_declared_params_within_bounds(comp):
    for choice, table in comp.variants.items():
        cp = comp.param(choice)
        assert cp.is_choice
        assert set(table) <= set(cp.choices)
        for value, overrides in table.items():
            for name, v in overrides.items():
                prm = comp.param(name)  # KeyError if not declared
                assert not prm.is_choice
                assert prm.lo <= v <= prm.hi, (value, name)
                assert comp.resolve({choice: value})[name] == v
        # the plain defaults agree with the variant of the default choice
        base = {prm.name: prm.default for prm in comp.params}
        assert all(base[k] == v for k, v in table.get(cp.default, {}).items())


@pytest.mark.parametrize("comp", ALL, ids=ids)
def test_timing_energy_power_finite_nonnegative(comp):
    for given in cases(comp):
        p = comp.resolve(given)
        for value in (comp.delay(p), comp.settle(p)):
            assert math.isfinite(value) and value >= 0, given
        for table in (comp.energy(p), comp.static_power(p)):
            for key, value in table.items():
                assert isinstance(key, str)
                assert math.isfinite(value) and value >= 0, (given, key)


@pytest.mark.parametrize("comp", [c for c in ALL if c.transfer is not None],
                         ids=[c.name for c in ALL if c.transfer is not None])
def test_transfer_shape_and_passive(comp):
    rng = np.random.default_rng(11)
    params = [comp.resolve(g) for g in cases(comp)] + [random_params(comp, rng)
                                                      for _ in range(20)]
    for p in params:
        ports = comp.port_list(p)
        shape = (len(optical(ports, OUT)), len(optical(ports, IN)))
        for lam in WAVELENGTHS:
            t = comp.transfer(p, lam)
            assert t.shape == shape
            assert np.all(np.isfinite(t))
            if t.size:
                assert np.linalg.svd(t, compute_uv=False).max() <= 1 + 1e-12


@pytest.mark.parametrize("comp", [c for c in ALL if c.transfer is not None],
                         ids=[c.name for c in ALL if c.transfer is not None])
def test_lossless_square_transfer_is_unitary(comp):
    rng = np.random.default_rng(5)
    zero_loss = {n: 0.0 for n in comp.param_names if n.startswith("loss")}
    for _ in range(5):
        phases = {prm.name: float(rng.uniform(-10, 10)) for prm in comp.params
                  if prm.unit == "rad"}
        p = comp.resolve({**zero_loss, **phases})
        for lam in WAVELENGTHS:
            t = comp.transfer(p, lam)
            if t.shape[0] == t.shape[1]:
                assert np.allclose(t.conj().T @ t, np.eye(t.shape[0]), atol=1e-12)


@pytest.mark.parametrize("comp", ALL, ids=ids)
def test_retired_parameters_are_gone_and_say_where_they_live(comp):
    """A retired name is no longer a parameter, and its note names the setting now used."""
    for name, note in comp.retired.items():
        assert name not in comp.param_names
        assert "set '" in note and len(note) > 30, (name, note)


@pytest.mark.parametrize("comp", ALL, ids=ids)
def test_every_default_names_its_source(comp):
    """A tag cites a paper, survey or datasheet with its year, a named library's defaults,
    or says it is an estimate (and why) or a convention; none points outside the project."""
    import re

    for prm in comp.params:
        tag = prm.source
        cited = re.search(r"\b(19|20)\d\d\b", tag) or " defaults" in tag
        assert cited or "estimate: " in tag or tag.startswith("convention: "), (prm.name, tag)
        assert "devices.md" not in tag and "/work" not in tag, (prm.name, tag)


def test_no_component_file_points_outside_the_project():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "components"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for ref in ("devices.md", "/work/", "shared/reference"):
            assert ref not in text, f"{path.name} mentions {ref}"


@pytest.mark.parametrize("bits, levels", [
    (2, [-0.75, -0.25, 0.25, 0.75]),
    (3, [-0.875, -0.625, -0.375, -0.125, 0.125, 0.375, 0.625, 0.875]),
])
def test_converter_quantizer_has_exactly_2_to_the_bits_levels_inside_full_scale(bits, levels):
    """The one quantizer of the converters (and so of every read-out on a chip): 2^b
    mid-rise levels within ±full scale, inputs beyond it clipped to the end levels."""
    from components.electronics.adc import quantize

    x = np.linspace(-1.5, 1.5, 10_001)
    q = quantize(x, bits)
    assert sorted(set(np.round(q, 12))) == levels
    assert np.all(np.abs(q - np.clip(x, -1, 1)) <= 1 / 2 ** bits + 1e-12)  # half a step


def test_memory_energy_follows_its_size_and_time_its_bandwidth():
    from components.electronics.digital import transfer_time

    sram = REG.get("sram")
    small = sram.resolve({})
    big = sram.resolve({"capacity": 4 * 8 * 1024})  # 4x the reference: sqrt(4) = 2x per byte
    assert sram.energy(small)["read"] == pytest.approx(1.25e-12)
    assert sram.energy(big)["read"] == pytest.approx(2.5e-12)
    flat = sram.resolve({"capacity": 4 * 8 * 1024, "energy_scaling": "none"})
    assert sram.energy(flat)["read"] == pytest.approx(1.25e-12)
    # 48.6 kB through 128 GB/s is not 1 ns: 1 ns + 380 ns
    assert transfer_time(small, 48_600) == pytest.approx(1e-9 + 48_600 / 128e9)
    assert transfer_time(small, 0) == 0.0


def test_adc_level_is_the_quantizer_for_one_value():
    """The compiled read-out calls ``level`` per value; the array path calls ``quantize``:
    they must give the same level everywhere, thresholds and clipping included."""
    from components.electronics.adc import level, quantize

    x = np.concatenate([np.linspace(-1.25, 1.25, 100_001), np.arange(-260, 261) / 256.0])
    for bits in (1, 3, 8, 12):
        want = np.array([level(float(v), 2 ** bits) for v in x])
        assert np.array_equal(quantize(x, bits), want), bits
