"""Run a variational experiment: many bindings of one circuit, expectation values and gradients.

With observables, each binding evolves |0...0> through the circuit's fused
plan (built once, ``parametric.FusedTemplate``), evaluates every observable
exactly on the final state and, when asked, runs the adjoint pass
(``adjoint.py``). Without gradients the passes of all bindings are built at
once (``batched.py``) and swept by ``sweep.py``; the result is one outcome with arrays of shape
(bindings, observables) and (bindings, observables, parameters). Without
observables, each binding is an ordinary run (counts or statevector) and
gives one outcome; gates followed only by measurements keep one fusion plan
for all bindings, other circuits are planned per binding by the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..exceptions import JobCancelledError
from ..quantum_info import SparsePauliOp
from .adjoint import adjoint_gradients, hermitian_parts
from .batched import batched_passes
from .engine import ExperimentOutcome, RunSettings, apply_gate, run_experiment
from .expectation import PauliTable, expectation_values
from .memory import check_memory, run_memory
from .ops import BarrierOp, GateOp, MeasureOp
from .parametric import FusedTemplate, ParametricCircuit
from .sweep import string_values


@dataclass
class VariationalOutcome(ExperimentOutcome):
    """An outcome with expectation values (bindings, observables) and gradients (..., parameters)."""

    expectation_values: np.ndarray | None = None
    gradients: np.ndarray | None = None


@dataclass(frozen=True)
class VariationalSpec:
    """What to run for one experiment: the circuit, its bindings, observables and whether to differentiate.

    Attributes:
        circuit: the lowered circuit with its parameter slots.
        bindings: float64 (bindings, parameters), columns in ``circuit.parameters`` order.
        observables: the observables (widened to the circuit), or None for plain runs per binding.
        gradient: also compute gradients (needs observables).
    """

    circuit: ParametricCircuit
    bindings: np.ndarray
    observables: tuple[SparsePauliOp, ...] | None
    gradient: bool

    def states_needed(self) -> int:
        """Statevectors alive at once: psi, plus one per Hermitian part when differentiating."""
        if not self.gradient or self.observables is None:
            return 1
        return 1 + len(hermitian_parts(PauliTable.build(self.observables)))


def run_variational(
    spec: VariationalSpec,
    nqubits: int,
    settings: RunSettings,
    device,
    should_stop: Callable[[], bool] = lambda: False,
    global_phase: float = 0.0,
) -> list[ExperimentOutcome]:
    """Run every binding of ``spec``; one outcome with observables, else one per binding."""
    if spec.observables is None:
        return _plain_runs(spec, nqubits, settings, device, should_stop, global_phase)
    started = time.perf_counter()
    need = run_memory(nqubits, settings.precision, method="statevector", copies=spec.states_needed())
    check_memory(need, device.free_bytes(), device.kind, "variational run", settings.max_memory_mb)
    plans_before = FusedTemplate.built
    template = FusedTemplate(spec.circuit, settings.fusion_max_qubits)
    table = PauliTable.build(spec.observables)
    nbind, nparams = spec.bindings.shape
    values = np.zeros((nbind, len(spec.observables)), dtype=complex)
    gradients = np.zeros((nbind, len(spec.observables), nparams), dtype=complex) if spec.gradient else None
    passes = None if spec.gradient else batched_passes(template, spec.bindings)
    if passes is not None:
        strings = string_values(
            device, passes, nbind, nqubits, settings.precision, table, should_stop, settings.max_memory_mb
        )
        values = strings @ table.weights.T
    for b, row in enumerate(spec.bindings if passes is None else ()):
        ops = spec.circuit.bound_ops(row)
        psi = device.zero_state(nqubits, settings.precision)
        for op in template.plan(ops):
            if should_stop():
                raise JobCancelledError("cancelled")
            apply_gate(device, psi, op)
        values[b] = expectation_values(device, psi, table)
        if gradients is not None:
            gradients[b] = adjoint_gradients(device, psi, spec.circuit, ops, row, table, should_stop)
    metadata = {
        "method": "expectation values" + (" and adjoint gradients" if spec.gradient else ""),
        "precision": settings.precision,
        "fusion": {
            "max_qubits": settings.fusion_max_qubits,
            "gates": template.gates,
            "passes": len(template.blocks),
            "plans_built": FusedTemplate.built - plans_before,
            "bindings": nbind,
            "batched": passes is not None,
        },
        "engine_time": time.perf_counter() - started,
    }
    return [VariationalOutcome(metadata=metadata, expectation_values=values, gradients=gradients)]


def _plain_runs(
    spec: VariationalSpec,
    nqubits: int,
    settings: RunSettings,
    device,
    should_stop: Callable[[], bool],
    global_phase: float,
) -> list[ExperimentOutcome]:
    """One ordinary run per binding; a gate prefix followed only by measurements is planned once."""
    ops = spec.circuit.ops
    prefix = next((i for i, op in enumerate(ops) if not isinstance(op, (GateOp, BarrierOp))), len(ops))
    tail = ops[prefix:]
    reusable = all(isinstance(op, MeasureOp) and op.condition is None for op in tail) and all(
        not isinstance(op, GateOp) or op.condition is None for op in ops[:prefix]
    )
    template = None
    plans_before = FusedTemplate.built
    if reusable:
        template = FusedTemplate(
            ParametricCircuit(ops[:prefix], spec.circuit.slots, spec.circuit.parameters), settings.fusion_max_qubits
        )
    seeds = np.random.default_rng(settings.seed).integers(2**63, size=len(spec.bindings))
    outcomes = []
    for b, row in enumerate(spec.bindings):
        bound = spec.circuit.bound_ops(row)
        run_settings = replace(settings, seed=int(seeds[b]))
        if template is not None:
            planned = [*template.plan(bound[:prefix]), *bound[prefix:]]
            outcome = run_experiment(
                planned, nqubits, replace(run_settings, fusion_max_qubits=1), device, should_stop, global_phase
            )
            outcome.metadata["fusion"] = {
                "max_qubits": settings.fusion_max_qubits,
                "gates": template.gates,
                "passes": len(template.blocks),
                "plans_built": FusedTemplate.built - plans_before,
            }
        else:
            outcome = run_experiment(bound, nqubits, run_settings, device, should_stop, global_phase)
        outcome.metadata["binding"] = b
        outcomes.append(outcome)
    return outcomes
