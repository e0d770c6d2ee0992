"""Per-backend caps on what one request may ask for, checked before anything is queued.

The caps are request bytes, qubits per experiment, shots and experiments per
job, and the size of the result a job would produce (estimated from the
request: per-shot memory, counts keys, statevectors and unitaries), so that a
small request cannot make a result the server cannot hold. Built-in defaults
depend on the simulation method (a statevector or a unitary comes back as
JSON, so they are capped lower than counts); a JSON
file given to ``gpuq serve --limits`` overrides them::

    {"default": {"max_shots": 100000},
     "backends": {"qasm_simulator": {"max_qubits": 30}, "unitary_simulator_gpu": {"max_qubits": 12}}}

A backend's caps come from its full name, else its name without the device
suffix, else ``default``, else the built-ins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from ..exceptions import GpuqError, LimitExceeded, RequestTooLargeError
from ..models.qobj import Qobj


class BackendLimits(BaseModel):
    """The caps of one backend."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_request_bytes: int = Field(8 * 2**20, ge=1024, description="Largest request body, in bytes.")
    max_qubits: int = Field(28, ge=1, le=64, description="Most qubits in one experiment.")
    max_shots: int = Field(1_000_000, ge=1, description="Most shots of a job.")
    max_experiments: int = Field(300, ge=1, description="Most experiments in a job.")
    max_result_bytes: int = Field(
        128 * 2**20, ge=1024, description="Largest result a job may produce, in bytes (JSON, estimated before it runs)."
    )


_BUILTIN = {
    "qasm": BackendLimits(),
    "statevector": BackendLimits(max_qubits=20),
    "unitary": BackendLimits(max_qubits=10),
}


class _PartialLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_request_bytes: int | None = Field(None, ge=1024)
    max_qubits: int | None = Field(None, ge=1, le=64)
    max_shots: int | None = Field(None, ge=1)
    max_experiments: int | None = Field(None, ge=1)
    max_result_bytes: int | None = Field(None, ge=1024)


class LimitsFile(BaseModel):
    """The ``--limits`` file: defaults for every backend and overrides by backend name."""

    model_config = ConfigDict(extra="forbid")

    default: _PartialLimits = Field(default_factory=_PartialLimits)
    backends: dict[str, _PartialLimits] = Field(default_factory=dict)


class Limits:
    """Caps for every backend, from the built-ins and an optional limits file."""

    def __init__(self, config: LimitsFile | None = None):
        self._config = config or LimitsFile()

    @classmethod
    def from_file(cls, path: str | None) -> Limits:
        """Read a limits file; None gives the built-ins.

        Raises:
            GpuqError: the file cannot be read or does not match the format.
        """
        if path is None:
            return cls()
        try:
            with open(path, encoding="utf-8") as handle:
                return cls(LimitsFile.model_validate(json.load(handle)))
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            problem = "unknown key" if first.get("type") == "extra_forbidden" else str(first.get("msg", "invalid"))
            known = (
                "default, backends" if len(first.get("loc", ())) == 1 else ", ".join(sorted(BackendLimits.model_fields))
            )
            raise GpuqError(f"cannot use the limits file {path!r}: {where}: {problem} (allowed: {known})") from exc
        except (OSError, ValueError) as exc:
            raise GpuqError(f"cannot use the limits file {path!r}: {exc}") from exc

    def for_backend(self, name: str, method: str) -> BackendLimits:
        """The caps of the backend ``name``, which runs ``method``."""
        fields: dict[str, Any] = _BUILTIN[method].model_dump()
        base = name.removesuffix("_cpu").removesuffix("_gpu")
        layers = [self._config.default, self._config.backends.get(base), self._config.backends.get(name)]
        for layer in layers:
            if layer is not None:
                fields.update(layer.model_dump(exclude_none=True))
        return BackendLimits(**fields)

    def largest_request(self, backends: Iterable[tuple[str, str]]) -> int:
        """The largest body any of ``backends`` (name, method) accepts: reading a body stops there."""
        return max(self.for_backend(name, method).max_request_bytes for name, method in backends)


def check_request_bytes(size: int, limits: BackendLimits, field: str = "body") -> None:
    """Raise ``RequestTooLargeError`` when a request body is over the cap."""
    if size > limits.max_request_bytes:
        raise RequestTooLargeError(field, limits.max_request_bytes, size)


def check_qobj(
    qobj: Qobj, shots: int, limits: BackendLimits, prefix: str = "qobj", method: str = "qasm", memory: bool = False
) -> None:
    """Raise ``LimitExceeded`` naming the first field of ``qobj`` over a cap.

    Args:
        qobj: the validated Qobj.
        shots: the shots the job will run (after option precedence).
        limits: the backend's caps.
        prefix: path of the Qobj in the request, for the field names.
        method: what the backend returns: "qasm" (counts), "statevector" or "unitary".
        memory: whether every shot's outcome is returned too.
    """
    if len(qobj.experiments) > limits.max_experiments:
        raise LimitExceeded(
            f"{prefix}.experiments", limits.max_experiments, len(qobj.experiments), "number of experiments"
        )
    if shots > limits.max_shots:
        raise LimitExceeded(f"{prefix}.config.shots", limits.max_shots, shots, "shots")
    for index, experiment in enumerate(qobj.experiments):
        if experiment.config.n_qubits > limits.max_qubits:
            raise LimitExceeded(
                f"{prefix}.experiments.{index}.config.n_qubits", limits.max_qubits, experiment.config.n_qubits, "qubits"
            )
    total = 0
    for index, experiment in enumerate(qobj.experiments):
        size = result_bytes(experiment.config.n_qubits, experiment.config.memory_slots, shots, method, memory)
        total += size
        if total > limits.max_result_bytes:
            field = f"{prefix}.experiments.{index}" if size > limits.max_result_bytes else f"{prefix}.experiments"
            raise LimitExceeded(field, limits.max_result_bytes, total, "estimated result size in bytes")


_AMPLITUDE_BYTES = 48
"""An amplitude as JSON: ``[-0.1234567890123456, 0.1234567890123456], ``."""


def result_bytes(nqubits: int, memory_slots: int, shots: int, method: str, memory: bool) -> int:
    """An upper estimate of one experiment's result as JSON, in bytes (without the fixed envelope).

    Counts have at most ``min(shots, 2**memory_slots)`` keys of ``memory_slots / 4``
    hex digits; per-shot memory has ``shots`` of them; a statevector has
    ``2**n`` amplitudes and a unitary ``4**n``.
    """
    if method == "statevector":
        return _AMPLITUDE_BYTES << nqubits
    if method == "unitary":
        return _AMPLITUDE_BYTES << (2 * nqubits)
    key = -(-memory_slots // 4) + 6  # "0x...": plus quotes, separators and room for the count
    outcomes = shots if memory_slots >= 63 else min(shots, 1 << memory_slots)
    return outcomes * (key + 12) + (shots * key if memory else 0)
