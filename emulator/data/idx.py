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


def parse_idx(raw: bytes, name: str | os.PathLike = "<bytes>") -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file into a native-endian array."""
    if len(raw) < 4:
        _fail(name, f"too short for an IDX header ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0:
        _fail(name, f"bad magic number 0x{raw[:4].hex()}: an IDX file starts with two zero "
                    "bytes", hint="is this an IDX file (train-images-idx3-ubyte etc.)?")
    code, ndim = raw[2], raw[3]
    if code not in IDX_TYPES:
        _fail(name, f"bad magic number 0x{raw[:4].hex()}: unknown element type 0x{code:02x}",
              hint="known types: " + ", ".join(f"0x{c:02x}" for c in IDX_TYPES))
    if ndim < 1:
        _fail(name, "magic number declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        _fail(name, f"header declares {ndim} dimensions but the file ends after "
                    f"{len(raw)} bytes")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing data"
        _fail(name, f"{what}: shape {shape} of {dtype.name} needs {expected} data bytes, "
                    f"found {got}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a numpy array."""
    path = Path(path)
    return parse_idx(_read_bytes(path), path)
