"""A pydantic field type for complex NumPy arrays.

Inside a process the array stays a NumPy array (no copy, no conversion); on
the wire it is nested lists whose innermost elements are ``[real, imag]``
pairs, so a statevector or a unitary survives a JSON round trip exactly.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema


def _to_array(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        if not np.iscomplexobj(value):
            value = value.astype(complex)
        return value
    pairs = np.asarray(value, dtype=float)
    if pairs.ndim < 1 or pairs.shape[-1] != 2:
        raise ValueError("expected nested lists of [real, imag] pairs")
    return pairs[..., 0] + 1j * pairs[..., 1]


def _to_pairs(array: np.ndarray) -> list:
    return np.stack([array.real, array.imag], axis=-1).astype(float).tolist()


ComplexArray = Annotated[
    np.ndarray,
    PlainValidator(_to_array),
    PlainSerializer(_to_pairs, when_used="json"),
    WithJsonSchema({"type": "array", "description": "nested lists of [real, imag] pairs"}),
]
"""A complex array field: NumPy in memory, ``[real, imag]`` pairs in JSON."""
