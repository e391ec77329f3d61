"""The update rules, checked one step at a time against computations written here."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

from emulator.training.methods import METHODS, StepOptions
from emulator.training.methods import tpfp as tpfp_module
from emulator.training.net import feedback_matrix, init_weights

ACT = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
       "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "square": lambda z: z * z,
       "identity": lambda z: z,
       "saturable": lambda z: z * np.sqrt(1 - 0.9 / (1 + z * z))}


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def tiny(layers=(4, 5, 3, 2), b=6, seed=0):
    rng = np.random.default_rng(seed)
    W = init_weights(list(layers), rng)
    F = feedback_matrix(layers[0], layers[-1], 0.5, rng)  # large s: a visible modulation
    x = rng.random((layers[0], b), dtype=np.float32)
    t = np.zeros((layers[-1], b), np.float32)
    t[rng.integers(0, layers[-1], b), np.arange(b)] = 1
    return W, F, x, t


def hand_tpfp_delta(W, F, x, t, act, output_error="pass1"):
    """Mean over samples of the TPFP ΔW_l, one sample at a time, in float64."""
    f = ACT[act]
    W = [w.astype(np.float64) for w in W]
    dW = [np.zeros_like(w) for w in W]
    for j in range(x.shape[1]):
        h = [x[:, j].astype(np.float64)]
        for w in W[:-1]:
            h.append(f(w @ h[-1]))
        gamma = softmax(W[-1] @ h[-1]) - t[:, j]
        he = [h[0] + F.astype(np.float64) @ gamma]
        for w in W[:-1]:
            he.append(f(w @ he[-1]))
        err = gamma if output_error == "pass1" else softmax(W[-1] @ he[-1]) - t[:, j]
        for l in range(len(W) - 1):
            dW[l] += np.outer(h[l + 1] - he[l + 1], he[l])
        dW[-1] += np.outer(err, he[-1])
    return [d / x.shape[1] for d in dW]


@pytest.mark.parametrize("act", ["relu", "tanh", "square"])
@pytest.mark.parametrize("reuse", [True, False])
@pytest.mark.parametrize("output_error", ["pass1", "pass2"])
def test_tpfp_matches_hand_computation_with_momentum(act, reuse, output_error):
    W, F, x, t = tiny()
    W0 = [w.copy() for w in W]
    lr, gamma = 0.3, 0.9
    m = METHODS["tpfp"](W, StepOptions(activation=act, momentum=gamma,
                                       output_error=output_error),
                        np.random.default_rng(0), feedback=F)
    m.reuse_first_layer = reuse
    d1 = hand_tpfp_delta(W0, F, x, t, act, output_error)
    m.step(x, t, lr)
    W1 = [w0 - lr * d for w0, d in zip(W0, d1)]  # V1 = η ΔW1
    for got, want in zip(m.W, W1):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # second step: V2 = γ V1 + η ΔW2, W2 = W1 − V2
    d2 = hand_tpfp_delta([w.astype(np.float32) for w in W1], F, x, t, act, output_error)
    m.step(x, t, lr)
    for got, w1, a, b in zip(m.W, W1, d1, d2):
        np.testing.assert_allclose(got, w1 - (gamma * lr * a + lr * b), rtol=1e-5,
                                   atol=1e-5)


def test_tpfp_module_source_has_no_derivative_and_no_transpose():
    tree = ast.parse(inspect.getsource(tpfp_module))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names} | {n.module for n in ast.walk(tree)
                                     if isinstance(n, ast.ImportFrom) and n.module}
    assert not any("deriv" in s.lower() for s in names | attrs | imported)
    assert not {"T", "transpose", "swapaxes", "moveaxis", "backpropagate"} & (names | attrs)
    # the shared base class and kernel the step uses import no derivative either
    from emulator.training import kernels, network
    from emulator.training.methods import base
    for mod in (base, kernels, network):
        src = inspect.getsource(mod)
        assert "deriv" not in src.lower(), mod.__name__


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_tpfp_runtime_never_transposes_weights_nor_calls_derivatives(no_derivatives, guard, dropout):
    W, F, x, t = tiny()
    plain = [w.copy() for w in W]
    guarded = [guard(w) for w in W]
    opts = StepOptions(activation="tanh", dropout=dropout)
    for weights in (plain, guarded):
        m = METHODS["tpfp"](weights, opts, np.random.default_rng(5), feedback=F)
        for _ in range(3):
            m.step(x, t, 0.1)
    for a, b in zip(plain, guarded):
        assert np.array_equal(a, np.asarray(b))
    # the guards work: backprop trips both of them
    with pytest.raises(AssertionError, match="derivative|transposed"):
        METHODS["bp"]([guard(w) for w in W], opts,
                      np.random.default_rng(5)).step(x, t, 0.1)


def loss64(W, x, t, act):
    """Mean cross-entropy in float64."""
    h = x.astype(np.float64)
    for w in W[:-1]:
        h = ACT[act](w @ h)
    z = W[-1] @ h
    z = z - z.max(axis=0)
    logp = z - np.log(np.exp(z).sum(axis=0))
    return float(-(t * logp).sum(axis=0).mean())


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "square", "saturable", "identity"])
def test_bp_gradient_matches_finite_differences(act):
    W, F, x, t = tiny(b=7, seed=3)
    W64 = [w.astype(np.float64) for w in W]
    lr = 1e-2
    m = METHODS["bp"]([w.copy() for w in W], StepOptions(activation=act, momentum=0.0),
                      np.random.default_rng(0))
    m.step(x, t, lr)
    eps = 1e-6
    for l, w in enumerate(W64):
        grad_bp = (W[l].astype(np.float64) - m.W[l]) / lr
        num = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            plus = [v.copy() for v in W64]
            minus = [v.copy() for v in W64]
            plus[l][idx] += eps
            minus[l][idx] -= eps
            num[idx] = (loss64(plus, x, t, act) - loss64(minus, x, t, act)) / (2 * eps)
        np.testing.assert_allclose(grad_bp, num, rtol=2e-3, atol=2e-5, err_msg=f"layer {l}")


def test_dropout_mask_shared_by_both_passes():
    W, F, x, t = tiny(layers=(4, 50, 40, 2), b=8)
    m = METHODS["tpfp"](W, StepOptions(activation="tanh", dropout=0.5),
                        np.random.default_rng(2), feedback=F)
    m.record = True
    m.step(x, t, 0.1)
    masks = m.last["masks"]
    assert masks is not None and len(masks) == 2
    for l, mask in enumerate(masks):
        dropped = mask == 0
        assert 0.3 < dropped.mean() < 0.7
        assert np.all(mask[~dropped] == 2.0)  # inverted dropout: kept units × 1/(1−p)
        assert np.array_equal(m.last["x"][l + 1] == 0, dropped)  # tanh is 0 only if dropped
        assert np.array_equal(m.last["x_err"][l + 1] == 0, dropped)
    m.step(x, t, 0.1)
    assert not np.array_equal(m.last["masks"][0], masks[0])  # a fresh mask per step


def test_frozen_trains_only_the_output_layer():
    W, F, x, t = tiny()
    W0 = [w.copy() for w in W]
    m = METHODS["frozen"](W, StepOptions(activation="relu"), np.random.default_rng(0))
    for _ in range(3):
        m.step(x, t, 0.5)
    assert all(np.array_equal(a, b) for a, b in zip(m.W[:-1], W0[:-1]))
    assert not np.array_equal(m.W[-1], W0[-1])


def test_bp_modulated_without_modulation_is_bp():
    W, F, x, t = tiny()
    opts = StepOptions(activation="tanh")
    a = METHODS["bp"]([w.copy() for w in W], opts, np.random.default_rng(0))
    b = METHODS["bp_modulated"]([w.copy() for w in W], opts, np.random.default_rng(0),
                                feedback=np.zeros_like(F))
    c = METHODS["bp_modulated"]([w.copy() for w in W], opts, np.random.default_rng(0),
                                feedback=F)
    for _ in range(2):
        a.step(x, t, 0.1), b.step(x, t, 0.1), c.step(x, t, 0.1)
    assert all(np.allclose(p, q, atol=1e-7) for p, q in zip(a.W, b.W))
    assert not all(np.allclose(p, q, atol=1e-4) for p, q in zip(a.W, c.W))


@pytest.mark.parametrize("fused", [True, False])
def test_momentum_kernel_both_paths_match_float64(fused, monkeypatch):
    from emulator.training import kernels

    if fused and not kernels.fused_available():
        pytest.skip("numpy's BLAS sgemm not reachable on this platform")
    if not fused:
        monkeypatch.setitem(kernels._found, "sgemm", None)
    rng = np.random.default_rng(1)
    W = rng.standard_normal((300, 200)).astype(np.float32)
    V = rng.standard_normal((300, 200)).astype(np.float32)
    D = rng.standard_normal((300, 16)).astype(np.float32)
    X = rng.standard_normal((200, 16)).astype(np.float32)
    v_want = 0.9 * V.astype(np.float64) + 0.01 * D.astype(np.float64) @ X.T.astype(np.float64)
    w_want = W - v_want
    kernels.momentum_update(W, V, D, X, 0.01, 0.9, np.empty_like(W), np.empty_like(D))
    np.testing.assert_allclose(V, v_want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(W, w_want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", ["tpfp", "bp", "frozen", "bp_modulated"])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_dense_fast_path_equals_the_general_net_path(method, dropout):
    """One method interface: a dense net through the buffered fast path (with TPFP's
    first-layer reuse) and through the general Net forward used by conv models give the
    same updates and draw the same dropout masks."""
    W, F, x, t = tiny()
    opts = StepOptions(activation="tanh", dropout=dropout, output_error="pass2")
    fast = METHODS[method]([w.copy() for w in W], opts, np.random.default_rng(3), feedback=F)
    general = METHODS[method]([w.copy() for w in W], opts, np.random.default_rng(3),
                              feedback=F)
    general.fast = False
    for _ in range(3):
        g1 = fast.step(x, t, 0.2)
        g2 = general.step(x, t, 0.2)
        np.testing.assert_allclose(g1, g2, rtol=1e-5, atol=1e-6)
    for a, b, w0 in zip(fast.W, general.W, W):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert not np.array_equal(fast.W[-1], W[-1])


def test_fused_sgemm_is_looked_up_on_first_use_not_at_import():
    import subprocess
    import sys

    code = ("import emulator.training as t, emulator.training.kernels as k; "
            "print(k._found['sgemm'] is k._UNSET); k.fused_available(); "
            "print(k._found['sgemm'] is k._UNSET)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "False"]
