"""The optical CNN's operations and update rules, checked against computations written here
with plain loops (one position, one column, one image at a time, in float64)."""

from __future__ import annotations

import ast
import inspect
import math

import numpy as np
import pytest

from emulator.conv.im2col import col2im, cut_columns, im2col, pool, unpool
from emulator.conv.network import column_strip, patch_conv
from emulator.training.methods import METHODS, StepOptions
from emulator.training.methods import tpfp as conv_tpfp_module
from emulator.training.net import as_map, feedback_matrix, forward, init_weights

ACT = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "square": lambda z: z * z,
       "identity": lambda z: z, "saturable": lambda z: z * np.sqrt(1 - 0.9 / (1 + z * z))}


def method(name, net, W, feedback=None, **opts):
    """The one method interface, on a conv or strip net."""
    return METHODS[name](W, StepOptions(**opts), feedback=feedback, net=net)


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def onehot(rng, n, b):
    t = np.zeros((n, b), np.float32)
    t[rng.integers(0, n, b), np.arange(b)] = 1
    return t


# --------------------------------------------------------------------- loop references
def loop_conv(x, W, k, stride, padding):
    """Direct convolution (cross-correlation) of one (C, H, W) image with W (C_out, C·k·k),
    patch entries ordered (channel, row, column): returns (C_out, Ho, Wo)."""
    c, h, w = x.shape
    xp = np.zeros((c, h + 2 * padding, w + 2 * padding))
    xp[:, padding:padding + h, padding:padding + w] = x
    ho = (h + 2 * padding - k) // stride + 1
    wo = (w + 2 * padding - k) // stride + 1
    out = np.zeros((W.shape[0], ho, wo))
    for o in range(W.shape[0]):
        for i in range(ho):
            for j in range(wo):
                acc = 0.0
                for ch in range(c):
                    for a in range(k):
                        for b in range(k):
                            acc += W[o, ch * k * k + a * k + b] * xp[ch, i * stride + a,
                                                                      j * stride + b]
                out[o, i, j] = acc
    return out


def loop_patches(img, k, stride, padding):
    """[(position (i, j), flattened patch)] of one (C, H, W) image, row by row."""
    c, h, w = img.shape
    xp = np.zeros((c, h + 2 * padding, w + 2 * padding))
    xp[:, padding:padding + h, padding:padding + w] = img
    ho = (h + 2 * padding - k) // stride + 1
    wo = (w + 2 * padding - k) // stride + 1
    return [((i, j), xp[:, i * stride:i * stride + k, j * stride:j * stride + k].ravel())
            for i in range(ho) for j in range(wo)], (ho, wo)


@pytest.mark.parametrize("k,stride,padding", [(3, 1, 0), (3, 2, 1), (2, 1, 1), (4, 3, 2)])
def test_im2col_product_equals_a_direct_loop_convolution(k, stride, padding):
    rng = np.random.default_rng(k * 10 + stride)
    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)  # (C, H, W, B)
    W = rng.standard_normal((3, 2 * k * k)).astype(np.float32)
    cols = im2col(x, k, stride, padding)
    got = (W @ cols)
    for b in range(3):
        want = loop_conv(x[..., b].astype(np.float64), W.astype(np.float64), k, stride,
                         padding)
        ho, wo = want.shape[1:]
        np.testing.assert_allclose(got.reshape(3, ho, wo, 3)[..., b], want, rtol=1e-5,
                                   atol=1e-5)


@pytest.mark.parametrize("k,stride,padding", [(3, 1, 0), (3, 2, 1), (2, 2, 0)])
def test_col2im_is_the_adjoint_of_im2col(k, stride, padding):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 7, 7, 4))
    cols = im2col(x, k, stride, padding)
    g = rng.standard_normal(cols.shape)
    lhs = float((cols * g).sum())
    rhs = float((x * col2im(g, x.shape, k, stride, padding)).sum())
    assert lhs == pytest.approx(rhs, rel=1e-10)


@pytest.mark.parametrize("mode", ["avg", "max"])
def test_pooling_equals_loops_and_unpool_is_its_adjoint(mode):
    rng = np.random.default_rng(4)
    h = rng.standard_normal((3, 9, 8, 2))  # 9x8 with p=4 -> 2x2, the border is dropped
    pooled = pool(h, 4, mode)
    assert pooled.shape == (3, 2, 2, 2)
    red = np.mean if mode == "avg" else np.max
    for c in range(3):
        for i in range(2):
            for j in range(2):
                for b in range(2):
                    assert pooled[c, i, j, b] == pytest.approx(
                        red(h[c, 4 * i:4 * i + 4, 4 * j:4 * j + 4, b]))
    g = rng.standard_normal(pooled.shape)
    up = unpool(g, h, 4, mode)
    assert np.all(up[:, 8:] == 0)  # the dropped border gets no gradient
    if mode == "avg":  # linear: the adjoint identity holds exactly
        assert float((pooled * g).sum()) == pytest.approx(float((h * up).sum()))
    else:  # max: the gradient goes to each window's maximum
        assert float((pooled * g).sum()) == pytest.approx(float((h * up).sum()))
        assert np.count_nonzero(up) == g.size


def test_cut_columns_gives_each_image_column():
    img = np.arange(2 * 5 * 4, dtype=np.float32).reshape(5, 4, 2)  # (H, W, B)
    cols = cut_columns(img[None])
    assert cols.shape == (4, 5, 2)
    for j in range(4):
        np.testing.assert_array_equal(cols[j], img[:, j, :])


# --------------------------------------------------------------------- TPFP by hand
def tiny_conv(stride=1, padding=0, pool_size=2, pool_mode="avg", seed=0):
    """1×6×6 images, one conv layer (k=3, 2 channels), pooling, a 3-class head."""
    net = patch_conv((1, 6, 6), 3, [3], [2], [stride], [padding], [pool_size], pool_mode)
    rng = np.random.default_rng(seed)
    W = init_weights(net, rng)
    F = feedback_matrix(36, 3, 0.5, rng)  # large s: a visible modulation
    x = rng.random((36, 5), dtype=np.float32)
    return net, W, F, x, onehot(rng, 3, 5)


def hand_tpfp_conv(net, W, F, x, t, act, norm):
    """ΔW of the TPFP conv rule with loops over images and positions (float64)."""
    f = ACT[act]
    conv, head = net.layers
    k, s, p, q = conv.kernel, conv.stride, conv.padding, conv.pool
    Wc, Wh = W[0].astype(np.float64), W[1].astype(np.float64)
    dWc, dWh = np.zeros_like(Wc), np.zeros_like(Wh)
    B = x.shape[1]
    for b in range(B):
        def run(img):
            patches, (ho, wo) = loop_patches(img.reshape(1, 6, 6), k, s, p)
            h = np.zeros((conv.channels, ho, wo))
            for (i, j), patch in patches:
                h[:, i, j] = f(Wc @ patch)
            hp, wp = ho // q, wo // q
            feat = np.zeros((conv.channels, hp, wp))
            for i in range(hp):
                for j in range(wp):
                    feat[:, i, j] = h[:, q * i:q * i + q, q * j:q * j + q].mean(axis=(1, 2))
            return patches, h, feat.ravel()
        _, h1, feat1 = run(x[:, b].astype(np.float64))
        gamma = softmax(Wh @ feat1) - t[:, b]
        xe = x[:, b] + F.astype(np.float64) @ gamma
        patches_e, h2, feat2 = run(xe)
        n = {"sqrt": math.sqrt(len(patches_e)), "mean": len(patches_e), "sum": 1}[norm]
        for (i, j), patch in patches_e:
            dWc += np.outer(h1[:, i, j] - h2[:, i, j], patch) / n
        dWh += np.outer(gamma, feat2)
    return dWc / B, dWh / B


@pytest.mark.parametrize("act", ["square", "relu"])
@pytest.mark.parametrize("norm", ["sqrt", "mean", "sum"])
@pytest.mark.parametrize("geometry", [dict(), dict(stride=2, padding=1, pool_size=1)])
def test_tpfp_conv_update_matches_hand_computation_with_momentum(act, norm, geometry):
    net, W, F, x, t = tiny_conv(**geometry)
    W0 = [w.copy() for w in W]
    lr, gamma = 0.3, 0.9
    m = method("tpfp", net, W, feedback=F, activation=act, momentum=gamma, conv_norm=norm)
    d1 = hand_tpfp_conv(net, W0, F, x, t, act, norm)
    m.step(x, t, lr)
    W1 = [w0 - lr * d for w0, d in zip(W0, d1)]
    for got, want in zip(m.W, W1):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    d2 = hand_tpfp_conv(net, [w.astype(np.float32) for w in W1], F, x, t, act, norm)
    m.step(x, t, lr)
    for got, w1, a, b in zip(m.W, W1, d1, d2):
        np.testing.assert_allclose(got, w1 - (gamma * lr * a + lr * b), rtol=1e-4, atol=1e-5)


def hand_tpfp_strip(Ws, F, x, t, act, side):
    """ΔW of TPFP on a column strip, one image and one column network at a time."""
    f = ACT[act]
    W1, W2, Wh = (w.astype(np.float64) for w in Ws)
    d1, d2, dh = np.zeros_like(W1), np.zeros_like(W2), np.zeros_like(Wh)
    B = x.shape[1]
    for b in range(B):
        def run(img):
            cols = [img.reshape(side, side)[:, j] for j in range(side)]
            hid = [f(W1[j] @ cols[j]) for j in range(side)]
            outs = np.array([(W2[j] @ hid[j])[0] for j in range(side)])  # linear read-out
            return cols, hid, outs
        _, hid1, out1 = run(x[:, b].astype(np.float64))
        g = softmax(Wh @ out1) - t[:, b]
        cols_e, hid2, out2 = run(x[:, b] + F.astype(np.float64) @ g)
        for j in range(side):
            d1[j] += np.outer(hid1[j] - hid2[j], cols_e[j])
            d2[j] += np.outer([out1[j] - out2[j]], hid2[j])
        dh += np.outer(g, out2)
    return d1 / B, d2 / B, dh / B


def test_tpfp_column_strip_update_matches_hand_computation():
    side = 5
    net = column_strip((1, side, side), 3, [4])
    rng = np.random.default_rng(7)
    W = init_weights(net, rng)
    assert [w.shape for w in W] == [(5, 4, 5), (5, 1, 4), (3, 5)]
    F = feedback_matrix(side * side, 3, 0.5, rng)
    x = rng.random((side * side, 6), dtype=np.float32)
    t = onehot(rng, 3, 6)
    W0 = [w.copy() for w in W]
    m = method("tpfp", net, W, feedback=F, activation="tanh", momentum=0.9)
    m.step(x, t, 0.2)
    for got, w0, d in zip(m.W, W0, hand_tpfp_strip(W0, F, x, t, "tanh", side)):
        np.testing.assert_allclose(got, w0 - 0.2 * d, rtol=1e-4, atol=1e-6)


# --------------------------------------------------------------------- no f', no Wᵀ
def test_conv_tpfp_module_source_has_no_derivative_and_no_transpose():
    tree = ast.parse(inspect.getsource(conv_tpfp_module))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names} | {n.module for n in ast.walk(tree)
                                     if isinstance(n, ast.ImportFrom) and n.module}
    words = names | attrs | imported
    assert not any("deriv" in s.lower() for s in words)
    assert not {"T", "transpose", "swapaxes", "moveaxis", "back", "gradients",
                "unfold_adjoint", "fold_adjoint"} & words
    # the forward pass it shares imports no derivative either
    from emulator.conv import im2col as im2col_module, layers, network
    from emulator.training import net as net_module
    from emulator.training.methods import base
    for mod in (network, net_module, base, im2col_module, layers):
        assert "deriv" not in inspect.getsource(mod).lower(), mod.__name__


@pytest.mark.parametrize("kind", ["patch_conv", "column_strip"])
def test_tpfp_runtime_never_transposes_weights_nor_calls_derivatives(no_derivatives, guard, kind):
    rng = np.random.default_rng(2)
    if kind == "patch_conv":
        net = patch_conv((1, 8, 8), 3, [3, 2], [3, 2], [1, 1], [1, 0], [2, 1], "max", [5])
    else:
        net = column_strip((1, 8, 8), 3, [6, 3], [4], readout="activation")
    W = init_weights(net, rng)
    F = feedback_matrix(64, 3, 0.3, rng)
    x = rng.random((64, 4), dtype=np.float32)
    t = onehot(rng, 3, 4)
    plain = [w.copy() for w in W]
    guarded = [guard(w) for w in W]
    for weights in (plain, guarded):
        m = method("tpfp", net, weights, feedback=F, activation="tanh")
        for _ in range(3):
            m.step(x, t, 0.1)
    for a, b, w0 in zip(plain, guarded, W):
        assert np.array_equal(a, np.asarray(b))
        assert not np.array_equal(a, w0)  # every layer learned
    # the guards work: backprop trips them
    with pytest.raises(AssertionError, match="derivative|transposed"):
        method("bp", net, [guard(w) for w in W], activation="tanh").step(x, t, 0.1)


# --------------------------------------------------------------------- bp and frozen
def loss64(net, W, act, x, t):
    p = forward(net, [w.astype(np.float64) for w in W], act,
                as_map(net, x.astype(np.float64)))
    return float(-(t * np.log(p.y)).sum(axis=0).mean())


BP_NETS = {
    "conv2-avg-head": lambda: patch_conv((1, 8, 8), 3, [3, 2], [3, 2], [1, 2], [1, 0],
                                         [2, 1], "avg", [5]),
    "conv-max": lambda: patch_conv((1, 8, 8), 3, [3], [2], [1], [0], [3], "max"),
    "strip-linear": lambda: column_strip((1, 6, 6), 3, [4, 2]),
    "strip-activated": lambda: column_strip((1, 6, 6), 3, [4], readout="activation"),
}


@pytest.mark.parametrize("name", list(BP_NETS))
@pytest.mark.parametrize("act", ["tanh", "square"])
def test_bp_gradient_matches_finite_differences(name, act):
    net = BP_NETS[name]()
    rng = np.random.default_rng(5)
    W = init_weights(net, rng)
    d = int(np.prod(net.image))
    x = rng.random((d, 5), dtype=np.float32)
    t = onehot(rng, 3, 5)
    lr = 1e-2
    m = method("bp", net, [w.copy() for w in W], activation=act, momentum=0.0)
    m.step(x, t, lr)
    W64 = [w.astype(np.float64) for w in W]
    eps = 1e-6
    for l, w in enumerate(W64):
        grad = (W[l].astype(np.float64) - m.W[l]) / lr
        num = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            plus, minus = [v.copy() for v in W64], [v.copy() for v in W64]
            plus[l][idx] += eps
            minus[l][idx] -= eps
            num[idx] = (loss64(net, plus, act, x, t) - loss64(net, minus, act, x, t)) / (2 * eps)
        np.testing.assert_allclose(grad, num, rtol=2e-3, atol=3e-5,
                                   err_msg=f"{name} layer {net.layers[l].name}")


def test_frozen_trains_only_the_output_layer():
    net, W, F, x, t = tiny_conv()
    W0 = [w.copy() for w in W]
    m = method("frozen", net, W, activation="square")
    for _ in range(3):
        m.step(x, t, 0.5)
    assert np.array_equal(m.W[0], W0[0])
    assert not np.array_equal(m.W[-1], W0[-1])
