"""``cupy.RawModule``: the CUDA source given, compiled for the host, launched with strict argument checks.

A launch checks what NVRTC-compiled code would silently misread on a GPU: the
grid and block shapes, the argument count, and each argument's exact type for
its C parameter (``int`` → ``numpy.int32``, ``mask_t`` → ``numpy.uint64``,
``index_t`` → ``numpy.int64``, ``double`` → ``numpy.float64``, pointers → contiguous device arrays of the
entry's element type). The C parameters come from the signature table
``KERNELS``, which ``tests/test_kernel_mirror.py`` checks against the source.
"""

from __future__ import annotations

import hostbuild
import numpy as np

from gpuq.sim.devices.kernel_sources import KERNELS

from .cuda.compiler import CompileException
from .cuda.driver import CUDADriverError

_SCALAR = {"int": np.int32, "mask": np.uint64, "index": np.int64, "double": np.float64}
_COMPLEX = {"64": np.dtype(np.complex64), "128": np.dtype(np.complex128)}
_LIMITS = {"block": (1024, 1024, 64), "grid": (2**31 - 1, 65535, 65535)}


class RawModule:
    """Compiled at the first ``get_function``, as CuPy's RawModule is."""

    def __init__(self, *, code: str | None = None, path: str | None = None, options: tuple = (), **unused) -> None:
        if code is None or path is not None:
            raise TypeError("the stand-in compiles source text: pass code=, not path=")
        if not isinstance(code, str) or not isinstance(options, tuple):
            raise TypeError("code must be a str and options a tuple of str, as CuPy's RawModule requires")
        self.code = code
        self.options = options

    def get_function(self, name: str) -> RawKernel:
        try:
            library = hostbuild.compile_source(self.code, self.options)
        except RuntimeError as exc:
            raise CompileException(str(exc), self.code, name, self.options) from None
        base, _, bits = name.rpartition("_c")
        if base not in KERNELS or bits not in _COMPLEX or not hasattr(library, name):
            raise CUDADriverError(f"CUDA_ERROR_NOT_FOUND: named symbol not found: {name}")
        return RawKernel(name, base, bits)


class RawKernel:
    """One entry; calling it runs the whole grid sequentially (``common.cuh``'s host shim)."""

    def __init__(self, name: str, base: str, bits: str) -> None:
        self.name = name
        self._kinds = KERNELS[base].args
        self._complex = _COMPLEX[bits]
        self._function = hostbuild.entry_function(name)

    def __call__(self, grid, block, args, *, shared_mem: int = 0) -> None:
        _check_shape("grid", grid)
        _check_shape("block", block)
        if int(np.prod(block)) > 1024:
            raise CUDADriverError(f"CUDA_ERROR_INVALID_VALUE: {self.name}: block {block} has more than 1024 threads")
        if not isinstance(args, tuple) or len(args) != len(self._kinds):
            raise TypeError(f"{self.name} takes a tuple of {len(self._kinds)} arguments, got {args!r}")
        for position, (kind, value) in enumerate(zip(self._kinds, args)):
            self._check(position, kind, value)
        host = [np.asarray(v) if kind not in _SCALAR else v for kind, v in zip(self._kinds, args)]
        self._function(*hostbuild.convert(host, self._function.argtypes))

    def _check(self, position: int, kind: str, value) -> None:
        from .api import ndarray

        where = f"{self.name} argument {position} ({kind})"
        if kind in _SCALAR:
            if type(value) is not _SCALAR[kind]:
                raise TypeError(f"{where} must be numpy.{_SCALAR[kind].__name__}, not {type(value).__name__}")
            return
        real = np.dtype(self._complex.type(0).real.dtype)
        want = {
            "state": self._complex,
            "complex": self._complex,
            "real": real,
            "int32s": np.dtype(np.int32),
            "int64s": np.dtype(np.int64),
            "masks": np.dtype(np.uint64),
            "doubles": np.dtype(np.float64),
            "complex128s": np.dtype(np.complex128),
        }[kind]
        if not isinstance(value, ndarray):
            raise TypeError(f"{where} must be a device array, not {type(value).__name__}")
        if value.dtype != want or not value.flags.c_contiguous:
            raise TypeError(f"{where} must be a contiguous {want} device array, not {value.dtype}")


def _check_shape(what: str, shape) -> None:
    if not isinstance(shape, tuple) or not 1 <= len(shape) <= 3 or not all(isinstance(v, int) for v in shape):
        raise TypeError(f"{what} must be a tuple of 1 to 3 ints, not {shape!r}")
    for value, limit in zip(shape, _LIMITS[what]):
        if not 1 <= value <= limit:
            raise CUDADriverError(f"CUDA_ERROR_INVALID_VALUE: {what} {shape} out of range")
