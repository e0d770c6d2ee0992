"""Where the CUDA kernel sources (``kernels/*.cu``, ``common.cuh``) are.

An installed wheel carries them in ``gpuq/kernels/`` (``setup.py`` copies them at
build time); a source checkout has them in the repository's top-level
``kernels/``. The installed copy wins.
"""

from __future__ import annotations

from pathlib import Path

from ...exceptions import SimulationError

FAMILIES = ("matrix", "diagonal", "permute", "measure")
"""Kernel families: one ``<family>.cu`` each."""

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # .../gpuq


def kernels_dir() -> Path:
    """The directory holding ``common.cuh`` and the ``<family>.cu`` files.

    Raises:
        SimulationError: neither the installed nor the checkout copy exists.
    """
    candidates = (_PACKAGE_ROOT / "kernels", _PACKAGE_ROOT.parent / "kernels")
    for candidate in candidates:
        if (candidate / "common.cuh").is_file():
            return candidate
    raise SimulationError(
        "CUDA kernel sources not found; looked in " + ", ".join(str(c) for c in candidates)
        + " (reinstall gpuq, or run from a source checkout)"
    )


def kernel_path(family: str) -> Path:
    """Path of ``<family>.cu``."""
    if family not in FAMILIES:
        raise SimulationError(f"unknown kernel family {family!r}; known: {', '.join(FAMILIES)}")
    return kernels_dir() / f"{family}.cu"


def kernel_source(family: str) -> str:
    """Text of ``<family>.cu`` (it includes ``common.cuh`` from the same directory)."""
    return kernel_path(family).read_text(encoding="utf-8")
