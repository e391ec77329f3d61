"""Reader for the IDX format of the MNIST files (``train-images-idx3-ubyte`` etc.).

Layout (all integers big-endian)::

    bytes 0-1   zero
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4·d bytes   the size of each dimension (uint32)
    the data    prod(sizes) elements, row-major

A file may be gzipped (recognised by its first two bytes, not its name).  Every defect
(missing file, wrong magic, truncated or over-long data) is a :class:`DataError` naming
the file.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from components.errors import DataError, Problem

IDX_TYPES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def _fail(path, message, hint=None):
    raise DataError(Problem(message, file=str(path), hint=hint))


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        _fail(path, "file not found")
    except IsADirectoryError:
        _fail(path, "is a folder, expected an IDX file")
    except OSError as exc:
        _fail(path, f"cannot read: {exc.strerror or exc}")
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            _fail(path, f"corrupt gzip data: {exc}")
    return raw


def _layout(head: bytes, size: int, name) -> tuple[np.dtype, tuple, int]:
    """(element type, shape, data offset) from the first bytes of an IDX file of ``size``
    bytes; every defect a DataError naming the file."""
    if size < 4:
        _fail(name, f"too short for an IDX header ({size} bytes)")
    if head[0] != 0 or head[1] != 0:
        _fail(name, f"bad magic number 0x{head[:4].hex()}: an IDX file starts with two zero "
                    "bytes", hint="is this an IDX file (train-images-idx3-ubyte etc.)?")
    code, ndim = head[2], head[3]
    if code not in IDX_TYPES:
        _fail(name, f"bad magic number 0x{head[:4].hex()}: unknown element type 0x{code:02x}",
              hint="known types: " + ", ".join(f"0x{c:02x}" for c in IDX_TYPES))
    if ndim < 1:
        _fail(name, "magic number declares 0 dimensions")
    header = 4 + 4 * ndim
    if size < header:
        _fail(name, f"header declares {ndim} dimensions but the file ends after "
                    f"{size} bytes")
    shape = tuple(int(s) for s in np.frombuffer(head, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = size - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing data"
        _fail(name, f"{what}: shape {shape} of {dtype.name} needs {expected} data bytes, "
                    f"found {got}")
    return dtype, shape, header


def parse_idx(raw: bytes, name: str | os.PathLike = "<bytes>") -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file into a native-endian array."""
    dtype, shape, header = _layout(raw[:4 + 4 * 255], len(raw), name)
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a numpy array."""
    path = Path(path)
    return parse_idx(_read_bytes(path), path)


def open_idx(path: str | os.PathLike) -> np.ndarray:
    """One IDX file as a read-only array without copies where the bytes allow: an
    uncompressed uint8 file is memory-mapped (the pages are read as batches touch
    them), a gzipped one decompressed once and viewed in place; other element types
    as :func:`read_idx`.  Same checks and messages as :func:`read_idx`."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4 + 4 * 255)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return read_idx(path)  # words the error
    if head[:2] == _GZIP_MAGIC:
        raw = _read_bytes(path)
        dtype, shape, header = _layout(raw[:4 + 4 * 255], len(raw), path)
        if dtype.itemsize != 1:
            return parse_idx(raw, path)
        return np.frombuffer(raw, dtype=dtype.newbyteorder("="), offset=header).reshape(shape)
    dtype, shape, header = _layout(head, size, path)
    if dtype != np.dtype(">u1") or 0 in shape:
        return read_idx(path)
    return np.memmap(path, dtype=np.uint8, mode="r", offset=header, shape=shape)
