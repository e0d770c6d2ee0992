"""Static: every CUDA entry has a Numba twin of the same name and arity, and the files name each other.

``kernels/<family>.cu`` pairs with ``gpuq/sim/devices/cpu_kernels/<family>.py``;
an entry ``name_c64`` / ``name_c128`` pairs with the Numba function ``name``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "kernels"
ENTRY = re.compile(r"GPUQ_KERNEL\s+void\s+(\w+)\s*\(([^)]*)\)", re.DOTALL)
SUFFIX = re.compile(r"_c(64|128)$")


def cuda_entries(path: Path) -> dict[str, int]:
    """Entry name (suffix removed) → argument count, checked equal across precisions."""
    entries: dict[str, int] = {}
    for name, params in ENTRY.findall(path.read_text()):
        assert SUFFIX.search(name), f"{path.name}: entry {name} lacks a _c64/_c128 suffix"
        base = SUFFIX.sub("", name)
        arity = len([p for p in params.split(",") if p.strip()])
        assert entries.setdefault(base, arity) == arity, f"{path.name}: {base} has different arities per precision"
    return entries


def test_every_family_has_sources():
    families = sorted(p.stem for p in KERNELS.glob("*.cu"))
    assert families == ["diagonal", "matrix", "measure", "pauli", "permute"]


@pytest.mark.parametrize("path", sorted(KERNELS.glob("*.cu")), ids=lambda p: p.name)
def test_entries_have_numba_twins(path: Path):
    module = importlib.import_module(f"gpuq.sim.devices.cpu_kernels.{path.stem}")
    entries = cuda_entries(path)
    assert entries, f"{path.name} declares no entries"
    for name, arity in entries.items():
        twin = getattr(module, name, None)
        assert twin is not None, f"{path.name}: entry {name} has no Numba twin in {module.__name__}"
        py_func = getattr(twin, "py_func", twin)
        assert len(inspect.signature(py_func).parameters) == arity, (
            f"{name}: CUDA takes {arity} arguments, the Numba twin {len(inspect.signature(py_func).parameters)}")
        both = sorted({f"{name}_c64", f"{name}_c128"})
        assert all(entry in path.read_text() for entry in both), f"{name}: both precisions expected"


@pytest.mark.parametrize("path", sorted(KERNELS.glob("*.cu")), ids=lambda p: p.name)
def test_headers_name_their_twins(path: Path):
    twin = f"gpuq/sim/devices/cpu_kernels/{path.stem}.py"
    assert twin in path.read_text().split("#include")[0], f"{path.name}'s header must name {twin}"
    module = importlib.import_module(f"gpuq.sim.devices.cpu_kernels.{path.stem}")
    assert f"kernels/{path.name}" in (module.__doc__ or ""), f"{twin}'s docstring must name kernels/{path.name}"
