"""GpuDevice: the statevector in GPU memory, updated by ``kernels/*.cu`` through CuPy.

CuPy is imported only inside the functions of this module, never at import
time, so ``import gpuq`` works on machines without it. Each kernel family is
compiled by NVRTC on first use, once per process and precision, from the same
source that ``nvcc --ptx`` and the host build check; launch arguments are cast
from the signature table ``kernel_sources.KERNELS``. Sums, scans, sorts and
random numbers are CuPy library calls. Marginals and sampling walk the state's
probabilities in chunks (``gpu_probabilities``), so their extra memory is a
small fraction of the state. Only sampled outcomes (and marginals the engine
asks for) come back to the host, never the state except in ``to_host``.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ...exceptions import InsufficientMemoryError, SimulationError
from .base import (
    Device,
    check_matrix,
    check_operands,
    collapse_arguments,
    control_mask,
    group_range,
    state_dtype,
)
from .gpu_adjoint import GpuAdjointMixin
from .gpu_pauli import GpuPauliMixin
from .gpu_probabilities import CHUNK_MAX_BITS, ChunkWalk, chunk_bits, outcome_bits
from .gpu_probe import gpu_unavailable_reason
from .gpu_stage import DeviceStage, PinnedStage
from .kernel_sources import KERNELS, kernel_source, kernels_dir

_BLOCK_THREADS = 256
"""Threads per block: a multiple of the warp, small enough for the k = 6 dense kernel's registers."""

_WAVES = 2
"""Grid cap, in full waves of resident blocks: each thread then strides over several work items."""

_SUFFIX = {np.dtype(np.complex64): "_c64", np.dtype(np.complex128): "_c128"}
_SWAP = np.array([0, 2, 1, 3])
_OOM_SIZE = re.compile(r"allocating ([\d,]+) bytes")

_SCALARS = {"int": np.int32, "mask": np.uint64, "index": np.int64, "double": np.float64}
"""NumPy type of each scalar argument kind of ``KERNELS`` (C int, mask_t, index_t, double)."""


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
                raise InsufficientMemoryError(_oom_bytes(exc), gpu_free_bytes(), "gpu", what=action) from exc
            except (cupy.cuda.runtime.CUDARuntimeError, cupy.cuda.driver.CUDADriverError) as exc:
                raise SimulationError(f"{action} failed on the GPU: {exc}") from exc

        wrapped.__name__ = method.__name__
        wrapped.__doc__ = method.__doc__
        return wrapped

    return decorate


def _oom_bytes(exc: Exception) -> int:
    """Bytes a failed allocation asked for, read from CuPy's message ("Out of memory allocating N bytes"), else 0.

    CuPy's ``OutOfMemoryError(size, total, limit)`` keeps only its message in ``args``.
    """
    found = _OOM_SIZE.search(str(exc))
    return int(found.group(1).replace(",", "")) if found else 0


def _grid_cap(cupy: Any) -> int:
    """Most blocks of a launch: ``_WAVES`` waves of the blocks the whole card holds at once.

    132 SMs of 2048 threads (H100, H200) hold 1056 blocks of 256 threads, enough
    loads in flight to saturate HBM; more blocks would only queue.
    """
    attributes = cupy.cuda.Device().attributes
    per_sm = max(1, int(attributes.get("MaxThreadsPerMultiProcessor", 2048)) // _BLOCK_THREADS)
    return int(attributes["MultiProcessorCount"]) * per_sm * _WAVES


class GpuDevice(GpuPauliMixin, GpuAdjointMixin, Device):
    """The current CUDA device, with CuPy arrays and NVRTC-compiled ``kernels/*.cu``.

    ``fusion_limit`` is 5: a GPU's dense-matrix kernel stays memory-bound for
    larger matrices than a CPU's, and each fused gate saves a full pass.

    Args:
        chunk_max_bits: log2 of the most amplitudes marginals and sampling walk
            at once (``gpu_probabilities.CHUNK_MAX_BITS`` by default); smaller
            values bound their extra memory further.
    """

    kind: ClassVar[str] = "gpu"
    fusion_limit: ClassVar[int] = 5

    def __init__(self, chunk_max_bits: int = CHUNK_MAX_BITS) -> None:
        reason = gpu_unavailable_reason()
        if reason is not None:
            from ...exceptions import BackendUnavailableError

            raise BackendUnavailableError(f"the GPU is not usable: {reason}")
        if not 0 <= chunk_max_bits <= 62:
            raise SimulationError(f"chunk_max_bits must be between 0 and 62, not {chunk_max_bits}")
        self._modules = _Modules()
        self._chunk_max_bits = chunk_max_bits
        self._max_blocks = _grid_cap(_cupy())

    # -- launch helpers -------------------------------------------------

    def _launch(self, entry: str, state: Any, items: int, *args: Any) -> None:
        """Launch ``entry`` on ``state`` over ``items`` work items, casting ``args`` by the table ``KERNELS``."""
        spec = KERNELS[entry]
        cupy = _cupy()
        values = tuple(
            _cast(cupy, kind, value, state.dtype) for kind, value in zip(spec.args, (state, *args), strict=True)
        )
        kernel = self._modules.function(spec.family, entry, state.dtype)
        blocks = max(1, min((items + _BLOCK_THREADS - 1) // _BLOCK_THREADS, self._max_blocks))
        kernel((blocks,), (_BLOCK_THREADS,), values)

    def _prepare(self, state: Any, targets: Sequence[int], controls: Sequence[int], operand_len: int):
        cupy = _cupy()
        if not isinstance(state, cupy.ndarray) or state.dtype not in _SUFFIX or state.ndim != 1:
            raise SimulationError("a GPU state must be a 1-D complex64 or complex128 CuPy array")
        nqubits = int(state.shape[0]).bit_length() - 1
        check_operands(nqubits, targets, controls, operand_len)
        return nqubits, control_mask(controls)

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
        dtype = state_dtype(precision)
        _make_room(cupy, (1 << nqubits) * np.dtype(dtype).itemsize)
        state = cupy.zeros(1 << nqubits, dtype=dtype)
        state[0] = 1
        return state

    @_wrap_cuda_errors("statevector")
    def from_host(self, array: np.ndarray) -> Any:
        array = np.asarray(array)
        if array.dtype not in _SUFFIX:
            raise SimulationError(f"a statevector must be complex64 or complex128, not {array.dtype}")
        cupy = _cupy()
        _make_room(cupy, array.nbytes)
        return cupy.array(array, copy=True)

    @_wrap_cuda_errors("copying the statevector to the host")
    def to_host(self, state: Any) -> np.ndarray:
        return _cupy().asnumpy(state)

    @_wrap_cuda_errors("gathering amplitudes to the host")
    def gather(self, state: Any, indices: np.ndarray) -> np.ndarray:
        cupy = _cupy()  # CuPy indexes with device arrays only
        return cupy.asnumpy(state[cupy.asarray(np.asarray(indices, dtype=np.int64))])

    @_wrap_cuda_errors("statevector copy")
    def copy(self, state: Any) -> Any:
        _make_room(_cupy(), state.nbytes)
        return state.copy()

    @_wrap_cuda_errors("apply_matrix")
    def apply_matrix(self, state, targets, matrix, controls=(), groups=None):
        k = len(targets)
        matrix = check_matrix(matrix, k)
        nqubits, mask = self._prepare(state, targets, controls, 1 << k)
        begin, end = group_range(nqubits, k, len(controls), groups)
        if end > begin:
            self._launch("apply_matrix", state, end - begin, nqubits, targets, k, mask, matrix.reshape(-1), begin, end)

    @_wrap_cuda_errors("apply_diagonal")
    def apply_diagonal(self, state, targets, diag, controls=()):
        diag = np.asarray(diag).reshape(-1)
        nqubits, mask = self._prepare(state, targets, controls, diag.shape[0])
        items = 1 << nqubits  # one per amplitude: the diagonal kernel streams (kernels/diagonal.cu)
        self._launch("apply_diagonal", state, items, nqubits, targets, len(targets), mask, diag)

    @_wrap_cuda_errors("apply_permutation")
    def apply_permutation(self, state, targets, perm, controls=(), groups=None):
        perm = np.asarray(perm, dtype=np.int64).reshape(-1)
        nqubits, mask = self._prepare(state, targets, controls, perm.shape[0])
        if not np.array_equal(np.sort(perm), np.arange(perm.shape[0])):
            raise SimulationError(f"{perm.tolist()} is not a permutation of 0..{perm.shape[0] - 1}")
        k = len(targets)
        begin, end = group_range(nqubits, k, len(controls), groups)
        if k == 0 or end == begin or np.array_equal(perm, np.arange(perm.shape[0])):
            return
        items = end - begin
        if k == 1:
            self._launch("apply_x", state, items, nqubits, targets[0], mask, begin, end)
        elif k == 2 and np.array_equal(perm, _SWAP):
            self._launch("apply_swap", state, items, nqubits, targets[0], targets[1], mask, begin, end)
        else:
            self._launch("apply_permutation", state, items, nqubits, targets, k, mask, perm, begin, end)

    def _walk(self, state: Any, qubits: Sequence[int]) -> ChunkWalk:
        """A chunk walk over ``state``'s probabilities, after checking ``qubits``."""
        cupy = _cupy()
        nqubits, _mask = self._prepare(state, qubits, (), 1 << len(qubits))
        bits = chunk_bits(nqubits, self._chunk_max_bits)

        def fill(first: int, count: int, out: Any) -> None:
            self._launch("probabilities", state[first : first + count], count, bits, out)

        return ChunkWalk(cupy, state.shape[0], bits, fill, state.real.dtype)

    @_wrap_cuda_errors("marginal probabilities")
    def marginal_probabilities(self, state, qubits):
        requested = [int(q) for q in qubits]
        ascending = sorted(requested)
        marginal = self._walk(state, qubits).marginal(ascending)
        if ascending == requested:
            return marginal
        # Entry i of the result is entry src(i) of the ascending marginal: bit k of src(i) is the bit of i
        # whose qubit is ascending[k].
        index = np.arange(marginal.shape[0], dtype=np.int64)
        return marginal[outcome_bits(np, index, [requested.index(q) for q in ascending])]

    @_wrap_cuda_errors("collapse")
    def collapse(self, state, qubits, outcome, probability):
        nqubits, _mask = self._prepare(state, qubits, (), 1 << len(qubits))
        mask, bits, scale = collapse_arguments(nqubits, qubits, outcome, probability)
        self._launch("collapse", state, state.shape[0], nqubits, mask, bits, scale)

    def _draw_sorted(self, state: Any, qubits: Sequence[int], shots: int, seed: int) -> tuple[Any, Any]:
        """Outcomes of ``shots`` draws in ascending order of their uniforms, and that order (device arrays)."""
        if shots < 0:
            raise SimulationError(f"shots must be non-negative, not {shots}")
        cupy = _cupy()
        walk = self._walk(state, qubits)
        uniforms = cupy.random.default_rng(seed).random(shots, dtype=cupy.float64)
        order = cupy.argsort(uniforms)
        indices = walk.sample_sorted(uniforms[order])
        return outcome_bits(cupy, indices, qubits), order

    @_wrap_cuda_errors("sampling")
    def sample(self, state, qubits, shots, seed):
        cupy = _cupy()
        drawn, order = self._draw_sorted(state, qubits, shots, seed)
        outcomes = cupy.empty_like(drawn)
        outcomes[order] = drawn  # back to the order the uniforms were drawn in: random
        return cupy.asnumpy(outcomes)

    @_wrap_cuda_errors("sampling")
    def sample_counts(self, state, qubits, shots, seed):
        cupy = _cupy()
        drawn, _order = self._draw_sorted(state, qubits, shots, seed)
        distinct, counts = cupy.unique(drawn, return_counts=True)
        return cupy.asnumpy(distinct), cupy.asnumpy(counts).astype(np.int64)

    def synchronize(self) -> None:
        _cupy().cuda.get_current_stream().synchronize()

    @_wrap_cuda_errors("exchange buffers")
    def exchange_stage(self, amplitudes, dtype, device_buffers):
        stage = DeviceStage if device_buffers else PinnedStage
        return stage(_cupy(), amplitudes, np.dtype(dtype))


def _cast(cupy: Any, kind: str, value: Any, dtype: np.dtype) -> Any:
    """One launch argument of ``kind`` (see ``KERNELS``) for a state of ``dtype``: a NumPy scalar or a CuPy array.

    Host arrays are copied to the device in the kind's dtype; device arrays must
    already have it (they are the state, or a buffer made for this launch).
    """
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        return scalar(value)
    want = {
        "state": dtype,
        "complex": dtype,
        "real": np.dtype(dtype).type(0).real.dtype,
        "int32s": np.dtype(np.int32),
        "int64s": np.dtype(np.int64),
        "masks": np.dtype(np.uint64),
        "doubles": np.dtype(np.float64),
        "complex128s": np.dtype(np.complex128),
    }[kind]
    if isinstance(value, cupy.ndarray):
        if value.dtype != want or not value.flags.c_contiguous:
            raise SimulationError(f"a {kind} kernel argument must be a contiguous {want} array, not {value.dtype}")
        return value
    return cupy.asarray(np.ascontiguousarray(value, dtype=want))


def _make_room(cupy: Any, nbytes: int) -> None:
    """Before a state-sized allocation, give CuPy's cached free blocks back when the driver alone lacks the room.

    The pool keeps freed states cached (fast reuse by the next job of the same
    size); a larger state needs them returned first, whole, rather than split.
    """
    free, _total = cupy.cuda.runtime.memGetInfo()
    if nbytes > int(free):
        cupy.get_default_memory_pool().free_all_blocks()
