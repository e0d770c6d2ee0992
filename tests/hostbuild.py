"""Build ``kernels/*.cu`` as host C++ and call the kernels through ctypes.

Each family is compiled once per test session with
``g++ -O2 -shared -fPIC -x c++ -DGPUQ_HOST_BUILD`` into a temporary directory;
the shim in ``common.cuh`` runs each kernel's grid-stride loop sequentially.
``HostKernels`` calls the ``_c64`` / ``_c128`` entry matching the state's dtype,
with the argument order of the CUDA (and Numba) entries; the ctypes argument
types come from the signature table ``gpuq.sim.devices.kernel_sources.KERNELS``.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import shutil
import subprocess
import tempfile
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from gpuq.sim.devices import kernel_sources
from gpuq.sim.devices.kernel_sources import KERNELS

KERNELS_DIR = Path(__file__).resolve().parents[1] / "kernels"
FAMILIES = kernel_sources.FAMILIES

_P, _I, _U64, _I64, _D = ctypes.c_void_p, ctypes.c_int, ctypes.c_ulonglong, ctypes.c_longlong, ctypes.c_double
CTYPES = {
    "state": _P,
    "complex": _P,
    "real": _P,
    "int32s": _P,
    "int64s": _P,
    "masks": _P,
    "doubles": _P,
    "complex128s": _P,
    "int": _I,
    "mask": _U64,
    "index": _I64,
    "double": _D,
}
"""ctypes type of each argument kind of the signature table."""

ARGTYPES = {name: tuple(CTYPES[kind] for kind in entry.args) for name, entry in KERNELS.items()}
"""ctypes argument types of every entry, without its precision suffix."""

_SUFFIX = {np.dtype(np.complex64): "_c64", np.dtype(np.complex128): "_c128"}


def unavailable_reason() -> str | None:
    """None when a host C++ compiler is present, else why the host build cannot run."""
    if shutil.which("g++") is None:
        return "g++ is not installed, so kernels/*.cu cannot be built for the host"
    return None


@lru_cache(maxsize=1)
def _build_dir() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="gpuq-hostbuild-"))
    atexit.register(shutil.rmtree, directory, True)
    return directory


@cache
def compile_source(code: str, options: tuple[str, ...] = ()) -> ctypes.CDLL:
    """Compile CUDA source text for the host (once per distinct text and options) and load it.

    ``options`` are compiler switches shared with NVRTC: ``-I<dir>``, ``-D<name>[=value]``, ``-std=...``.

    Raises:
        RuntimeError: g++ failed; the message holds its diagnostics.
    """
    digest = hashlib.sha256((code + "\0".join(options)).encode()).hexdigest()[:16]
    source = _build_dir() / f"{digest}.cu"
    target = _build_dir() / f"{digest}.so"
    source.write_text(code, encoding="utf-8")
    std = [o for o in options if o.startswith("-std=")] or ["-std=c++17"]
    passed = [o for o in options if o.startswith(("-I", "-D"))]
    command = [
        "g++",
        "-O2",
        "-shared",
        "-fPIC",
        "-x",
        "c++",
        *std,
        "-DGPUQ_HOST_BUILD",
        *passed,
        "-o",
        str(target),
        str(source),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"host build failed:\n{done.stderr}")
    return ctypes.CDLL(str(target))


def library(family: str) -> ctypes.CDLL:
    """Compile ``kernels/<family>.cu`` for the host (once per session) and load it."""
    source = KERNELS_DIR / f"{family}.cu"
    try:
        return compile_source(source.read_text(encoding="utf-8"), (f"-I{KERNELS_DIR}",))
    except RuntimeError as exc:
        raise RuntimeError(f"{source.name}: {exc}") from None


def _pointer(array: np.ndarray) -> ctypes.c_void_p:
    if not isinstance(array, np.ndarray) or not array.flags.c_contiguous:
        raise TypeError("host kernels take C-contiguous NumPy arrays")
    return ctypes.c_void_p(array.ctypes.data)


def entry_function(name: str):
    """The ctypes function of entry ``name`` (suffix included) with argument types from the table."""
    base = name.rsplit("_c", 1)[0]
    lib = library(KERNELS[base].family)
    function = getattr(lib, name)
    function.argtypes = ARGTYPES[base]
    function.restype = None
    return function


def convert(values, argtypes) -> list:
    """ctypes values of a call: arrays as pointers, scalars converted to their C type."""
    return [
        _pointer(v) if kind is _P else kind(int(v) if kind is not _D else float(v))
        for v, kind in zip(values, argtypes, strict=True)
    ]


class HostKernels:
    """The host-built CUDA entries of one family, called like their Numba twins."""

    def __init__(self, family: str):
        self._lib = library(family)

    def __getattr__(self, entry: str):
        if entry not in ARGTYPES:
            raise AttributeError(entry)
        argtypes = ARGTYPES[entry]

        def call(state: np.ndarray, *args):
            entry_function(entry + _SUFFIX[state.dtype])(*convert((state, *args), argtypes))

        return call
