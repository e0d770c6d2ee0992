"""The stand-in's ``cupy`` module: device arrays on NumPy and the functions gpuq calls.

Functions refuse plain NumPy arrays (host memory) as CuPy does, except the
ones that copy host data to the device (``asarray``, ``array``).
"""

from __future__ import annotations

import numpy as np

from . import cuda, memory, random  # noqa: F401  (cupy.cuda, cupy.random)
from .raw import RawModule  # noqa: F401

float32, float64, int32, int64, uint64 = np.float32, np.float64, np.int32, np.int64, np.uint64
complex64, complex128 = np.complex64, np.complex128


class ndarray(np.ndarray):
    """A "device" array: NumPy memory counted by ``gpu_standin.memory``."""

    def __array_finalize__(self, obj) -> None:
        memory.track(self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        _refuse_host(inputs + (out or ()))
        plain = [np.asarray(x) if isinstance(x, ndarray) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(np.asarray(x) for x in out)
            getattr(ufunc, method)(*plain, **kwargs)
            return out[0] if len(out) == 1 else out
        return _device(getattr(ufunc, method)(*plain, **kwargs))

    def get(self, out: np.ndarray | None = None) -> np.ndarray:
        """Copy to a host NumPy array (into ``out``, of the same shape, when given)."""
        if out is None:
            return np.array(self, copy=True, subok=False)
        if out.shape != self.shape or not out.flags.c_contiguous or isinstance(out, ndarray):
            raise ValueError("out must be a contiguous host array of the same shape")
        out[...] = np.asarray(self)
        return out

    def set(self, array: np.ndarray) -> None:
        """Copy a host array of the same shape into this contiguous device array."""
        if array.shape != self.shape or not self.flags.c_contiguous or isinstance(array, ndarray):
            raise ValueError("set needs a contiguous device array and a host array of the same shape")
        np.asarray(self)[...] = array

    def copy(self, order: str = "C") -> ndarray:
        memory.reserve(self.nbytes)
        return super().copy(order)

    def __array_function__(self, func, types, args, kwargs):
        _refuse_host(args)
        return _device(super().__array_function__(func, types, args, kwargs))


def _refuse_host(values) -> None:
    """CuPy raises TypeError for NumPy arrays where it expects device arrays."""
    for value in values:
        if isinstance(value, (list, tuple)):
            _refuse_host(value)
        elif isinstance(value, np.ndarray) and not isinstance(value, ndarray) and value.ndim > 0:
            raise TypeError(f"Unsupported type {type(value)}: a host array where a device array is needed")


def _device(result):
    """NumPy results as device arrays (scalars as 0-d device arrays, as CuPy returns them)."""
    if isinstance(result, tuple):
        return tuple(_device(r) for r in result)
    if isinstance(result, np.ndarray) and not isinstance(result, ndarray):
        return result.view(ndarray)
    if isinstance(result, np.generic):
        return np.asarray(result).view(ndarray)
    return result


def _new(array: np.ndarray) -> ndarray:
    memory.reserve(array.nbytes)
    return array.view(ndarray)


def zeros(shape, dtype=float) -> ndarray:
    memory.reserve(np.dtype(dtype).itemsize * int(np.prod(shape)))
    return np.zeros(shape, dtype=dtype).view(ndarray)


def empty(shape, dtype=float) -> ndarray:
    memory.reserve(np.dtype(dtype).itemsize * int(np.prod(shape)))
    return np.empty(shape, dtype=dtype).view(ndarray)


def empty_like(array, dtype=None) -> ndarray:
    _refuse_host((array,))
    return empty(array.shape, dtype or array.dtype)


def array(obj, dtype=None, copy=True) -> ndarray:
    """Copy host (or device) data to a new device array."""
    return _new(np.array(obj, dtype=dtype, copy=True, subok=False))


def asarray(obj, dtype=None) -> ndarray:
    """A device array of ``obj``: the same array when it already is one of that dtype."""
    if isinstance(obj, ndarray) and (dtype is None or obj.dtype == np.dtype(dtype)):
        return obj
    return array(obj, dtype=dtype)


def asnumpy(obj) -> np.ndarray:
    """Copy to the host."""
    return obj.get() if isinstance(obj, ndarray) else np.asarray(obj)


def arange(*args, dtype=None) -> ndarray:
    return _new(np.arange(*args, dtype=dtype))


def _wrap(name: str):
    function = getattr(np, name)

    def call(*args, **kwargs):
        _refuse_host(args)
        _refuse_host(tuple(kwargs.values()))
        return _device(function(*args, **kwargs))

    call.__name__ = name
    call.__doc__ = f"numpy.{name} on device arrays."
    return call


sum = _wrap("sum")
cumsum = _wrap("cumsum")
searchsorted = _wrap("searchsorted")
minimum = _wrap("minimum")
argsort = _wrap("argsort")
sort = _wrap("sort")
unique = _wrap("unique")
conj = _wrap("conj")
vdot = _wrap("vdot")


def get_default_memory_pool():
    """The memory pool: the stand-in caches nothing, so its free blocks are always 0 bytes."""
    return cuda.memory_errors.POOL
