"""A host stand-in for the part of CuPy that ``GpuDevice`` uses, so the GPU engine runs without a GPU.

Never shipped, and nothing in ``gpuq`` knows about it: ``install()`` puts it in
``sys.modules`` as ``cupy`` (``python -m pytest --gpu-standin`` does that for
the session), and ``gpuq.sim.devices.gpu`` then runs unchanged on it.

What it is:
    * arrays: a NumPy subclass ``cupy.ndarray`` ("device" arrays); CuPy functions
      and ufuncs refuse plain NumPy arrays as CuPy does, ``get()``/``asnumpy``
      copy to the host;
    * ``RawModule(code=..., options=...)``: the code is compiled at the first
      ``get_function`` with g++ through the host shim of ``kernels/common.cuh``
      (``tests/hostbuild.py``), with the ``-I``/``-D``/``-std`` options given;
      a launch ``kernel(grid, block, args)`` checks the grid and block shapes
      and every argument's exact type against the C signature (via the table
      ``KERNELS``: an ``int`` must be ``numpy.int32``, a mask ``numpy.uint64``,
      an array a contiguous device array of the entry's dtype), then runs the
      grid sequentially;
    * CuPy's error classes (``OutOfMemoryError`` with CuPy's message,
      ``CUDARuntimeError``, ``CUDADriverError``, ``CompileException``), device
      attributes and properties of an H100-like card, ``memGetInfo``, the default
      memory pool and the current stream;
    * device memory accounting (``gpu_standin.memory``): the bytes of live device
      arrays, their peak, and an optional capacity past which allocations raise
      ``OutOfMemoryError``, so tests can bound a method's extra memory.
"""

from __future__ import annotations

import sys

from . import memory  # noqa: F401  (re-exported for tests)

NAMES = (
    "cupy",
    "cupy.cuda",
    "cupy.cuda.runtime",
    "cupy.cuda.memory",
    "cupy.cuda.driver",
    "cupy.cuda.compiler",
    "cupy.random",
)


def install() -> None:
    """Make ``import cupy`` (and its submodules gpuq uses) give the stand-in."""
    from . import api, cuda, random
    from .cuda import compiler, driver, memory_errors, runtime

    modules = (api, cuda, runtime, memory_errors, driver, compiler, random)
    for name, module in zip(NAMES, modules, strict=True):
        sys.modules[name] = module
