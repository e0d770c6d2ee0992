"""A job's Result on the wire and in the job store: compressed, arrays as binary, readable piece by piece.

A statevector in JSON is a list of ``[real, imag]`` pairs: about 45 bytes
per amplitude where 16 are enough, parsed into a Python list before NumPy
sees it. The job server keeps a Result in this format instead::

    zlib stream of:  b"GPUQR1\\n"  |  8-byte little-endian header length  |  header (JSON)  |  arrays

The header is ``{"result": <the Result's JSON with its complex arrays
null>, "arrays": [{"experiment": i, "field": "statevector", "shape": [...],
"dtype": "<c16"}, ...]}`` and the arrays follow in that order, raw
little-endian complex numbers. ``encode`` yields it in compressed pieces of
about ``chunk_bytes``; ``decode`` reads it back into a ``Result``, exactly
(the bytes are the array's own); ``json_pieces`` turns the pieces into the
Result's ordinary JSON text piece by piece, holding at most a piece and one
slice of an array, for clients that ask for JSON.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable, Iterator

import numpy as np

from .result import Result

CONTENT_TYPE = "application/x-gpuq-result"
"""The media type of this format (``Accept`` it to receive it)."""

MAGIC = b"GPUQR1\n"
ARRAY_FIELDS = ("statevector", "unitary", "expectation_values", "gradients")
"""The complex-array fields of ``ExperimentResultData``, sent as binary."""

_SLICE = 1 << 12
"""Array elements converted to JSON at a time."""
_PLACEHOLDER = "\x00gpuq-array-{}\x00"


def encode(result: Result, chunk_bytes: int = 1 << 18) -> Iterator[bytes]:
    """The Result in this format, as compressed pieces of about ``chunk_bytes`` (the last may be shorter)."""
    arrays, described = [], []
    stripped = result.model_copy(deep=False, update={"results": []})
    for index, experiment in enumerate(result.results):
        updates: dict[str, None] = {}
        for name in ARRAY_FIELDS:
            value = getattr(experiment.data, name)
            if value is not None:
                array = np.ascontiguousarray(value)
                if array.dtype not in (np.complex64, np.complex128):
                    array = array.astype(np.complex128)
                array = array.astype(array.dtype.newbyteorder("<"), copy=False)
                arrays.append(array)
                described.append(
                    {"experiment": index, "field": name, "shape": list(array.shape), "dtype": array.dtype.str}
                )
                updates[name] = None
        data = experiment.data.model_copy(update=updates)
        stripped.results.append(experiment.model_copy(update={"data": data}))
    header = json.dumps({"result": json.loads(stripped.model_dump_json()), "arrays": described}).encode()
    compressor = zlib.compressobj(1)
    pending = bytearray()

    def feed(raw: bytes) -> Iterator[bytes]:
        pending.extend(compressor.compress(raw))
        while len(pending) >= chunk_bytes:
            yield bytes(pending[:chunk_bytes])
            del pending[:chunk_bytes]

    yield from feed(MAGIC + struct.pack("<Q", len(header)) + header)
    for array in arrays:
        flat = array.reshape(-1)
        for start in range(0, flat.size, _SLICE):
            yield from feed(flat[start : start + _SLICE].tobytes())
    pending.extend(compressor.flush())
    while pending:
        yield bytes(pending[:chunk_bytes])
        del pending[:chunk_bytes]


class _Stream:
    """Decompressed bytes of the pieces, read exactly ``n`` at a time."""

    def __init__(self, pieces: Iterable[bytes]):
        self._pieces = iter(pieces)
        self._inflate = zlib.decompressobj()
        self._buffer = bytearray()

    def read(self, n: int) -> bytes:
        while len(self._buffer) < n:
            piece = next(self._pieces, None)
            if piece is None:
                self._buffer.extend(self._inflate.flush())
                if len(self._buffer) < n:
                    raise ValueError("the result ends early: it is truncated")
                break
            try:
                self._buffer.extend(self._inflate.decompress(piece))
            except zlib.error as exc:
                raise ValueError(f"not a gpuq result: {exc}") from exc
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        return out

    def header(self) -> dict:
        if self.read(len(MAGIC)) != MAGIC:
            raise ValueError("not a gpuq result: its first bytes are not the format's")
        (length,) = struct.unpack("<Q", self.read(8))
        return json.loads(self.read(length))


def decode(pieces: Iterable[bytes]) -> Result:
    """The Result held by the pieces of ``encode`` (raises ValueError for anything else)."""
    stream = _Stream(pieces)
    header = stream.header()
    result = Result.model_validate(header["result"])
    for entry in header["arrays"]:
        dtype = np.dtype(entry["dtype"])
        count = int(np.prod(entry["shape"], dtype=np.int64))
        array = np.frombuffer(stream.read(count * dtype.itemsize), dtype=dtype).reshape(entry["shape"])
        setattr(result.results[entry["experiment"]].data, entry["field"], array.astype(dtype.newbyteorder("=")))
    return result


def json_pieces(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The Result's JSON text (as ``Result.model_dump_json`` gives it), piece by piece, from ``encode``'s pieces."""
    stream = _Stream(pieces)
    header = stream.header()
    document = header["result"]
    for number, entry in enumerate(header["arrays"]):
        document["results"][entry["experiment"]]["data"][entry["field"]] = _PLACEHOLDER.format(number)
    text = json.dumps(document, separators=(",", ":"))
    for number, entry in enumerate(header["arrays"]):
        marker = json.dumps(_PLACEHOLDER.format(number))
        before, text = text.split(marker, 1)
        yield before.encode()
        yield from _array_json(stream, entry)
    yield text.encode()


def _array_json(stream: _Stream, entry: dict) -> Iterator[bytes]:
    """One array as nested lists of ``[real, imag]`` pairs, read and written a slice at a time."""
    dtype, shape = np.dtype(entry["dtype"]), entry["shape"]
    if not shape:
        value = np.frombuffer(stream.read(dtype.itemsize), dtype=dtype)[0]
        yield json.dumps([float(value.real), float(value.imag)]).encode()
        return
    inner = int(np.prod(shape[1:], dtype=np.int64))
    rows_per_slice = max(1, _SLICE // max(inner, 1))
    yield b"["
    for start in range(0, shape[0], rows_per_slice):
        rows = min(rows_per_slice, shape[0] - start)
        block = np.frombuffer(stream.read(rows * inner * dtype.itemsize), dtype=dtype).reshape([rows, *shape[1:]])
        pairs = np.stack([block.real, block.imag], axis=-1).astype(float).tolist()
        text = json.dumps(pairs, separators=(",", ":"))[1:-1]
        yield (b"," if start else b"") + text.encode()
    yield b"]"
