"""The result of a job: one ``ExperimentResult`` per experiment.

Counts and memory are stored as the backends produce them, with hex keys
(``"0x5"``); ``Result.get_counts()`` formats them as bitstrings following the
bit order of DESIGN.md: classical bit 0 rightmost, registers separated by a
space with the last-declared register leftmost.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .._version import __version__
from ..exceptions import JobError
from .arrays import ComplexArray
from .qobj import ExperimentHeader


class ExperimentResultData(BaseModel):
    """What an experiment produced; absent fields were not asked for."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    counts: Optional[dict[str, int]] = None
    memory: Optional[list[str]] = None
    statevector: Optional[ComplexArray] = None
    unitary: Optional[ComplexArray] = None
    expectation_values: Optional[ComplexArray] = None
    gradients: Optional[ComplexArray] = None


class ExperimentResult(BaseModel):
    """The outcome of one experiment.

    ``metadata`` records how it ran: ``device`` ("cpu" or "gpu"),
    ``device_reason`` (why that device: asked for, ``GPUQ_DEVICE``, or the auto
    policy), ``precision``, ``method`` and the fusion figures.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    shots: int = 0
    success: bool = True
    status: str = "DONE"
    seed_simulator: Optional[int] = None
    time_taken: float = 0.0
    header: ExperimentHeader = Field(default_factory=ExperimentHeader)
    data: ExperimentResultData = Field(default_factory=ExperimentResultData)
    metadata: dict[str, Any] = Field(default_factory=dict)


ExperimentKey = Union[int, str, Any, None]
"""An experiment named by index, name, or the circuit itself (anything with a ``name``)."""


class Result(BaseModel):
    """The result of a whole job."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    backend_name: str
    backend_version: str = __version__
    qobj_id: str = ""
    job_id: str = ""
    success: bool = True
    status: str = "COMPLETED"
    date: Optional[str] = None
    time_taken: float = 0.0
    header: dict[str, Any] = Field(default_factory=dict)
    results: list[ExperimentResult] = Field(default_factory=list)

    # ------------------------------------------------------------- selection
    def _experiment(self, key: ExperimentKey = None) -> ExperimentResult:
        """Find one experiment by index, name or circuit; no key means the only one."""
        if key is None:
            if len(self.results) != 1:
                names = [r.header.name for r in self.results]
                raise JobError(f"this result holds {len(self.results)} experiments {names}; name one")
            return self.results[0]
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not -len(self.results) <= key < len(self.results):
                raise JobError(f"experiment index {key} out of range: {len(self.results)} experiment(s)")
            return self.results[key]
        name = key if isinstance(key, str) else getattr(key, "name", None)
        matches = [result for result in self.results if result.header.name == name]
        if len(matches) > 1:
            warnings.warn(
                f"{len(matches)} experiments are named {name!r}; returning the first (select one by "
                "index to get another)",
                UserWarning,
                stacklevel=3,
            )
        if matches:
            return matches[0]
        raise JobError(f"no experiment named {name!r}; names: {[r.header.name for r in self.results]}")

    def _data(self, key: ExperimentKey, field: str) -> Any:
        experiment = self._experiment(key)
        if not experiment.success:
            raise JobError(f"experiment {experiment.header.name!r} failed: {experiment.status}")
        value = getattr(experiment.data, field)
        header = experiment.header
        if (
            value is None
            and field in ("counts", "memory")
            and not (header.memory_slots or sum(size for _, size in header.creg_sizes))
        ):
            raise JobError(
                f"no {field} for experiment {experiment.header.name!r}: it has no classical bits "
                "(as in Qiskit; measure into a classical register to get them)"
            )
        distributed = (experiment.metadata or {}).get("distributed")
        if value is None and field == "statevector" and distributed:
            raise JobError(
                f"the statevector of experiment {experiment.header.name!r} is returned on rank "
                f"{distributed['statevector_rank']} only (where it was gathered); this is rank {distributed['rank']}"
            )
        if value is None:
            raise JobError(
                f"no {field} for experiment {experiment.header.name!r}: it was not produced by this backend or run"
            )
        return experiment, value

    # --------------------------------------------------------------- getters
    def get_counts(self, experiment: ExperimentKey = None) -> dict[str, int]:
        """Counts keyed by bitstring (registers separated by spaces, clbit 0 rightmost)."""
        exp, counts = self._data(experiment, "counts")
        return {format_key(key, exp.header): value for key, value in counts.items()}

    def get_memory(self, experiment: ExperimentKey = None) -> list[str]:
        """Per-shot outcomes as bitstrings, in shot order (needs ``memory=True``)."""
        exp, memory = self._data(experiment, "memory")
        return [format_key(key, exp.header) for key in memory]

    def get_statevector(self, experiment: ExperimentKey = None, decimals: int | None = None) -> np.ndarray:
        """The final statevector (statevector backends)."""
        _, vector = self._data(experiment, "statevector")
        return np.round(vector, decimals) if decimals is not None else vector

    def get_unitary(self, experiment: ExperimentKey = None, decimals: int | None = None) -> np.ndarray:
        """The circuit's unitary (unitary backends)."""
        _, matrix = self._data(experiment, "unitary")
        return np.round(matrix, decimals) if decimals is not None else matrix

    def get_expectation_values(self, experiment: ExperimentKey = None) -> np.ndarray:
        """Exact expectation values on the final state, shape (bindings, observables).

        Real (float64) when every observable is Hermitian (real coefficients), complex otherwise.
        """
        _, values = self._data(experiment, "expectation_values")
        return _real_if_real(values)

    def get_gradients(self, experiment: ExperimentKey = None) -> np.ndarray:
        """Gradients of the expectation values, shape (bindings, observables, parameters).

        Parameters are in ``QuantumCircuit.parameters`` order; needs ``gradient=True``.
        """
        _, values = self._data(experiment, "gradients")
        return _real_if_real(values)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-compatible data."""
        return self.model_dump(mode="json")


def _real_if_real(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    return values.real.copy() if not np.any(values.imag) else values


def format_key(hex_key: str, header: ExperimentHeader) -> str:
    """Turn a hex count key into a bitstring grouped by classical register.

    The last-declared register is leftmost; within a register clbit 0 is
    rightmost. Without register sizes the key is ``memory_slots`` bits wide.
    """
    value = int(hex_key, 16)
    slots = header.memory_slots or sum(size for _, size in header.creg_sizes)
    bits = format(value, "b").zfill(slots)
    if not header.creg_sizes:
        return bits
    groups, position = [], 0
    for _, size in header.creg_sizes:
        groups.append(bits[len(bits) - position - size : len(bits) - position])
        position += size
    return " ".join(reversed(groups))
