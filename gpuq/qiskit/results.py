"""gpuq results → ``qiskit.result.Result``, formatted as Qiskit Aer formats its own.

Counts and memory keep gpuq's hex keys over every classical bit (unmeasured
bits read 0), with Aer's header (``creg_sizes``, ``memory_slots``), so
``Result.get_counts()`` groups and orders bits exactly as with Aer. As with
Aer, a circuit that measures nothing has no counts. A saved statevector is
widened back to all the circuit's qubits (the idle ones are |0⟩).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import numpy as np
from qiskit.quantum_info import Statevector
from qiskit.result import Result
from qiskit.result.models import ExperimentResult, ExperimentResultData

from .. import models
from ..exceptions import InsufficientMemoryError, JobError
from .convert import ConvertedCircuit

MAX_WIDENED_QUBITS = 34
"""Widest statevector the adapter widens back to a circuit's full qubit count (256 GiB in double precision)."""


def widen_statevector(compact: np.ndarray, qubits: Sequence[int], num_qubits: int) -> np.ndarray:
    """Place a state of the simulated ``qubits`` into the state of all ``num_qubits`` (the others |0⟩).

    Raises:
        InsufficientMemoryError: the widened state would be larger than ``MAX_WIDENED_QUBITS`` qubits.
    """
    if list(qubits) == list(range(num_qubits)):
        return compact
    if num_qubits > MAX_WIDENED_QUBITS:
        needed = compact.itemsize << num_qubits
        raise InsufficientMemoryError(
            needed,
            compact.itemsize << MAX_WIDENED_QUBITS,
            "host",
            f"the {num_qubits}-qubit statevector of a circuit that uses {len(qubits)}",
        )
    local = np.arange(compact.shape[0], dtype=np.int64)
    full_index = np.zeros_like(local)
    for position, qubit in enumerate(qubits):
        full_index |= ((local >> position) & 1) << qubit
    full = np.zeros(1 << num_qubits, dtype=compact.dtype)
    full[full_index] = compact
    return full


def experiment_result(
    converted: ConvertedCircuit, result: models.result.ExperimentResult, memory: bool
) -> ExperimentResult:
    """One experiment's gpuq result as Qiskit's, with Aer's header and data keys."""
    fields: dict = {}
    data = result.data
    if result.success:
        if converted.measures and data.counts is not None:
            fields["counts"] = dict(data.counts)
            if memory and data.memory is not None:
                fields["memory"] = list(data.memory)
        if data.statevector is not None:
            vector = widen_statevector(np.asarray(data.statevector), converted.qubits, converted.num_qubits)
            fields["statevector"] = Statevector(vector)
        if data.unitary is not None:
            fields["unitary"] = np.asarray(data.unitary)
    return ExperimentResult(
        shots=result.shots,
        success=result.success,
        data=ExperimentResultData(**fields),
        status=result.status,
        seed_simulator=result.seed_simulator,
        header=dict(converted.header),
        time_taken=result.time_taken,
        metadata=dict(result.metadata),
    )


def successful(experiment: ExperimentResult) -> ExperimentResult:
    """``experiment`` when it succeeded (the primitives need every one).

    Raises:
        JobError: it failed; the message is gpuq's reason.
    """
    if not experiment.success:
        raise JobError(f"experiment {experiment.header['name']!r} failed: {experiment.status}")
    return experiment


def qiskit_result(
    backend_name: str, backend_version: str, job_id: str, experiments: list[ExperimentResult], time_taken: float
) -> Result:
    """The whole job's Result; ``success`` only when every experiment succeeded, as Aer reports it."""
    success = all(e.success for e in experiments)
    status = "COMPLETED" if success else "PARTIAL COMPLETED" if any(e.success for e in experiments) else "ERROR"
    return Result(
        backend_name=backend_name,
        backend_version=backend_version,
        job_id=job_id,
        success=success,
        results=experiments,
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(),
        status=status,
        header={"backend_name": backend_name, "backend_version": backend_version},
        time_taken=time_taken,
    )
