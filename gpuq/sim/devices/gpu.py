"""GpuDevice: the statevector in GPU memory, updated by ``kernels/*.cu`` through CuPy.

CuPy is imported only inside the functions of this module, never at import
time, so ``import gpuq`` works on machines without it. Each kernel family is
compiled by NVRTC on first use, once per process and precision, from the same
source that ``nvcc --ptx`` and the host build check. Sums, marginals, scans and
random numbers are CuPy library calls; only sampled outcomes (and marginals the
engine asks for) come back to the host, never the state except in ``to_host``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

from ...exceptions import InsufficientMemoryError, SimulationError
from .base import (
    Device,
    check_matrix,
    check_operands,
    collapse_arguments,
    control_mask,
    state_dtype,
)
from .gpu_pauli import GpuPauliMixin
from .kernel_sources import kernel_source, kernels_dir

_BLOCK_THREADS = 256
_BLOCKS_PER_SM = 32
_SUFFIX = {np.dtype(np.complex64): "_c64", np.dtype(np.complex128): "_c128"}
_INSTALL_HINT = 'install CuPy for your CUDA version: pip install "gpuq[cuda13]" (CUDA 13) or "gpuq[cuda12]" (CUDA 12)'
_SWAP = np.array([0, 2, 1, 3])
_REORDER_CHUNK = 1 << 24


def gpu_unavailable_reason() -> str | None:
    """None when CuPy imports and a CUDA device is present, else the reason the GPU is not usable."""
    return _probe()


@lru_cache(maxsize=1)
def _probe() -> str | None:
    try:
        import cupy
    except ImportError as exc:
        return f"CuPy is not installed ({exc}); {_INSTALL_HINT}"
    except (RuntimeError, OSError) as exc:  # CuPy present but its CUDA libraries fail to load
        return f"CuPy failed to import: {exc}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except (RuntimeError, OSError) as exc:  # CUDARuntimeError derives from RuntimeError
        return f"CUDA driver error: {exc}"
    if count < 1:
        return "no CUDA device found"
    return None


def gpu_free_bytes() -> int:
    """Bytes a new state may take on the current GPU: free device memory plus CuPy's cached free blocks."""
    import cupy

    free, _total = cupy.cuda.runtime.memGetInfo()
    return int(free) + int(cupy.get_default_memory_pool().free_bytes())


def _cupy() -> Any:
    import cupy

    return cupy


class _Modules:
    """NVRTC modules of the kernel families, compiled lazily, cached per family and precision."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._modules: dict[tuple[str, str], Any] = {}
        self._functions: dict[str, Any] = {}

    def function(self, family: str, entry: str, dtype: np.dtype) -> Any:
        """The RawKernel ``<entry>_c64`` or ``<entry>_c128`` of ``<family>.cu``."""
        name = entry + _SUFFIX[np.dtype(dtype)]
        kernel = self._functions.get(name)
        if kernel is not None:
            return kernel
        cupy = _cupy()
        with self._lock:
            key = (family, _SUFFIX[np.dtype(dtype)])
            module = self._modules.get(key)
            if module is None:
                directory = kernels_dir()
                common = (directory / "common.cuh").read_bytes()
                # CuPy caches binaries by source text and options: hash the included header
                # into the options so that an edited common.cuh is recompiled.
                digest = hashlib.sha256(common).hexdigest()[:16]
                module = cupy.RawModule(
                    code=kernel_source(family),
                    options=("-std=c++17", f"-I{directory}", f"-DGPUQ_COMMON_SHA=0x{digest}"),
                )
                self._modules[key] = module
            try:
                kernel = module.get_function(name)
            except cupy.cuda.compiler.CompileException as exc:
                raise SimulationError(f"compiling kernels/{family}.cu failed: {exc}") from exc
            self._functions[name] = kernel
            return kernel


def _wrap_cuda_errors(action: str):
    """Decorator: turn CuPy out-of-memory and CUDA errors into gpuq errors."""

    def decorate(method):
        def wrapped(self, *args, **kwargs):
            cupy = _cupy()
            try:
                return method(self, *args, **kwargs)
            except cupy.cuda.memory.OutOfMemoryError as exc:
                needed = _oom_bytes(exc)
                raise InsufficientMemoryError(needed, gpu_free_bytes(), "gpu", what=action) from exc
            except cupy.cuda.runtime.CUDARuntimeError as exc:
                raise SimulationError(f"{action} failed on the GPU: {exc}") from exc

        wrapped.__name__ = method.__name__
        wrapped.__doc__ = method.__doc__
        return wrapped

    return decorate


def _oom_bytes(exc: Exception) -> int:
    """Bytes a failed allocation asked for (CuPy puts them in the first argument), else 0."""
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return 0


def _run_axes(nqubits: int, ascending: list[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shape of the probabilities with each run of measured (or unmeasured) qubits as one axis.

    Axes go from the highest qubit down (C order), so the axes left after
    summing the unmeasured ones, flattened, index the ascending qubits. Merging
    runs keeps the axis count within CuPy's limit (32) for any state size.
    Returns the shape and the axes to sum.
    """
    measured = set(ascending)
    shape: list[int] = []
    summed: list[int] = []
    qubit = nqubits - 1
    while qubit >= 0:
        flag = qubit in measured
        length = 0
        while qubit >= 0 and (qubit in measured) == flag:
            length += 1
            qubit -= 1
        if not flag:
            summed.append(len(shape))
        shape.append(1 << length)
    return tuple(shape), tuple(summed)


def _reorder_bits(cupy: Any, marginal: Any, where: list[int]) -> Any:
    """Marginal over ascending qubits → over the requested order: bit ``j`` comes from bit ``where[j]``.

    A gather by computed source indices, in chunks so the index arrays stay small.
    """
    size = marginal.shape[0]
    out = cupy.empty_like(marginal)
    chunk = min(size, _REORDER_CHUNK)
    for first in range(0, size, chunk):
        dst = cupy.arange(first, first + chunk, dtype=cupy.int64)
        src = cupy.zeros(chunk, dtype=cupy.int64)
        for j, bit in enumerate(where):
            src |= ((dst >> j) & 1) << bit
        out[first:first + chunk] = marginal[src]
    return out


class GpuDevice(GpuPauliMixin, Device):
    """The current CUDA device, with CuPy arrays and NVRTC-compiled ``kernels/*.cu``.

    ``fusion_limit`` is 5: a GPU's dense-matrix kernel stays memory-bound for
    larger matrices than a CPU's, and each fused gate saves a full pass.
    """

    kind: ClassVar[str] = "gpu"
    fusion_limit: ClassVar[int] = 5

    def __init__(self) -> None:
        reason = gpu_unavailable_reason()
        if reason is not None:
            from ...exceptions import BackendUnavailableError

            raise BackendUnavailableError(f"the GPU is not usable: {reason}")
        self._modules = _Modules()
        cupy = _cupy()
        self._max_blocks = cupy.cuda.Device().attributes["MultiProcessorCount"] * _BLOCKS_PER_SM

    # -- launch helpers -------------------------------------------------

    def _launch(self, family: str, entry: str, dtype: np.dtype, items: int, args: tuple) -> None:
        kernel = self._modules.function(family, entry, dtype)
        blocks = max(1, min((items + _BLOCK_THREADS - 1) // _BLOCK_THREADS, self._max_blocks))
        kernel((blocks,), (_BLOCK_THREADS,), args)

    def _prepare(self, state: Any, targets: Sequence[int], controls: Sequence[int], operand_len: int):
        cupy = _cupy()
        if not isinstance(state, cupy.ndarray) or state.dtype not in _SUFFIX or state.ndim != 1:
            raise SimulationError("a GPU state must be a 1-D complex64 or complex128 CuPy array")
        nqubits = int(state.shape[0]).bit_length() - 1
        check_operands(nqubits, targets, controls, operand_len)
        targets_dev = cupy.asarray(np.asarray(targets, dtype=np.int32))
        return cupy, nqubits, targets_dev, control_mask(controls)

    # -- the Device interface -------------------------------------------

    def free_bytes(self) -> int:
        return gpu_free_bytes()

    def description(self) -> str:
        cupy = _cupy()
        device = cupy.cuda.Device()
        props = cupy.cuda.runtime.getDeviceProperties(device.id)
        name = props["name"]
        return name.decode() if isinstance(name, bytes) else str(name)

    @_wrap_cuda_errors("statevector")
    def zero_state(self, nqubits: int, precision: str) -> Any:
        cupy = _cupy()
        state = cupy.zeros(1 << nqubits, dtype=state_dtype(precision))
        state[0] = 1
        return state

    @_wrap_cuda_errors("statevector")
    def from_host(self, array: np.ndarray) -> Any:
        array = np.asarray(array)
        if array.dtype not in _SUFFIX:
            raise SimulationError(f"a statevector must be complex64 or complex128, not {array.dtype}")
        return _cupy().array(array, copy=True)

    @_wrap_cuda_errors("copying the statevector to the host")
    def to_host(self, state: Any) -> np.ndarray:
        return _cupy().asnumpy(state)

    @_wrap_cuda_errors("statevector copy")
    def copy(self, state: Any) -> Any:
        return state.copy()

    @_wrap_cuda_errors("apply_matrix")
    def apply_matrix(self, state, targets, matrix, controls=()):
        k = len(targets)
        matrix = check_matrix(matrix, k)
        cupy, nqubits, targets_dev, mask = self._prepare(state, targets, controls, 1 << k)
        flat = cupy.asarray(np.ascontiguousarray(matrix, dtype=state.dtype).reshape(-1))
        items = 1 << (nqubits - k - len(controls))
        self._launch("matrix", "apply_matrix", state.dtype, items,
                     (state, np.int32(nqubits), targets_dev, np.int32(k), np.uint64(mask), flat))

    @_wrap_cuda_errors("apply_diagonal")
    def apply_diagonal(self, state, targets, diag, controls=()):
        diag = np.asarray(diag).reshape(-1)
        cupy, nqubits, targets_dev, mask = self._prepare(state, targets, controls, diag.shape[0])
        diag_dev = cupy.asarray(np.ascontiguousarray(diag, dtype=state.dtype))
        items = 1 << nqubits  # one per amplitude: the diagonal kernel streams (kernels/diagonal.cu)
        self._launch("diagonal", "apply_diagonal", state.dtype, items,
                     (state, np.int32(nqubits), targets_dev, np.int32(len(targets)), np.uint64(mask), diag_dev))

    @_wrap_cuda_errors("apply_permutation")
    def apply_permutation(self, state, targets, perm, controls=()):
        perm = np.asarray(perm, dtype=np.int64).reshape(-1)
        cupy, nqubits, targets_dev, mask = self._prepare(state, targets, controls, perm.shape[0])
        if not np.array_equal(np.sort(perm), np.arange(perm.shape[0])):
            raise SimulationError(f"{perm.tolist()} is not a permutation of 0..{perm.shape[0] - 1}")
        k = len(targets)
        if k == 0 or np.array_equal(perm, np.arange(perm.shape[0])):
            return
        items = 1 << (nqubits - k - len(controls))
        if k == 1:
            self._launch("permute", "apply_x", state.dtype, items,
                         (state, np.int32(nqubits), np.int32(targets[0]), np.uint64(mask)))
        elif k == 2 and np.array_equal(perm, _SWAP):
            self._launch("permute", "apply_swap", state.dtype, items,
                         (state, np.int32(nqubits), np.int32(targets[0]), np.int32(targets[1]), np.uint64(mask)))
        else:
            self._launch("permute", "apply_permutation", state.dtype, items,
                         (state, np.int32(nqubits), targets_dev, np.int32(k), np.uint64(mask), cupy.asarray(perm)))

    def _marginal_device(self, state: Any, qubits: Sequence[int]) -> Any:
        """Float64 CuPy array of the marginal of ``qubits`` (bit ``j`` of its index is ``qubits[j]``)."""
        cupy, nqubits, _targets, _mask = self._prepare(state, qubits, (), 1 << len(qubits))
        probs = cupy.empty(state.shape[0], dtype=state.real.dtype)
        self._launch("measure", "probabilities", state.dtype, state.shape[0],
                     (state, np.int32(nqubits), probs))
        ascending = sorted(int(q) for q in qubits)
        if ascending == list(range(nqubits)):
            marginal = probs.astype(cupy.float64, copy=False)
        else:
            shape, summed = _run_axes(nqubits, ascending)
            marginal = cupy.sum(probs.reshape(shape), axis=summed, dtype=cupy.float64).reshape(-1)
        if ascending == [int(q) for q in qubits]:
            return marginal
        return _reorder_bits(cupy, marginal, [ascending.index(int(q)) for q in qubits])

    @_wrap_cuda_errors("marginal probabilities")
    def marginal_probabilities(self, state, qubits):
        return self._marginal_device(state, qubits).get()

    @_wrap_cuda_errors("collapse")
    def collapse(self, state, qubits, outcome, probability):
        _cupy_mod, nqubits, _targets, _mask = self._prepare(state, qubits, (), 1 << len(qubits))
        mask, bits, scale = collapse_arguments(nqubits, qubits, outcome, probability)
        self._launch("measure", "collapse", state.dtype, state.shape[0],
                     (state, np.int32(nqubits), np.uint64(mask), np.uint64(bits), np.float64(scale)))

    @_wrap_cuda_errors("sampling")
    def sample(self, state, qubits, shots, seed):
        if shots < 0:
            raise SimulationError(f"shots must be non-negative, not {shots}")
        cupy = _cupy()
        cdf = cupy.cumsum(self._marginal_device(state, qubits))
        rng = cupy.random.default_rng(seed)
        uniforms = rng.random(shots, dtype=cupy.float64) * cdf[-1]
        outcomes = cupy.searchsorted(cdf, uniforms, side="right")
        outcomes = cupy.minimum(outcomes, cdf.shape[0] - 1).astype(cupy.int64)
        return cupy.asnumpy(outcomes)

    def synchronize(self) -> None:
        _cupy().cuda.get_current_stream().synchronize()
