"""Static: every CUDA entry has a Numba twin of the same name and arity, and the files name each other.

``kernels/<family>.cu`` pairs with ``gpuq/sim/devices/cpu_kernels/<family>.py``;
an entry ``name_c64`` / ``name_c128`` pairs with the Numba function ``name``.
The signature table ``KERNELS`` (from which gpu.py casts and the host build
takes its ctypes types) matches the C parameter types of every entry, and
every entry gpu.py launches is in the table.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from gpuq.sim.devices.kernel_sources import ARG_KINDS
from gpuq.sim.devices.kernel_sources import KERNELS as TABLE

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
    assert families == ["adjoint", "diagonal", "matrix", "measure", "pauli", "permute"]


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
            f"{name}: CUDA takes {arity} arguments, the Numba twin {len(inspect.signature(py_func).parameters)}"
        )
        both = sorted({f"{name}_c64", f"{name}_c128"})
        assert all(entry in path.read_text() for entry in both), f"{name}: both precisions expected"


@pytest.mark.parametrize("path", sorted(KERNELS.glob("*.cu")), ids=lambda p: p.name)
def test_headers_name_their_twins(path: Path):
    twin = f"gpuq/sim/devices/cpu_kernels/{path.stem}.py"
    assert twin in path.read_text().split("#include")[0], f"{path.name}'s header must name {twin}"
    module = importlib.import_module(f"gpuq.sim.devices.cpu_kernels.{path.stem}")
    assert f"kernels/{path.name}" in (module.__doc__ or ""), f"{twin}'s docstring must name kernels/{path.name}"


C_TYPES = {
    "state": "gpuq::Complex<{T}>*",
    "complex": "gpuq::Complex<{T}>*",
    "real": "{T}*",
    "int32s": "int*",
    "int64s": "long long*",
    "masks": "gpuq::mask_t*",
    "doubles": "double*",
    "complex128s": "gpuq::Complex<double>*",
    "int": "int",
    "mask": "gpuq::mask_t",
    "index": "gpuq::index_t",
    "double": "double",
}
"""The C type of each argument kind, ``const`` dropped; ``{T}`` is float for _c64, double for _c128."""
REAL = {"64": "float", "128": "double"}


def c_parameter_types(params: str) -> list[str]:
    """C types of a parameter list: ``const`` and the names dropped, spaces normalised."""
    types = []
    for param in params.split(","):
        words = param.replace("*", " * ").replace("const", " ").split()
        types.append(" ".join(words[:-1]).replace(" *", "*"))
    return types


def all_entries() -> dict[str, tuple[str, list[str]]]:
    """Every suffixed entry of kernels/*.cu → (family, C parameter types)."""
    found = {}
    for path in sorted(KERNELS.glob("*.cu")):
        for name, params in ENTRY.findall(path.read_text()):
            found[name] = (path.stem, c_parameter_types(params))
    return found


def test_the_table_is_the_c_signatures():
    entries = all_entries()
    assert set(C_TYPES) == set(ARG_KINDS)
    assert sorted(entries) == sorted(f"{name}_c{bits}" for name in TABLE for bits in REAL), (
        "kernels/*.cu entries and the signature table differ"
    )
    for name, (family, types) in entries.items():
        base, bits = SUFFIX.sub("", name), SUFFIX.search(name).group(1)
        entry = TABLE[base]
        assert entry.family == family, f"{name} is defined in {family}.cu, the table says {entry.family}"
        want = [C_TYPES[kind].format(T=REAL[bits]) for kind in entry.args]
        assert types == want, f"{name}: C parameters {types}, the table says {want}"


def test_every_entry_gpu_py_launches_exists():
    devices = ROOT / "gpuq" / "sim" / "devices"
    source = "".join((devices / name).read_text() for name in ("gpu.py", "gpu_pauli.py"))
    launched = set(re.findall(r"_launch\(\s*\"(\w+)\"", source))
    assert launched, "gpu.py launches no kernel through _launch"
    assert launched <= set(TABLE), f"gpu.py launches entries not in the table: {sorted(launched - set(TABLE))}"
    defined = all_entries()
    for name in launched:
        assert {f"{name}_c64", f"{name}_c128"} <= set(defined), f"gpu.py launches {name}, not in kernels/*.cu"
