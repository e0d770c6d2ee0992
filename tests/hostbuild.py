"""Build ``kernels/*.cu`` as host C++ and call the kernels through ctypes.

Each family is compiled once per test session with
``g++ -O2 -shared -fPIC -x c++ -DGPUQ_HOST_BUILD`` into a temporary directory;
the shim in ``common.cuh`` runs each kernel's grid-stride loop sequentially.
``HostKernels`` calls the ``_c64`` / ``_c128`` entry matching the state's dtype,
with the argument order of the CUDA (and Numba) entries.
"""

from __future__ import annotations

import atexit
import ctypes
import shutil
import subprocess
import tempfile
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

KERNELS_DIR = Path(__file__).resolve().parents[1] / "kernels"
FAMILIES = ("matrix", "diagonal", "permute", "measure", "pauli")

_P, _I, _U64, _D = ctypes.c_void_p, ctypes.c_int, ctypes.c_ulonglong, ctypes.c_double
ARGTYPES = {
    "apply_matrix": (_P, _I, _P, _I, _U64, _P),
    "apply_diagonal": (_P, _I, _P, _I, _U64, _P),
    "apply_permutation": (_P, _I, _P, _I, _U64, _P),
    "apply_x": (_P, _I, _I, _U64),
    "apply_swap": (_P, _I, _I, _I, _U64),
    "probabilities": (_P, _I, _P),
    "collapse": (_P, _I, _U64, _U64, _D),
    "expectation_group": (_P, _I, _U64, _P, _P, _I, _I, _I, _P),
    "apply_pauli_sum": (_P, _I, _P, _P, _P, _I, _P),
}
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
def library(family: str) -> ctypes.CDLL:
    """Compile ``kernels/<family>.cu`` for the host (once per session) and load it."""
    source = KERNELS_DIR / f"{family}.cu"
    target = _build_dir() / f"{family}.so"
    command = ["g++", "-O2", "-shared", "-fPIC", "-x", "c++", "-std=c++17", "-DGPUQ_HOST_BUILD",
               f"-I{KERNELS_DIR}", "-o", str(target), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"host build of {source.name} failed:\n{done.stderr}")
    return ctypes.CDLL(str(target))


def _pointer(array: np.ndarray) -> ctypes.c_void_p:
    if not isinstance(array, np.ndarray) or not array.flags.c_contiguous:
        raise TypeError("host kernels take C-contiguous NumPy arrays")
    return ctypes.c_void_p(array.ctypes.data)


class HostKernels:
    """The host-built CUDA entries of one family, called like their Numba twins."""

    def __init__(self, family: str):
        self._lib = library(family)

    def __getattr__(self, entry: str):
        if entry not in ARGTYPES:
            raise AttributeError(entry)
        argtypes = ARGTYPES[entry]

        def call(state: np.ndarray, *args):
            function = getattr(self._lib, entry + _SUFFIX[state.dtype])
            function.argtypes = argtypes
            function.restype = None
            values = (state, *args)
            converted = [_pointer(v) if kind is _P else kind(int(v) if kind is not _D else float(v))
                         for v, kind in zip(values, argtypes, strict=True)]
            function(*converted)

        return call
