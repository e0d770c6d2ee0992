"""Noisy runs of circuits with parameter bindings or observables: ``run_noisy_variational``.

Each binding's operations are bound (``ParametricCircuit.bound_ops``) and the
noise model is lowered into them again (an error follows a gate by its name
and qubits, never its angles). Without observables every binding is an
ordinary noisy run with its own seed, one outcome per binding, as ideal
bindings are. With observables there is one outcome whose expectation values
have shape (bindings, observables):

* **density matrix** (exact): rho is evolved, then for a Pauli string with
  masks ``(x, z)``, ``Tr(rho P) = i**|x & z| * sum_a (-1)**|a & z| rho[a, a ^ x]``.
  The ``2**n`` entries ``rho[a, a ^ x]`` of every distinct X mask are read in
  one gather (``Device.gather``), so no pass over rho's ``4**n`` amplitudes is
  needed (viewing ``Tr(rho O)`` as ``<<I| O (x) I |rho>>`` would cost a pass per
  observable and two more density matrices of memory).
* **trajectories**: the shared walk (``walker``) with ``shots`` trajectories;
  every walked state carries its shots, and its ``<psi|O|psi>`` comes from the
  Pauli kernels. The value is the shot-weighted mean and its standard error,
  ``sqrt(sum_t n_t |v_t - mean|**2 / (N (N - 1)))``, is in the metadata.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..chunks import Chunker
from ..devices.base import Device
from ..engine import ExperimentOutcome, RunSettings
from ..expectation import PauliTable, expectation_values
from ..memory import check_memory, run_memory
from ..ops import GateOp
from ..variational import VariationalOutcome, VariationalSpec
from .choice import NoisySpec
from .density import density_plan
from .lowering import NoisyOp, add_noise
from .run import run_noisy, serial_if_small, walk
from .trajectories import TrajectoryWalker, trajectory_plan

GATHER_ENTRIES = 1 << 22
"""Most entries of rho one gather reads (32 MiB of indices); more X masks take several gathers."""


def run_noisy_variational(
    spec: VariationalSpec,
    noise: NoisySpec,
    nqubits: int,
    settings: RunSettings,
    device: Device,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[ExperimentOutcome]:
    """Every binding of ``spec`` under ``noise``: one outcome per binding without observables, else one
    outcome with the (bindings, observables) expectation values.

    Raises:
        InsufficientMemoryError: before allocating, when the state does not fit.
        JobCancelledError: ``should_stop()`` turned true.
    """
    rows = spec.bindings
    if spec.observables is None:
        seeds = np.random.default_rng(settings.seed).integers(2**63, size=len(rows))
        outcomes = []
        for b, row in enumerate(rows):
            ops = _noisy_ops(spec, noise, row)
            outcome = run_noisy(ops, nqubits, replace(settings, seed=int(seeds[b])), device, noise.method, should_stop)
            outcome.metadata.update(binding=b, method_reason=noise.reason)
            outcomes.append(outcome)
        return outcomes
    started = time.perf_counter()
    table = PauliTable.build(spec.observables)
    values = np.zeros((len(rows), len(spec.observables)), dtype=complex)
    errors = np.zeros(values.shape)
    walks = 0
    rng = np.random.default_rng(settings.seed)
    for b, row in enumerate(rows):
        ops = _noisy_ops(spec, noise, row)
        if noise.method == "density_matrix":
            values[b] = density_expectations(ops, nqubits, settings, device, table, should_stop)
            continue
        values[b], errors[b], count = trajectory_expectations(ops, nqubits, settings, device, table, rng, should_stop)
        walks += count
    metadata: dict[str, Any] = {
        "method": noise.method,
        "method_reason": noise.reason,
        "precision": settings.precision,
        "bindings": len(rows),
        "engine_time": time.perf_counter() - started,
    }
    if noise.method == "trajectory":
        metadata.update(trajectories=settings.shots, walks=walks, standard_errors=errors.tolist())
    return [VariationalOutcome(metadata=metadata, expectation_values=values)]


def _noisy_ops(spec: VariationalSpec, noise: NoisySpec, row: np.ndarray) -> list[NoisyOp]:
    """One binding's operations with the noise model's channels (the plain operations without a model)."""
    bound = spec.circuit.bound_ops(row)
    return add_noise(bound, noise.model, noise.path) if noise.model is not None else list(bound)


def density_expectations(
    ops: Sequence[NoisyOp],
    nqubits: int,
    settings: RunSettings,
    device: Device,
    table: PauliTable,
    should_stop: Callable[[], bool] = lambda: False,
) -> np.ndarray:
    """``Tr(rho O_k)`` for every observable of ``table``, rho evolved exactly through ``ops`` (no measurements)."""
    need = run_memory(nqubits, settings.precision, method="density_matrix", measured=0)
    check_memory(need, device.free_bytes(), device.kind, "density matrix", settings.max_memory_mb)
    chunks = Chunker(device, 2 * nqubits, settings.precision, should_stop)
    state = device.zero_state(2 * nqubits, settings.precision)
    with serial_if_small(device, "density_matrix", nqubits):
        for op in density_plan(ops, nqubits, settings.fusion_max_qubits):
            assert isinstance(op, GateOp), "observables are refused on circuits with measurements or conditions"
            chunks.apply(state, op)
    return table.weights @ pauli_traces(device, state, nqubits, table.x_masks, table.z_masks)


def pauli_traces(device: Device, rho: Any, nqubits: int, x_masks: np.ndarray, z_masks: np.ndarray) -> np.ndarray:
    """``Tr(rho P_j)`` (complex) for the Pauli strings with masks ``x_masks[j], z_masks[j]``; ``rho`` is the
    ``2n``-qubit vector of a density matrix (``rho[r, c]`` at ``r * 2**n + c``)."""
    size = 1 << nqubits
    rows = np.arange(size, dtype=np.int64)
    distinct, which = np.unique(np.asarray(x_masks, dtype=np.int64), return_inverse=True)
    per_gather = max(1, GATHER_ENTRIES // size)
    entries = np.empty((len(distinct), size), dtype=np.complex128)
    for first in range(0, len(distinct), per_gather):
        masks = distinct[first : first + per_gather]
        indices = (rows << nqubits)[None, :] | (rows[None, :] ^ masks[:, None])
        entries[first : first + len(masks)] = np.asarray(device.gather(rho, indices.ravel())).reshape(len(masks), size)
    traces = np.empty(len(which), dtype=np.complex128)
    for j, (x, z) in enumerate(zip(np.asarray(x_masks, dtype=np.int64), np.asarray(z_masks, dtype=np.int64))):
        signs = 1.0 - 2.0 * (np.bitwise_count(rows & z) & 1)
        traces[j] = 1j ** int(np.bitwise_count(x & z)) * (entries[which[j]] @ signs)
    return traces


class _ExpectationWalker(TrajectoryWalker):
    """The trajectory walk that records ``(shots, <psi|O_k|psi>)`` of every final state."""

    def __init__(self, plan: Sequence[NoisyOp], chunks: Chunker, rng: np.random.Generator, table: PauliTable):
        super().__init__(plan, chunks, rng)
        self.table = table
        self.samples: list[tuple[int, np.ndarray]] = []

    def finish(self, state: Any, shots: int) -> None:
        self.samples.append((shots, expectation_values(self.chunks.device, state, self.table)))


def trajectory_expectations(
    ops: Sequence[NoisyOp],
    nqubits: int,
    settings: RunSettings,
    device: Device,
    table: PauliTable,
    rng: np.random.Generator,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The mean of ``<psi|O_k|psi>`` over ``settings.shots`` trajectories, its standard errors (0 with one
    trajectory), and the states walked."""
    plan = trajectory_plan(ops, settings.fusion_max_qubits)
    walker = _ExpectationWalker(plan, Chunker(device, nqubits, settings.precision, should_stop), rng, table)
    walk(walker, plan, nqubits, replace(settings, memory=False), device, "trajectory")
    shots = np.array([n for n, _ in walker.samples], dtype=np.float64)
    values = np.array([v for _, v in walker.samples])
    total = shots.sum()
    mean = shots @ values / total
    spread = shots @ np.abs(values - mean) ** 2
    errors = np.sqrt(spread / (total * (total - 1))) if total > 1 else np.zeros(len(mean))
    return mean, errors, walker.walks
