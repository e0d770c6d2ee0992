"""``gpuq.diagnose()``: what gpuq sees of this machine, and why the GPU is or is not used.

Installing and detecting the GPU is where users of GPU simulators struggle
most, so the report names versions, each device's free memory and largest
state per precision, the Numba threading layer and cache directory, and,
when the GPU is not usable, the exact reason and the command that fixes it.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from typing import Any

from .exceptions import SimulationError
from .sim.memory import largest_qubits

_PRECISIONS = ("single", "double")


@dataclass
class Diagnosis:
    """The facts ``gpuq doctor`` prints; ``as_dict()`` gives them as plain data."""

    versions: dict[str, str] = field(default_factory=dict)
    cpu: dict[str, Any] = field(default_factory=dict)
    gpus: list[dict[str, Any]] = field(default_factory=list)
    gpu_problem: str | None = None
    gpu_fix: str | None = None
    auto_device: str = "cpu"
    gpuq_device_env: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-compatible data."""
        return dict(self.__dict__)

    def __str__(self) -> str:
        lines = ["gpuq " + self.versions.get("gpuq", "?"), ""]
        lines += [f"  {name:<16} {version}" for name, version in self.versions.items() if name != "gpuq"]
        lines += ["", "CPU"]
        lines += [f"  {key:<16} {value}" for key, value in self.cpu.items()]
        lines += ["", "GPU"]
        for gpu in self.gpus:
            lines.append(
                f"  [{gpu['index']}] {gpu['name']}: {gpu['free_bytes'] / 2**30:.1f} GiB free of "
                f"{gpu['total_bytes'] / 2**30:.1f} GiB; largest state {gpu['max_qubits']['single']} qubits "
                f"single, {gpu['max_qubits']['double']} double"
            )
        if self.gpu_problem:
            lines.append(f"  not usable: {self.gpu_problem}")
            if self.gpu_fix:
                lines.append(f"  fix: {self.gpu_fix}")
        lines += ["", f'device="auto" picks: {self.auto_device}', f"GPUQ_DEVICE: {self.gpuq_device_env or '(not set)'}"]
        return "\n".join(lines)


def diagnose() -> Diagnosis:
    """Collect the report; never raises for a missing or broken GPU (that is what it reports)."""
    from . import __version__

    report = Diagnosis(gpuq_device_env=os.environ.get("GPUQ_DEVICE"))
    report.versions = {"gpuq": __version__, "python": platform.python_version(), **_package_versions()}
    report.cpu = _cpu_facts()
    report.gpus, report.gpu_problem = _gpu_facts()
    report.gpu_fix = _fix_for(report.gpu_problem) if report.gpu_problem else None
    report.auto_device = "gpu" if report.gpus and not report.gpu_problem else "cpu"
    return report


def _package_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in ("numpy", "numba", "pydantic", "cupy-cuda13x", "cupy-cuda12x", "cupy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if not name.startswith("cupy"):
                versions[name] = "not installed"
    return versions


def _cpu_facts() -> dict[str, Any]:
    from .sim.devices.select import cpu_device

    device = cpu_device()
    free = device.free_bytes()
    return {
        "device": device.description(),
        "free memory": f"{free / 2**30:.1f} GiB",
        "largest state": ", ".join(f"{largest_qubits(free, p)} qubits {p}" for p in _PRECISIONS),
        **device.facts(),
    }


def _gpu_facts() -> tuple[list[dict[str, Any]], str | None]:
    from .sim.devices.gpu_inventory import list_gpus
    from .sim.devices.gpu_probe import gpu_unavailable_reason

    problem = gpu_unavailable_reason()
    if problem is not None:
        return [], problem
    try:
        gpus = list_gpus()
    except SimulationError as exc:
        return [], str(exc)
    for facts in gpus:
        facts["max_qubits"] = {p: largest_qubits(facts["free_bytes"], p) for p in _PRECISIONS}
    return gpus, None


def _fix_for(problem: str) -> str | None:
    """The command or step most likely to fix a GPU problem."""
    text = problem.lower()
    if "not installed" in text:
        return "pip install cupy-cuda13x   (or cupy-cuda12x for a CUDA 12 driver; nvidia-smi shows the version)"
    if "failed to import" in text or "libcu" in text:
        return (
            "reinstall the CuPy wheel matching your driver: "
            "pip install --force-reinstall cupy-cuda13x (or cupy-cuda12x)"
        )
    if "driver" in text or "no cuda device" in text:
        return "check that nvidia-smi lists the GPU; install or update the NVIDIA driver"
    return None
