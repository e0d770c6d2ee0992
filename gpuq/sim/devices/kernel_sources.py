"""The CUDA kernels: where their sources are, and the signature of every entry.

Sources: an installed wheel carries them as package data in ``gpuq/kernels/``
(``setup.py`` copies them at build time) and they are found with
``importlib.resources``; a source checkout (an editable install) has them in the
repository's top-level ``kernels/``. The installed copy wins.

Signatures: ``KERNELS`` is the one table of entries (family, argument kinds).
``gpu.py`` casts its launch arguments from it, the host build of the tests takes
its ctypes argument types from it, and the mirror test checks it against the C
parameter lists of ``kernels/*.cu``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ...exceptions import SimulationError

FAMILIES = ("matrix", "diagonal", "permute", "measure", "pauli", "adjoint")
"""Kernel families: one ``<family>.cu`` each."""

ARG_KINDS = {
    "state": "the statevector: Complex<T>*, T the precision's real type",
    "complex": "a complex operand of the state's precision: const Complex<T>*",
    "real": "a real array of the state's precision: T*",
    "int32s": "an int array: const int*",
    "int64s": "a long long array: const long long*",
    "masks": "a mask_t array: const mask_t*",
    "doubles": "a double array, whatever the precision: double*",
    "complex128s": "a complex array in double, whatever the precision: const Complex<double>*",
    "int": "a scalar int (32 bits)",
    "mask": "a scalar mask_t (unsigned long long)",
    "index": "a scalar index_t (long long): an amplitude or group index",
    "double": "a scalar double",
}
"""Every argument kind an entry may take, with the C type it stands for."""


@dataclass(frozen=True)
class KernelEntry:
    """One ``extern "C"`` entry, without its ``_c64``/``_c128`` suffix.

    Attributes:
        family: the ``<family>.cu`` file that defines it.
        args: the kind of each argument, in order (keys of ``ARG_KINDS``).
    """

    family: str
    args: tuple[str, ...]


_OPERAND = ("state", "int", "int32s", "int", "mask")
_GROUPS = ("index", "index")
"""``group_begin, group_end``: the range of groups a dense or permutation launch updates (``kernels/common.cuh``)."""
KERNELS = {
    "apply_matrix": KernelEntry("matrix", (*_OPERAND, "complex", *_GROUPS)),
    "apply_diagonal": KernelEntry("diagonal", (*_OPERAND, "complex")),
    "apply_permutation": KernelEntry("permute", (*_OPERAND, "int64s", *_GROUPS)),
    "apply_x": KernelEntry("permute", ("state", "int", "int", "mask", *_GROUPS)),
    "apply_swap": KernelEntry("permute", ("state", "int", "int", "int", "mask", *_GROUPS)),
    "probabilities": KernelEntry("measure", ("state", "int", "real")),
    "collapse": KernelEntry("measure", ("state", "int", "mask", "mask", "double")),
    "expectation_groups": KernelEntry(
        "pauli", ("state", "int", "int", "masks", "int64s", "masks", "int32s", "int", "int", "int", "doubles")
    ),
    "apply_pauli_sum": KernelEntry("pauli", ("state", "int", "masks", "masks", "complex128s", "int", "state")),
    "adjoint_step": KernelEntry(
        "adjoint",
        (*_OPERAND, "complex", "complex128s", "int", "state", "int", "int", "int", "index", "index", "doubles"),
    ),
}
"""Entry name → family and argument kinds; each entry exists as ``<name>_c64`` and ``<name>_c128``."""

_CHECKOUT = Path(__file__).resolve().parents[3] / "kernels"  # <repository>/kernels, beside the gpuq package


def _installed() -> Path | None:
    """``gpuq/kernels`` inside the installed package, when it holds the sources."""
    try:
        candidate = resources.files("gpuq") / "kernels"
    except (ModuleNotFoundError, TypeError):
        return None
    if isinstance(candidate, Path) and (candidate / "common.cuh").is_file():
        return candidate
    return None


def kernels_dir() -> Path:
    """The directory holding ``common.cuh`` and the ``<family>.cu`` files.

    NVRTC resolves ``#include "common.cuh"`` through an ``-I`` directory, so this
    is a real directory (wheels install unzipped).

    Raises:
        SimulationError: "kernel sources missing", naming where it looked.
    """
    installed = _installed()
    if installed is not None:
        return installed
    if (_CHECKOUT / "common.cuh").is_file() and all((_CHECKOUT / f"{f}.cu").is_file() for f in FAMILIES):
        return _CHECKOUT
    raise SimulationError(
        f"kernel sources missing: neither the package data gpuq/kernels/ nor {_CHECKOUT} holds common.cuh and "
        f"{', '.join(f + '.cu' for f in FAMILIES)} (reinstall gpuq from a wheel, or run from a source checkout)"
    )


def kernel_path(family: str) -> Path:
    """Path of ``<family>.cu``."""
    if family not in FAMILIES:
        raise SimulationError(f"unknown kernel family {family!r}; known: {', '.join(FAMILIES)}")
    path = kernels_dir() / f"{family}.cu"
    if not path.is_file():
        raise SimulationError(f"kernel sources missing: {path} does not exist")
    return path


def kernel_source(family: str) -> str:
    """Text of ``<family>.cu`` (it includes ``common.cuh`` from the same directory)."""
    return kernel_path(family).read_text(encoding="utf-8")
