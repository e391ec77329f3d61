"""Data sets for training: one entry, :func:`load_dataset`, and an IDX reader."""

from .datasets import DATASETS, Dataset, load_dataset, stratified_split
from .idx import parse_idx, read_idx

__all__ = ["DATASETS", "Dataset", "load_dataset", "parse_idx", "read_idx", "stratified_split"]
