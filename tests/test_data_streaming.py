"""Large data streamed in batches: IDX files (memory-mapped or gzipped) and ``.npz`` files
keep their uint8 pixels and convert a batch at a time, giving exactly the float32 rows
the whole-array conversion gives; training on them gives the same numbers; bad files
end the CLI with exit 2 and a message naming the file and where."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from emulator.cli.main import main
from emulator.data import Dataset, Rows, load_dataset, read_idx
from emulator.training import train
from test_data import idx_bytes, write_mnist


def in_memory(images: np.ndarray) -> np.ndarray:
    """The conversion the loader made before streaming: whole array, float64, float32."""
    return np.ascontiguousarray(images.reshape(images.shape[0], -1) / 255.0,
                                dtype=np.float32)


def write_npz(path, files, compressed=False):
    save = np.savez_compressed if compressed else np.savez
    save(path, x_train=files[("train", "images")], y_train=files[("train", "labels")],
         x_test=files[("t10k", "images")], y_test=files[("t10k", "labels")])


def sources(tmp_path, n_train=300, n_test=50):
    files = write_mnist(tmp_path, n_train=n_train, n_test=n_test, size=6, seed=3)
    gz = tmp_path / "gz"
    gz.mkdir()
    write_mnist(gz, n_train=n_train, n_test=n_test, size=6, seed=3, gz=True)
    write_npz(tmp_path / "plain.npz", files)
    write_npz(tmp_path / "packed.npz", files, compressed=True)
    return files, {"idx": f"mnist:{tmp_path}", "idx.gz": f"mnist:{gz}",
                   "npz": f"npz:{tmp_path / 'plain.npz'}",
                   "npz (compressed)": f"npz:{tmp_path / 'packed.npz'}"}


def test_batches_equal_the_in_memory_path(tmp_path):
    files, specs = sources(tmp_path)
    want_tr = in_memory(files[("train", "images")])
    want_te = in_memory(files[("t10k", "images")])
    rng = np.random.default_rng(0)
    for label, spec in specs.items():
        d = load_dataset(spec)
        assert isinstance(d.X_train, Rows) and d.X_train.raw.dtype == np.uint8, label
        assert d.X_train.shape == want_tr.shape and d.n_features == 36
        if label == "idx":
            assert isinstance(d.X_train.raw, np.memmap)  # pixels stay in the file
        for _ in range(5):
            idx = rng.permutation(len(want_tr))[:64]
            out = np.empty((64, 36), np.float32)
            got = d.X_train.take(idx, axis=0, out=out)
            assert got is out and np.array_equal(got, want_tr[idx]), label
            assert np.array_equal(d.X_train[idx], want_tr[idx])
        assert np.array_equal(d.X_train[10:75], want_tr[10:75])
        assert np.array_equal(np.asarray(d.X_test), want_te)
        assert np.array_equal(d.y_train, files[("train", "labels")])
        assert d.n_classes == 10


def test_training_on_streamed_data_gives_the_same_numbers(tmp_path):
    files, specs = sources(tmp_path, n_train=200, n_test=40)
    d = load_dataset(specs["idx"])
    dense = Dataset("dense", in_memory(files[("train", "images")]), d.y_train,
                    in_memory(files[("t10k", "images")]), d.y_test, 10)
    runs = [train(data, layers=[36, 12, 10], epochs=3, batch=32, seed=5, progress=False)
            for data in (d, dense, load_dataset(specs["npz (compressed)"]))]
    for h in runs[1:]:
        assert h.train_loss_per_epoch == runs[0].train_loss_per_epoch
        assert h.test_accuracy_per_epoch == runs[0].test_accuracy_per_epoch
        for a, b in zip(h.weights, runs[0].weights):
            assert np.array_equal(a, b)


def test_small_sets_stay_arrays():
    d = load_dataset("digits", 1)
    assert type(d.X_train) is np.ndarray and d.X_train.dtype == np.float32


def test_rows_reads_like_an_array():
    raw = np.arange(12, dtype=np.uint8).reshape(3, 4)
    r = Rows(raw, 255.0)
    assert len(r) == 3 and r.shape == (3, 4) and r.dtype == np.float32 and r.ndim == 2
    assert np.array_equal(r * 255, np.asarray(r) * 255) and r.max() == np.float32(11 / 255)
    f = Rows(np.array([[1.0, -4.0]], np.float32), 4.0)
    assert np.array_equal(f[0:1], [[0.25, -1.0]])
    import pickle

    assert np.array_equal(np.asarray(pickle.loads(pickle.dumps(r))), np.asarray(r))


def bad_idx(tmp_path, name, raw):
    write_mnist(tmp_path)
    (tmp_path / name).write_bytes(raw)
    return f"mnist:{tmp_path}", str(tmp_path / name)


def case_truncated(tmp_path):
    raw = idx_bytes(np.zeros((20, 4, 4), np.uint8))[:-5]
    return (*bad_idx(tmp_path, "train-images-idx3-ubyte", raw), "truncated")


def case_magic(tmp_path):
    raw = b"\x08\x00" + idx_bytes(np.zeros((20, 4, 4), np.uint8))[2:]
    return (*bad_idx(tmp_path, "train-images-idx3-ubyte", raw), "bad magic")


def case_truncated_gz(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((10, 4, 4), np.uint8))[:-1]))
    return f"mnist:{tmp_path}", str(path), "truncated"


def case_nan_idx(tmp_path):
    images = np.zeros((20, 4, 4), np.float32)
    images[7, 1, 2] = np.nan
    spec, file = bad_idx(tmp_path, "train-images-idx3-ubyte", idx_bytes(images, 0x0D))
    return spec, file, "sample 7 at feature 6"


def case_npz_missing(tmp_path):
    np.savez(tmp_path / "d.npz", x_train=np.zeros((4, 3), np.uint8), y_train=np.zeros(4, int))
    return f"npz:{tmp_path / 'd.npz'}", str(tmp_path / "d.npz"), "missing key(s) x_test, y_test"


def case_npz_nan(tmp_path):
    x = np.zeros((6, 5))
    x[4, 3] = np.inf
    np.savez(tmp_path / "d.npz", x_train=x, y_train=np.arange(6) % 2, x_test=x[:2],
             y_test=np.arange(2))
    return f"npz:{tmp_path / 'd.npz'}", str(tmp_path / "d.npz"), "x_train: 1 value(s)"


def case_npz_not_zip(tmp_path):
    (tmp_path / "d.npz").write_bytes(b"PK\x03\x04 not really a zip")
    return f"npz:{tmp_path / 'd.npz'}", str(tmp_path / "d.npz"), "not a readable .npz"


def case_npz_absent(tmp_path):
    return f"npz:{tmp_path / 'none.npz'}", str(tmp_path / "none.npz"), "file not found"


@pytest.mark.parametrize("case", [case_truncated, case_magic, case_truncated_gz, case_nan_idx,
                                  case_npz_missing, case_npz_nan, case_npz_not_zip,
                                  case_npz_absent])
def test_bad_files_exit_2_naming_file_and_place(case, tmp_path, capsys):
    spec, file, words = case(tmp_path)
    rc = main(["train", "--quiet", "--data", spec, "--layers", "16,8,10", "--epochs", "1"])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert file in err and words in err


def test_open_idx_equals_read_idx(tmp_path):
    from emulator.data import open_idx

    a = np.arange(2 * 3 * 5, dtype=np.uint8).reshape(2, 3, 5)
    (tmp_path / "a").write_bytes(idx_bytes(a))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(a)))
    for p in ("a", "a.gz"):
        assert np.array_equal(open_idx(tmp_path / p), read_idx(tmp_path / p))
