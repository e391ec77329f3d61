"""MZI meshes: decompositions, SVD mapping, perturbations and generated netlists.

Physical results are checked against closed forms written here with plain numpy, and
generated netlists against a small evaluator defined in this file (it walks the
connections and multiplies 2x2 matrices; it shares no code with the emulator).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy.stats import ortho_group, unitary_group

from components.errors import UserError
from emulator.mesh import (MeshPhases, apply_mesh, clements, mesh_matrix, mesh_rows,
                           mzi_matrices,
                           mzi_matrix, perturb_mesh, quantize_phases, reck,
                           static_phase_error, svd_apply, svd_map, svd_matrix,
                           thermal_crosstalk)
from emulator.netlist.generators import GENERATORS
from emulator.netlist.generators import clements as gen_clements
from emulator.netlist.generators import reck as gen_reck
from emulator.netlist.generators import svd_layer

SIZES = [2, 3, 4, 7, 8, 16, 31, 64]
KINDS = {"clements": clements, "reck": reck}
TWO_PI = 2 * np.pi


def haar(n: int, seed: int) -> np.ndarray:
    return unitary_group.rvs(n, random_state=np.random.default_rng(seed))


def closed_form_mzi(theta: float, phi: float) -> np.ndarray:
    """T(θ, φ) = i·e^{iθ/2}·[[e^{iφ} sin θ/2, cos θ/2], [e^{iφ} cos θ/2, −sin θ/2]]."""
    s, c, e = np.sin(theta / 2), np.cos(theta / 2), np.exp(1j * phi)
    return 1j * np.exp(1j * theta / 2) * np.array([[e * s, c], [e * c, -s]])


# ----------------------------------------------------------------------------- MZI

def test_mzi_matches_closed_form_and_coupler_product():
    B = np.array([[1, 1j], [1j, 1]]) / np.sqrt(2)
    rng = np.random.default_rng(0)
    for theta, phi in rng.uniform(0, TWO_PI, size=(20, 2)):
        product = B @ np.diag([np.exp(1j * theta), 1]) @ B @ np.diag([np.exp(1j * phi), 1])
        assert np.allclose(mzi_matrix(theta, phi), closed_form_mzi(theta, phi), atol=1e-14)
        assert np.allclose(product, closed_form_mzi(theta, phi), atol=1e-14)
    # cross at θ = 0, bar at θ = π
    assert np.allclose(np.abs(mzi_matrix(0.0, 0.3)), [[0, 1], [1, 0]], atol=1e-15)
    assert np.allclose(np.abs(mzi_matrix(np.pi, 0.3)), [[1, 0], [0, 1]], atol=1e-15)


def test_mzi_matrices_vectorized():
    th = np.linspace(0, TWO_PI, 12).reshape(3, 4)
    ph = np.linspace(1, 3, 4)
    T = mzi_matrices(th, ph)
    assert T.shape == (3, 4, 2, 2)
    assert np.allclose(T[2, 1], closed_form_mzi(th[2, 1], ph[1]), atol=1e-14)


def test_one_mzi_mesh_equals_closed_form():
    theta, phi, out = 1.234, 4.321, np.array([0.1, 0.2, 0.3, 0.4])
    mesh = MeshPhases(n=4, kind="clements", modes=[1], columns=[0], theta=[theta],
                      phi=[phi], out_phase=out)
    expected = np.eye(4, dtype=complex)
    expected[1:3, 1:3] = closed_form_mzi(theta, phi)
    expected = np.diag(np.exp(1j * out)) @ expected
    assert np.allclose(mesh_matrix(mesh), expected, atol=1e-14)
    lossy = expected.copy()
    lossy[1:3, 1:3] *= 10 ** (-3.0 / 20)  # 3 dB on the only MZI; modes 0, 3 untouched
    assert np.allclose(mesh_matrix(mesh, mzi_loss_db=3.0, balance=False), lossy,
                       atol=1e-14)
    # balanced: modes 0 and 3 get a 3 dB dummy in the MZI's column: all lose the same
    assert np.allclose(mesh_matrix(mesh, mzi_loss_db=3.0), expected * 10 ** (-3.0 / 20),
                       atol=1e-14)


def test_mesh_rejects_overlapping_mzis_in_a_column():
    with pytest.raises(UserError, match="overlapping"):
        MeshPhases(n=4, kind="clements", modes=[0, 1], columns=[0, 0], theta=[0, 0],
                   phi=[0, 0], out_phase=np.zeros(4))


# ----------------------------------------------------------------------------- decompositions

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", SIZES)
def test_round_trip(kind, n):
    U = haar(n, seed=100 + n)
    mesh = KINDS[kind].decompose(U)
    assert mesh.kind == kind and mesh.n == n
    assert np.max(np.abs(mesh_matrix(mesh) - U)) < 1e-10


@pytest.mark.parametrize("n", SIZES)
def test_counts_and_depth(n):
    c = clements.decompose(haar(n, seed=n))
    r = reck.decompose(haar(n, seed=n))
    assert c.n_mzi == r.n_mzi == n * (n - 1) // 2
    # a 2-mode rectangle has one MZI: its second column would be empty
    assert c.depth == (n if n >= 3 else 1)
    assert r.depth == 2 * n - 3
    for mesh in (c, r):  # columns are physical: disjoint modes, numbered 0..depth-1
        assert set(mesh.columns.tolist()) == set(range(mesh.depth))
        for col in range(mesh.depth):
            modes = np.sort(mesh.modes[mesh.columns == col])
            assert np.all(np.diff(modes) >= 2)
    # Clements: column k holds the MZIs on modes of the parity of k
    assert np.all(c.modes % 2 == c.columns % 2)


@pytest.mark.parametrize("kind", KINDS)
def test_phases_in_range(kind):
    for n in (2, 5, 16):
        mesh = KINDS[kind].decompose(haar(n, seed=7 * n))
        for ph in (mesh.theta, mesh.phi, mesh.out_phase):
            assert np.all(ph >= 0) and np.all(ph < TWO_PI)
        assert np.all(mesh.theta <= np.pi + 1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_layout_matches_decomposition_topology(kind):
    for n in (2, 3, 6, 9):
        mesh, lay = KINDS[kind].decompose(haar(n, seed=n)), KINDS[kind].layout(n)
        assert np.array_equal(mesh.modes, lay.modes)
        assert np.array_equal(mesh.columns, lay.columns)


@pytest.mark.parametrize("kind", KINDS)
def test_special_matrices(kind):
    n = 6
    perm = np.eye(n)[[3, 1, 5, 0, 2, 4]]
    diag = np.diag(np.exp(1j * np.arange(n)))
    for U in (np.eye(n), perm, diag, np.eye(1), np.array([[1j]])):
        mesh = KINDS[kind].decompose(U)
        assert np.max(np.abs(mesh_matrix(mesh) - U)) < 1e-12
    assert np.allclose(KINDS[kind].decompose(np.eye(n)).theta, np.pi)  # all bar


@pytest.mark.parametrize("kind", KINDS)
def test_rejects_non_unitary(kind):
    with pytest.raises(UserError, match="not unitary"):
        KINDS[kind].decompose(np.ones((3, 3)))
    with pytest.raises(UserError, match="square"):
        KINDS[kind].decompose(np.ones((3, 4)))


def test_apply_mesh_batch():
    mesh = clements.decompose(haar(8, seed=1))
    x = np.random.default_rng(2).normal(size=(8, 5)) + 0j
    assert np.allclose(apply_mesh(mesh, x), mesh_matrix(mesh) @ x, atol=1e-13)
    assert np.allclose(apply_mesh(mesh, x[:, 0]), mesh_matrix(mesh) @ x[:, 0], atol=1e-13)


# ----------------------------------------------------------------------------- SVD

@pytest.mark.parametrize("method", KINDS)
@pytest.mark.parametrize("shape", [(1, 1), (5, 5), (3, 7), (7, 3), (1, 4), (4, 1), (16, 16),
                                   (12, 20)])
def test_svd_mapping(method, shape):
    W = np.random.default_rng(sum(shape)).normal(size=shape)
    mp = svd_map(W, method)
    assert (mp.m, mp.n) == shape and mp.u.n == shape[0] and mp.vh.n == shape[1]
    assert np.max(np.abs(svd_matrix(mp) - W)) < 1e-10
    assert mp.sigma.shape == (min(shape),)
    assert mp.sigma.max() == 1.0 and np.all(mp.sigma >= 0) and np.all(mp.sigma <= 1)
    assert mp.scale == pytest.approx(np.linalg.norm(W, 2), rel=1e-12)


@pytest.mark.parametrize("shape", [(16, 16), (10, 16), (16, 10), (4, 7)])
@pytest.mark.parametrize("complex_", [False, True])
def test_svd_gauge_ignores_lapacks_choices(shape, complex_):
    """LAPACK may return any phase per singular pair and any basis of the null spaces
    (its kernels differ by CPU); the gauge makes the mapping, and so the phases the
    heaters hold, the same whatever it chose, and keeps an exact, unitary SVD."""
    from emulator.mesh.svd import gauge

    rng = np.random.default_rng(7)
    W = rng.normal(size=shape) + (1j * rng.normal(size=shape) if complex_ else 0.0)
    W[-3:] = 0.0  # zero-padded rows, as an edge tile has: null spaces on both sides
    u, s, vh = np.linalg.svd(W)
    r = np.linalg.matrix_rank(W)
    d = (np.exp(1j * rng.uniform(0.0, 2 * np.pi, r)) if complex_
         else rng.choice([-1.0, 1.0], r))
    u2, vh2 = u.copy(), vh.copy()
    u2[:, :r] *= d
    vh2[:r] *= np.conj(d)[:, None]
    rotation = unitary_group if complex_ else ortho_group  # of each null space
    u2[:, r:] = u2[:, r:] @ rotation.rvs(shape[0] - r, random_state=1)
    vh2[r:] = rotation.rvs(shape[1] - r, random_state=2) @ vh2[r:]
    assert np.abs(u2[:, :r] * s[:r] @ vh2[:r] - W).max() < 1e-12  # still an SVD of W
    a, b = gauge(u, s, vh), gauge(u2, s, vh2)
    for x, y in zip(a, b):
        assert np.abs(x - y).max() < 1e-13
    # rounding dust on the padded rows: with W given, cleared to the exact zeros (and the
    # complement then holds the padded modes' unit vectors exactly)
    u2[-3:, :r] += 1e-17
    clean = gauge(u2, s, vh2, W)
    assert np.all(clean[0][-3:, :r] == 0.0)
    assert np.abs(clean[0] - a[0]).max() < 1e-13
    pad = np.abs(clean[0][-3:, r:])
    assert np.sort(pad.ravel())[-3:].tolist() == [1.0, 1.0, 1.0] and np.sum(pad != 0) == 3
    gu, gs, gvh = a
    k = min(shape)
    assert np.abs(gu[:, :k] * gs @ gvh[:k] - W).max() < 1e-12
    assert np.abs(gu.conj().T @ gu - np.eye(shape[0])).max() < 1e-13
    assert np.abs(gvh @ gvh.conj().T - np.eye(shape[1])).max() < 1e-13
    # the pairs' phase: the first largest entry of each u_i is real and positive
    for i in range(r):
        j = np.argmax(np.abs(gu[:, i]))
        assert abs(gu[j, i].imag) < 1e-15 and gu[j, i].real > 0


def test_svd_complex_and_perturbed():
    rng = np.random.default_rng(4)
    W = rng.normal(size=(4, 6)) + 1j * rng.normal(size=(4, 6))
    mp = svd_map(W)
    assert np.max(np.abs(svd_matrix(mp) - W)) < 1e-10
    # replacing the U phases equals composing the perturbed mesh by hand
    th = mp.u.theta + 0.01
    U = mesh_matrix(mp.u, theta=th)
    # each attenuator is an MZI's bar path: σ·i·e^{i·asin σ} (its phase is absorbed in V†)
    S = np.zeros((4, 6), dtype=complex)
    S[np.arange(4), np.arange(4)] = mp.sigma * 1j * np.exp(1j * np.arcsin(mp.sigma))
    assert np.allclose(svd_matrix(mp, u_theta=th), mp.scale * U @ S @ mesh_matrix(mp.vh),
                       atol=1e-12)


def test_wrap_phase_range_and_congruence():
    from emulator.mesh.mzi import wrap_phase

    x = np.concatenate([np.random.default_rng(1).uniform(-1e3, 1e3, 10_000),
                        [-1e-17, -0.0, TWO_PI, -TWO_PI, 3 * TWO_PI, np.nextafter(TWO_PI, 0),
                         -5e-324, 1e-300]])
    w = wrap_phase(x)
    assert np.all((w >= 0) & (w < TWO_PI))
    assert np.max(np.abs(np.exp(1j * w) - np.exp(1j * x))) < 1e-12
    assert np.allclose(w[:10_000], np.mod(x[:10_000], TWO_PI), atol=1e-11)


def test_compiled_transfers_match_the_closed_form():
    """The compiled MZI entries equal amp · B·diag(e^{iθ},1)·B·diag(e^{iφ},1), built here."""
    from components.optics._mzi_matrix import mzi_elements
    from emulator.mesh.kernels import mzi_transfers

    rng = np.random.default_rng(8)
    th, ph = rng.uniform(-7, 7, 50), rng.uniform(-7, 7, 50)
    amp = rng.uniform(0.5, 1.0, 50)
    B = np.array([[1, 1j], [1j, 1]]) / np.sqrt(2)
    t = mzi_transfers(th, ph, amp)
    for got, want in zip(t, mzi_elements(th, ph)):  # the library's one closed form
        assert np.allclose(got, amp * want, rtol=0, atol=1e-15)
    for k in range(50):
        T = amp[k] * B @ np.diag([np.exp(1j * th[k]), 1]) @ B @ np.diag([np.exp(1j * ph[k]), 1])
        assert np.allclose([t[0][k], t[1][k], t[2][k], t[3][k]], T.ravel(), atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_mesh_rows_are_rows_of_the_lossy_perturbed_matrix(kind):
    """Rows pulled backwards through the mesh equal the rows of the full matrix, built
    forwards, with per-MZI losses and perturbed phases."""
    rng = np.random.default_rng(11)
    mesh = KINDS[kind].decompose(haar(9, 3))
    th = mesh.theta + rng.normal(0, 0.05, mesh.n_mzi)
    ph = mesh.phi + rng.normal(0, 0.05, mesh.n_mzi)
    out = mesh.out_phase + rng.normal(0, 0.05, mesh.n)
    loss = rng.uniform(0.0, 1.0, mesh.n_mzi)
    full = mesh_matrix(mesh, th, ph, out, mzi_loss_db=loss)
    for rows in (1, 4, 9):
        assert np.max(np.abs(mesh_rows(mesh, rows, th, ph, out, mzi_loss_db=loss)
                             - full[:rows])) < 1e-13


@pytest.mark.parametrize("shape", [(3, 11), (11, 3), (6, 6)])
def test_svd_matrix_equals_light_through_the_layer(shape):
    """The realised matrix (built from min(m, n) columns and rows) equals the layer applied
    to every input basis vector, with perturbed phases on both meshes and loss."""
    rng = np.random.default_rng(5)
    mp = svd_map(rng.normal(size=shape))
    kw = dict(u_theta=mp.u.theta + rng.normal(0, 0.03, mp.u.n_mzi),
              vh_phi=mp.vh.phi + rng.normal(0, 0.03, mp.vh.n_mzi),
              vh_out_phase=mp.vh.out_phase + 0.1, sigma=mp.sigma * 0.9, mzi_loss_db=0.4)
    by_light = svd_apply(mp, np.eye(shape[1]), **kw)
    assert np.max(np.abs(svd_matrix(mp, **kw) - by_light)) < 1e-12
    assert np.max(np.abs(svd_matrix(mp, **kw) - svd_matrix(mp))) > 1e-2  # it did change


# ----------------------------------------------------------------------------- perturbations

def test_quantize_error_at_most_half_a_step():
    x = np.random.default_rng(0).uniform(-20, 20, size=5000)
    for bits in (1, 3, 8, 12):
        q = quantize_phases(x, bits)
        step = TWO_PI / 2 ** bits
        circular = np.abs(np.angle(np.exp(1j * (q - x))))
        assert circular.max() <= step / 2 + 1e-12
        assert np.all(q >= 0) and np.all(q < TWO_PI)
        assert np.allclose(q / step, np.round(q / step))
        assert len(np.unique(np.round(q / step))) <= 2 ** bits
    with pytest.raises(UserError):
        quantize_phases(x, 0)


def test_static_phase_error_is_seeded():
    a = static_phase_error((1000,), 0.05, np.random.default_rng(1))
    b = static_phase_error((1000,), 0.05, np.random.default_rng(1))
    assert np.array_equal(a, b)
    assert 0.045 < a.std() < 0.055
    with pytest.raises(TypeError):
        static_phase_error((3,), 0.1, 1)


def test_thermal_crosstalk_neighbours():
    mesh = clements.layout(6)  # column 0: modes 0, 2, 4; column 1: modes 1, 3
    phases = np.zeros(mesh.n_mzi)
    k = int(np.flatnonzero((mesh.columns == 0) & (mesh.modes == 2))[0])
    phases[k] = 1.0
    got = thermal_crosstalk(mesh, phases, (0.1, 0.01))
    expected = phases.copy()
    for mode in (0, 4):  # the two first neighbours in the same column
        expected[(mesh.columns == 0) & (mesh.modes == mode)] = 0.1
    assert np.allclose(got, expected)
    screen = thermal_crosstalk(mesh, np.array([1.0, 0, 0, 0, 0, 0]), (0.1, 0.01), out=True)
    assert np.allclose(screen, [1.0, 0.1, 0.01, 0, 0, 0])
    # a heater holds its phase in [0, 2π): 2π + 1 heats like 1
    assert np.allclose(thermal_crosstalk(mesh, phases * (1 + TWO_PI), 0.1)[phases == 0],
                       thermal_crosstalk(mesh, phases, 0.1)[phases == 0])


@pytest.mark.parametrize("kind", KINDS)
def test_perturbed_mesh_stays_unitary(kind):
    mesh = KINDS[kind].decompose(haar(12, seed=5))
    bad = perturb_mesh(mesh, np.random.default_rng(3), bits=5, sigma=0.05,
                       coupling=(0.05, 0.01))
    U = mesh_matrix(bad)
    assert np.max(np.abs(U.conj().T @ U - np.eye(12))) < 1e-12
    assert np.max(np.abs(U - mesh_matrix(mesh))) > 1e-3  # it did change


# ----------------------------------------------------------------------------- netlists

def evaluate(net: dict) -> np.ndarray:
    """Field transfer (outputs × inputs) of a netlist of mzi / phase_shifter / attenuator
    / terminator / dark instances, by pushing unit inputs through the connections."""
    n_in = sum(1 for p in net["ports"] if p.startswith("in"))
    n_out = sum(1 for p in net["ports"] if p.startswith("out"))
    n_inputs = {"mzi": 2, "phase_shifter": 1, "attenuator": 1, "terminator": 1, "dark": 0,
                "waveguide": 1}
    external_out = {v: int(k[3:]) for k, v in net["ports"].items() if k.startswith("out")}
    fields: dict[str, np.ndarray] = {}  # "inst,port" of an input port -> row over inputs
    waiting = {name: n_inputs[spec["component"]] for name, spec in net["instances"].items()}
    ready = [name for name, count in waiting.items() if count == 0]
    result = np.zeros((n_out, n_in), dtype=complex)

    def arrive(port: str, value: np.ndarray):
        fields[port] = value
        name = port.split(",")[0]
        waiting[name] -= 1
        if waiting[name] == 0:
            ready.append(name)

    def leave(port: str, value: np.ndarray):
        if port in external_out:
            result[external_out[port]] = value
        else:
            arrive(net["connections"][port], value)

    for key, port in net["ports"].items():
        if key.startswith("in"):
            arrive(port, np.eye(n_in)[int(key[2:])].astype(complex))
    done = 0
    while ready:
        name = ready.pop()
        done += 1
        spec = net["instances"][name]
        p, comp = spec["params"], spec["component"]
        if comp == "mzi":
            T = closed_form_mzi(p["theta"], p["phi"])
            a, b = fields[f"{name},in0"], fields[f"{name},in1"]
            leave(f"{name},out0", T[0, 0] * a + T[0, 1] * b)
            leave(f"{name},out1", T[1, 0] * a + T[1, 1] * b)
        elif comp == "phase_shifter":
            leave(f"{name},out0", np.exp(1j * p["phase"]) * fields[f"{name},in0"])
        elif comp == "attenuator":  # an MZI's bar path at θ = 2·asin(t), phase and all
            t00 = closed_form_mzi(2 * np.arcsin(p["transmission"]), 0.0)[0, 0]
            leave(f"{name},out0", t00 * fields[f"{name},in0"])
        elif comp == "dark":
            leave(f"{name},out0", np.zeros(n_in, dtype=complex))
        elif comp == "waveguide":  # a loss-balancing dummy: no phase (losses ignored here)
            assert p["length"] == 0.0
            leave(f"{name},out0", fields[f"{name},in0"])
    assert done == len(net["instances"]), "some instances were never reached"
    return result


def port_uses(net: dict) -> Counter:
    return Counter(list(net["connections"]) + list(net["connections"].values())
                   + list(net["ports"].values()))


def assert_ports_used_once(net: dict, ports_of: dict):
    uses = port_uses(net)
    for name, spec in net["instances"].items():
        for port in ports_of[spec["component"]]:
            assert uses[f"{name},{port}"] == 1, f"{name},{port} used {uses[f'{name},{port}']}x"
    assert all(count == 1 for count in uses.values())


PORTS = {"mzi": ("in0", "in1", "out0", "out1"), "phase_shifter": ("in0", "out0"),
         "attenuator": ("in0", "out0"), "terminator": ("in0",), "dark": ("out0",),
         "waveguide": ("in0", "out0")}


def empty_slots(net: dict, n: int) -> int:
    """Slots (column, mode) of the mesh no MZI occupies, read from the MZI names alone."""
    used = set()
    for name in net["instances"]:
        if "mzi_c" in name:
            c, m = (int(v) for v in name.split("mzi_c")[1].split("_m"))
            used |= {(c, m), (c, m + 1)}
    columns = 1 + max(c for c, _ in used)
    return columns * n - len(used)


@pytest.mark.parametrize("gen", [gen_clements, gen_reck])
@pytest.mark.parametrize("n", [2, 4, 5, 8])
def test_mesh_netlist_structure(gen, n):
    net = gen(n, seed=1)
    kinds = Counter(spec["component"] for spec in net["instances"].values())
    pads = empty_slots(net, n)  # a dummy loss section in each (the MZIs are lossy)
    assert kinds == {"mzi": n * (n - 1) // 2, "phase_shifter": n,
                     **({"waveguide": pads} if pads else {})}
    if gen is gen_clements and n % 2 == 0 and n > 2:
        assert pads == n  # by hand: modes 0 and n-1 in each of the n/2 odd columns
    assert sorted(net["ports"]) == sorted([f"in{i}" for i in range(n)]
                                          + [f"out{i}" for i in range(n)])
    assert_ports_used_once(net, PORTS)
    assert net["version"] == 1 and net["info"]["n"] == n


@pytest.mark.parametrize("gen", [gen_clements, gen_reck])
@pytest.mark.parametrize("n", [4, 8])
def test_mesh_netlist_evaluates_to_unitary(gen, n):
    U = haar(n, seed=30 + n)
    net = gen(n, unitary=U)
    assert np.max(np.abs(evaluate(net) - U)) < 1e-10
    # without the output screen: U up to the omitted output phases
    bare = gen(n, unitary=U, out_phase_shifters=False)
    screen = np.exp(1j * np.array(bare["info"]["omitted_out_phase"]))
    assert np.max(np.abs(screen[:, None] * evaluate(bare) - U)) < 1e-10


@pytest.mark.parametrize("method", KINDS)
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (1, 3)])
def test_svd_layer_netlist(method, shape):
    m, n = shape
    W = np.random.default_rng(m * 10 + n).normal(size=shape)
    net = svd_layer(W.tolist(), method=method)
    kinds = Counter(spec["component"] for spec in net["instances"].values())
    k = min(m, n)
    assert kinds["mzi"] == m * (m - 1) // 2 + n * (n - 1) // 2
    assert kinds["attenuator"] == k
    assert kinds["phase_shifter"] == m + k  # V† outputs that are dropped need no phase
    assert kinds["terminator"] == n - k and kinds["dark"] == m - k
    assert all("." in name for name, s in net["instances"].items() if s["component"] == "mzi")
    assert_ports_used_once(net, PORTS)
    scale = net["info"]["scale"]
    assert scale == pytest.approx(np.linalg.norm(W, 2), rel=1e-12)
    assert np.max(np.abs(scale * evaluate(net) - W)) < 1e-10


def test_generator_inputs(tmp_path):
    U = haar(4, seed=9)
    ref = gen_clements(4, unitary=U)
    as_strings = [[str(complex(z)) for z in row] for row in U]
    assert gen_clements(4, unitary=as_strings) == ref
    assert gen_clements(unitary={"real": U.real.tolist(), "imag": U.imag.tolist()}) == ref
    np.save(tmp_path / "u.npy", U)
    assert gen_clements(4, unitary_file=str(tmp_path / "u.npy")) == ref
    mesh = clements.decompose(U)
    lists = {"theta": mesh.theta.tolist(), "phi": mesh.phi.tolist(),
             "out_phase": mesh.out_phase.tolist()}
    assert gen_clements(4, phases=lists) == ref
    assert gen_clements(4, phases=mesh) == ref
    assert gen_clements(4, seed=3) == gen_clements(4, seed=3)
    W = np.arange(6.0).reshape(2, 3)
    np.save(tmp_path / "w.npy", W)
    assert svd_layer(matrix_file=str(tmp_path / "w.npy")) == svd_layer(W.tolist())
    extra = gen_reck(3, seed=1, mzi={"loss": 0.0, "tech": "eo"}, phase_shifter={"loss": 0.1})
    for spec in extra["instances"].values():
        assert spec["params"].get("loss") in (0.0, 0.1)
    assert set(GENERATORS) == {"clements", "reck", "svd_layer", "onn_core", "mrr_weight_bank",
                               "dota_crossbar"}


@pytest.mark.parametrize("call, message", [
    (lambda: gen_clements(4), "give one of"),
    (lambda: gen_clements(4, seed=1, unitary=np.eye(4)), "only one of"),
    (lambda: gen_clements(3, unitary=np.eye(4)), "n = 3"),
    (lambda: gen_reck(4, seed=-1), "seed"),
    (lambda: gen_clements(4, seed=1, mzi={"theta": 1}), "theta"),
    (lambda: gen_reck(2, phases=clements.layout(2)), "'clements' mesh"),
    (lambda: svd_layer(np.eye(3).tolist(), method="clement"), "did you mean 'clements'"),
    (lambda: svd_layer(n=3), "give one of"),
    (lambda: svd_layer([[1, 2], [3, 4]], m=3), "m"),
    (lambda: gen_clements(unitary_file="missing.npy"), "not found"),
])
def test_generator_errors(call, message):
    with pytest.raises(UserError, match=message):
        call()


def test_mapping_cost_counts_the_operations_the_mapping_performs():
    """One nulling per MZI the decomposition returns, each rotating two k-entry complex
    rows (16·k real MACs) after 7 scalar ops; the SVD by the Golub-Reinsch count."""
    from emulator.mesh.cost import mapping_ops
    from emulator.mesh.svd import svd_map

    W = np.random.default_rng(3).normal(size=(6, 10))
    mp = svd_map(W)
    ops = mapping_ops(6, 10)
    assert ops.rotation_macs == mp.u.n_mzi * 16 * 6 + mp.vh.n_mzi * 16 * 10  # 15, 45 MZIs
    # 7 per nulling, and 2 per attenuator (its θ = 2·asin σ, its phase off V†'s screen)
    assert ops.scalar_ops == (mp.u.n_mzi + mp.vh.n_mzi) * 7 + 6 * 2
    assert ops.svd_macs == (4 * 10 * 10 * 6 + 8 * 10 * 6 * 6 + 9 * 6 ** 3) // 2  # 3,852
    assert ops.parallel == 20  # a rotation of two 10-entry rows


def test_a_dependent_chain_uses_only_its_own_parallelism():
    from emulator.engine import digital_work

    full = digital_work(6400)  # 64 lanes at 1 GHz: 100 cycles
    chain = digital_work(6400, parallel=32)  # half the lanes idle: 200 cycles
    assert full.latency_s == pytest.approx(100e-9)
    assert chain.latency_s == pytest.approx(200e-9)
    assert chain.energy_j == pytest.approx(full.energy_j)  # same work, same energy
