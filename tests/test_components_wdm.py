"""Rings, WDM filters, multi-wavelength sources and balanced detectors against closed forms
written here independently of the component code (Bogaerts et al., Laser Photonics Rev. 6,
47, 2012 for the ring formulas)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import components
from components.errors import UserError
from components.optics import ring as ring_model

REG = components.default_registry()
LAM = 1.55e-6


def p_of(name, **given):
    return REG.get(name).resolve(given)


def T(name, lam=LAM, **given):
    return REG.get(name).transfer(p_of(name, **given), lam)


def _a(radius, alpha_db_per_m):
    return 10 ** (-alpha_db_per_m * 2 * math.pi * radius / 20)


# ---------------------------------------------------------------- ring

@pytest.mark.parametrize("kappa2, alpha", [(0.03, 300.0), (0.01, 300.0), (0.1, 2000.0),
                                            (0.002, 50.0)])
def test_all_pass_through_at_resonance(kappa2, alpha):
    a, r = _a(5e-6, alpha), math.sqrt(1 - kappa2)
    t = T("ring", coupling=kappa2, loss_per_length=alpha)
    assert abs(t[0, 0]) ** 2 == pytest.approx((a - r) ** 2 / (1 - r * a) ** 2, rel=1e-9)


def test_all_pass_power_response_vs_detuning():
    """|t|² = (a² − 2ra cos φ + r²)/(1 − 2ar cos φ + (ra)²) with φ = 2π n_g L (1/λ − 1/λ_r)."""
    R, ng, k2, alpha = 7e-6, 4.0, 0.05, 500.0
    L, a, r = 2 * math.pi * R, _a(R, alpha), math.sqrt(1 - k2)
    ring = REG.get("ring")
    for lam in np.linspace(1.549e-6, 1.551e-6, 41):
        phi = 2 * math.pi * ng * L * (1 / lam - 1 / 1.5502e-6)
        p = ring.resolve({"radius": R, "n_g": ng, "coupling": k2, "loss_per_length": alpha,
                          "detuning": 0.2e-9})
        expected = (a * a - 2 * r * a * math.cos(phi) + r * r) / (
            1 - 2 * a * r * math.cos(phi) + (r * a) ** 2)
        assert abs(ring.transfer(p, lam)[0, 0]) ** 2 == pytest.approx(expected, rel=1e-9)


def test_add_drop_at_resonance_and_lossless_energy_conservation():
    k1, k2 = 0.04, 0.02
    r1, r2, a = math.sqrt(1 - k1), math.sqrt(1 - k2), _a(5e-6, 300.0)
    t = T("ring", mode="add_drop", coupling=k1, drop_coupling=k2)
    assert t.shape == (2, 2)
    assert abs(t[1, 0]) ** 2 == pytest.approx(k1 * k2 * a / (1 - r1 * r2 * a) ** 2, rel=1e-9)
    assert abs(t[0, 0]) ** 2 == pytest.approx((r2 * a - r1) ** 2 / (1 - r1 * r2 * a) ** 2,
                                              rel=1e-9)
    # lossless ring: through + drop = 1 at every wavelength, and the matrix is unitary
    for lam in np.linspace(1.545e-6, 1.555e-6, 101):
        u = T("ring", lam, mode="add_drop", coupling=k1, drop_coupling=k2,
              loss_per_length=0.0, lock_power=0.0)
        assert abs(u[0, 0]) ** 2 + abs(u[1, 0]) ** 2 == pytest.approx(1.0, abs=1e-12)
        assert np.allclose(u.conj().T @ u, np.eye(2), atol=1e-12)
    # symmetric, lossless, critically coupled: all the light drops at resonance
    s = T("ring", mode="add_drop", coupling=0.05, drop_coupling=0.05, loss_per_length=0.0)
    assert abs(s[1, 0]) ** 2 == pytest.approx(1.0)
    assert abs(s[0, 0]) ** 2 == pytest.approx(0.0, abs=1e-20)


def test_fsr_fwhm_q_and_lorentzian():
    R, ng, k2, alpha = 5e-6, 4.2, 0.03, 300.0
    L, a, r = 2 * math.pi * R, _a(R, alpha), math.sqrt(1 - k2)
    ring = REG.get("ring")
    p = ring.resolve({"mode": "add_drop", "radius": R, "n_g": ng, "coupling": k2,
                      "drop_coupling": k2, "loss_per_length": alpha})
    fsr = LAM ** 2 / (ng * L)
    rho = r * r * a
    fwhm = LAM ** 2 * (1 - rho) / (math.pi * ng * L * math.sqrt(rho))
    assert ring_model.fsr(p) == pytest.approx(fsr)
    assert ring_model.fwhm(p) == pytest.approx(fwhm)
    assert ring_model.q_loaded(p) == pytest.approx(LAM / fwhm)
    assert 5e3 < ring_model.q_loaded(p) < 5e4  # the weight-bank range
    # the next resonance one FSR away (in frequency: 1/λ steps of 1/(n_g L))
    lam_next = 1 / (1 / LAM - 1 / (ng * L))
    assert abs(ring.transfer(p, lam_next)[1, 0]) == pytest.approx(abs(ring.transfer(p, LAM)[1, 0]))
    # half maximum of the drop peak at ±FWHM/2, found numerically on the exact response
    lams = LAM + np.linspace(-3 * fwhm, 3 * fwhm, 200_001)
    drop = np.abs(ring_model.response(p, lams)[:, 1, 0]) ** 2
    above = lams[drop >= drop.max() / 2]
    assert above[-1] - above[0] == pytest.approx(fwhm, rel=2e-3)
    # Lorentzian near resonance: D0 / (1 + (2δ/FWHM)²)
    for delta in (0.1 * fwhm, 0.5 * fwhm, fwhm):
        exact = abs(ring.transfer(p, LAM + delta)[1, 0]) ** 2
        assert exact == pytest.approx(drop.max() / (1 + (2 * delta / fwhm) ** 2), rel=0.01)


def test_ring_tuning_power_and_fsr_check():
    ring = REG.get("ring")
    thermo = ring.resolve({"detuning": 0.5e-9})
    # 0.5 nm at 0.25 nm/mW = 2 mW of heater, plus the 0.275 mW lock
    assert ring.static_power(thermo) == {"hold": pytest.approx(2e-3),
                                         "lock": pytest.approx(0.275e-3)}
    eo = ring.resolve({"tech": "eo", "detuning": 0.5e-9})
    assert ring.static_power(eo)["hold"] == 0.0
    assert ring.static_power(eo)["driver"] == pytest.approx(0.1e-3)
    assert ring.energy(eo)["reprogram"] == pytest.approx(42e-15)
    assert ring.settle(thermo) == pytest.approx(4e-6) and ring.settle(eo) == pytest.approx(1e-9)
    # detuning beyond FSR/2 (18.2 nm / 2 at R = 5 um, n_g 4.2) is refused
    assert ring.check(ring.resolve({"detuning": 9e-9})) == []
    assert "outside its free spectral range" in ring.check(ring.resolve({"detuning": 9.5e-9}))[0]


def test_ring_detuned_outside_fsr_is_a_netlist_error(tmp_path):
    from emulator import load_netlist

    f = tmp_path / "ring.yaml"
    f.write_text("version: 1\nname: r\ninstances:\n"
                 "  r0: {component: ring, params: {detuning: \"12 nm\"}}\n"
                 "ports: {in0: \"r0,in0\", out0: \"r0,out0\"}\n")
    with pytest.raises(UserError) as err:
        load_netlist(f)
    msg = str(err.value)
    assert "ring.yaml" in msg and ":4" in msg and "free spectral range" in msg


# ---------------------------------------------------------------- WDM

def test_demux_insertion_loss_and_crosstalk():
    n, il, xt, far = 8, 1.5, -20.0, -40.0
    for j in range(n):
        lam = 1.55e-6 + j * 0.8e-9
        P = np.abs(T("wdm_demux", lam, n=n, loss=il, crosstalk=xt, crosstalk_far=far)[:, 0]) ** 2
        expected = np.full(n, 10 ** ((-il + far) / 10))
        expected[j] = 10 ** (-il / 10)
        for k in (j - 1, j + 1):
            if 0 <= k < n:
                expected[k] = 10 ** ((-il + xt) / 10)
        assert P == pytest.approx(expected)
    # the mux is its transpose; a line off the grid only leaks at the far level
    mux = T("wdm_mux", 1.55e-6 + 3 * 0.8e-9, n=n, loss=il, crosstalk=xt, crosstalk_far=far)
    assert mux.shape == (1, n)
    assert abs(mux[0, 3]) ** 2 == pytest.approx(10 ** (-il / 10))
    off = T("wdm_demux", 1.55e-6 + 20 * 0.8e-9, n=n, loss=il, crosstalk=xt, crosstalk_far=far)
    assert np.abs(off[:, 0]) ** 2 == pytest.approx(np.full(n, 10 ** ((-il + far) / 10)))


def test_demux_never_amplifies():
    t = T("wdm_demux", n=64, loss=0.0, crosstalk=0.0, crosstalk_far=0.0)
    assert np.sum(np.abs(t) ** 2) == pytest.approx(1.0)


# ---------------------------------------------------------------- sources and detectors

def test_multi_laser_wall_plug():
    src = REG.get("multi_laser")
    arr = src.resolve({"lines": 12, "power": 2e-3})
    assert src.static_power(arr)["wall_plug"] == pytest.approx(12 * 2e-3 / 0.2)
    comb = src.resolve({"type": "comb", "lines": 12, "power": 2e-3})
    assert src.static_power(comb)["wall_plug"] == pytest.approx(12 * 2e-3 / (0.2 * 0.3))
    assert abs(src.signal(arr)) ** 2 == pytest.approx(2e-3)  # one line at a time


def test_balanced_photodetector():
    bpd = REG.get("balanced_photodetector")
    p = bpd.resolve({"temperature": 0.0})
    plus, minus = np.sqrt(np.array([1e-3, 0.2e-3])), np.sqrt(np.array([0.4e-3, 0.2e-3]))
    assert bpd.signal(p, plus, minus) == pytest.approx([0.6e-3, 0.0], abs=1e-15)
    assert bpd.static_power(p)["bias"] == pytest.approx(2 * 1.1e-3)
    q = 1.602176634e-19
    var = 2 * q * (1.4e-3 + 2 * 50e-9) * 20e9
    from components.electronics.balanced_pd import noise_variance
    assert noise_variance(p, 1e-3, 0.4e-3) == pytest.approx(var)
    i = np.full(200_000, 0.6e-3)
    noisy = bpd.noise(p, i, np.random.default_rng(5))
    assert np.var(noisy - i) == pytest.approx(2 * q * (0.6e-3 + 1e-7) * 20e9, rel=0.03)


def test_balanced_pair_is_a_receiver():
    """Read by a TIA and an ADC, the pair's noise is integrated over the receiver's band and
    drops the load resistor's thermal term (as for a single photodetector)."""
    from emulator import load_netlist
    from emulator.graph.receiver import receivers

    from pathlib import Path

    net = load_netlist(Path(__file__).resolve().parents[1] / "netlists" / "dota_b_4bit.yaml")
    r = receivers(net)
    assert r["bpd"] == {"noise_bandwidth": 2.5e9, "load": "tia"}  # the 5 GS/s ADC's Nyquist
    assert r["tia"] == {"noise_bandwidth": 2.5e9}
