"""Refuse request JSON that no schema bounds: too deep, NUL characters, long strings, non-finite numbers.

Checked on the parsed body before the schema, so that what the schema lets
through anywhere (free-form headers) cannot hurt the server later: a header
nested hundreds deep made the API fail with a RecursionError, a NUL
character or an over-long ``qobj_id`` made PostgreSQL refuse the insert, and
``NaN`` is not JSON at all (Python's parser accepts it).
"""

from __future__ import annotations

import math
from typing import Any

from ..exceptions import Rejection

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects; a Qobj itself needs about 12 (a unitary's matrix entries)."""

MAX_STRING = 4096
"""Longest string, in characters; names, labels and header values are far shorter."""


def check_json_shape(data: Any) -> None:
    """Raise ``Rejection`` naming the first value that is too deep, not finite, or a string that cannot be stored."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise Rejection(f"nested more than {MAX_DEPTH} levels deep", path or None, MAX_DEPTH)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    _check_string(key, child)
                stack.append((item, child, depth + 1))
        elif isinstance(value, str):
            _check_string(value, path)
        elif isinstance(value, float) and not math.isfinite(value):
            raise Rejection(f"{value} is not a finite number (NaN and Infinity are not JSON)", path or None)


def _check_string(text: str, path: str) -> None:
    if "\x00" in text:
        raise Rejection("contains a NUL character", path or None)
    if len(text) > MAX_STRING:
        raise Rejection(
            f"a string of {len(text)} characters is over this server's limit of {MAX_STRING}", path or None, MAX_STRING
        )
