"""Data sets for training: one entry, :func:`load_dataset`, and an IDX reader."""

from .datasets import DATASETS, Dataset, load_dataset, stratified_split
from .idx import open_idx, parse_idx, read_idx
from .rows import Rows

__all__ = ["DATASETS", "Dataset", "Rows", "load_dataset", "open_idx", "parse_idx", "read_idx",
           "stratified_split"]
