"""Device-memory accounting of the stand-in: live device arrays' bytes, their peak, an optional capacity."""

from __future__ import annotations

import weakref

import numpy as np

_live: dict[int, int] = {}
_state = {"used": 0, "peak": 0, "capacity": None, "pinned": 0}


def used_bytes() -> int:
    """Bytes of device arrays alive now."""
    return _state["used"]


def peak_bytes() -> int:
    """Most bytes alive at once since the last ``reset_peak()``."""
    return _state["peak"]


def reset_peak() -> None:
    """Start measuring the peak from the bytes alive now."""
    _state["peak"] = _state["used"]


def set_capacity(nbytes: int | None) -> None:
    """Pretend the card has ``nbytes`` of memory (None: the host's available memory)."""
    _state["capacity"] = nbytes


def capacity() -> int | None:
    """The capacity set, or None."""
    return _state["capacity"]


def reserve(nbytes: int) -> None:
    """Raise CuPy's ``OutOfMemoryError`` when ``nbytes`` more do not fit the capacity."""
    limit = _state["capacity"]
    if limit is not None and _state["used"] + nbytes > limit:
        from .cuda.memory_errors import OutOfMemoryError

        raise OutOfMemoryError(nbytes, _state["used"])


def _release(key: int, nbytes: int) -> None:
    if _live.pop(key, None) is not None:
        _state["used"] -= nbytes


def track(array: np.ndarray) -> None:
    """Count the memory under ``array`` (its root owner) once, until that owner is freed."""
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    key = id(root)
    if key in _live:
        return
    _live[key] = root.nbytes
    _state["used"] += root.nbytes
    _state["peak"] = max(_state["peak"], _state["used"])
    weakref.finalize(root, _release, key, root.nbytes)


def count_pinned(nbytes: int) -> None:
    """Record an allocation of page-locked host memory (``cupy.cuda.alloc_pinned_memory``)."""
    _state["pinned"] += nbytes


def pinned_bytes() -> int:
    """Page-locked host bytes allocated so far in this process."""
    return _state["pinned"]
