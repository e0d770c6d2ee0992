"""The job server's result format (``gpuq.models.result_wire``): exact arrays, the same JSON, any piece size."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gpuq.models.result import ExperimentResult, ExperimentResultData, Result
from gpuq.models.result_wire import decode, encode, json_pieces


def _random_complex(rng: np.random.Generator, shape: tuple[int, ...], dtype) -> np.ndarray:
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _result(dtype) -> Result:
    rng = np.random.default_rng(19)
    with_arrays = ExperimentResultData(
        counts={"0x0": 3, "0x5": 5},
        statevector=_random_complex(rng, (1 << 10,), dtype),
        unitary=_random_complex(rng, (8, 8), dtype),
        expectation_values=_random_complex(rng, (3,), dtype),
    )
    return Result(
        backend_name="statevector_simulator",
        job_id="j",
        results=[
            ExperimentResult(shots=8, data=with_arrays, metadata={"precision": str(np.dtype(dtype))}),
            ExperimentResult(shots=4, data=ExperimentResultData(counts={"0x1": 4})),  # no arrays
            ExperimentResult(data=ExperimentResultData(statevector=_random_complex(rng, (2,), dtype))),
        ],
    )


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("piece_bytes", [7, 1000, 1 << 20])
def test_arrays_come_back_bit_for_bit_and_json_is_the_same(dtype, piece_bytes):
    result = _result(dtype)
    pieces = list(encode(result, piece_bytes))
    assert all(len(piece) == piece_bytes for piece in pieces[:-1]) and 0 < len(pieces[-1]) <= piece_bytes
    back = decode(pieces)
    for original, copy in zip(result.results, back.results):
        for name in ("statevector", "unitary", "expectation_values", "gradients"):
            a, b = getattr(original.data, name), getattr(copy.data, name)
            assert (a is None and b is None) or (b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b))
        assert copy.data.counts == original.data.counts and copy.shots == original.shots
    assert back.model_dump(exclude={"results"}) == result.model_dump(exclude={"results"})
    text = b"".join(json_pieces(iter(pieces)))
    assert json.loads(text) == json.loads(result.model_dump_json())


def test_binary_is_smaller_than_json_for_a_statevector():
    result = _result(np.complex128)
    assert sum(map(len, encode(result))) < len(result.model_dump_json()) / 2


def test_anything_else_is_refused_with_a_reason():
    pieces = list(encode(_result(np.complex128), 100))
    with pytest.raises(ValueError, match="truncated"):
        decode(pieces[:-3])
    with pytest.raises(ValueError, match="not a gpuq result"):
        decode([b'{"backend_name": "x"}'])
    with pytest.raises(ValueError, match="not a gpuq result"):
        list(json_pieces([b"x\x9c" + b"\x00" * 20]))
