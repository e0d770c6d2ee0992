"""``EstimatorV2``: Qiskit's ``BaseEstimatorV2`` on gpuq, exact expectation values of every binding in one job.

For each PUB the parameter-value array and the observables array broadcast
as Qiskit defines; the values needed are computed once per (binding,
observable) by ``expectation_values`` and then indexed into the broadcast
shape. With ``precision > 0`` each value gets Gaussian noise of that standard
deviation from a generator seeded as Aer's ``EstimatorV2`` seeds it (``seed``,
a new generator per PUB), and ``stds`` reports the precision, as Aer does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import (
    BaseEstimatorV2,
    DataBin,
    PrimitiveJob,
    PrimitiveResult,
    PubResult,
)
from qiskit.primitives.containers.bindings_array import BindingsArray
from qiskit.primitives.containers.estimator_pub import EstimatorPub, EstimatorPubLike

from ..exceptions import CircuitError
from ..models.options import OPTION_NAMES
from ..models.qobj import Observable, Qobj
from ..quantum_info import SparsePauliOp
from .backend import GpuqSimulator
from .convert import convert_circuit


def expectation_values(
    backend: GpuqSimulator,
    circuit: QuantumCircuit,
    parameter_values: BindingsArray,
    observables: Sequence[Mapping[str, complex]],
) -> np.ndarray:
    """``⟨ψ(b)|O|ψ(b)⟩`` for every binding ``b`` (flattened, C order) and observable: shape (bindings, observables).

    The one place the Estimator computes values: the bindings are bound in
    Qiskit, every bound circuit becomes one experiment of a single gpuq job on
    ``backend``'s statevector simulator, and gpuq's own expectation-value
    kernels evaluate the Pauli sums on each final state (the observables travel
    in each experiment, as ``execute(..., observables=...)`` puts them).

    Raises:
        CircuitError: the circuit measures, resets or branches (an estimator needs a pure state).
    """
    stateful = sorted(
        {inst.operation.name for inst in circuit.data if inst.operation.name in ("measure", "reset", "if_else")}
    )
    if stateful:
        raise CircuitError(
            f"EstimatorV2 needs a circuit of gates; circuit {circuit.name!r} has "
            f"{', '.join(stateful)} (remove them, or use SamplerV2)"
        )
    wire = [
        Observable.model_validate(SparsePauliOp.from_list(list(observable.items())).to_wire())
        for observable in observables
    ]
    experiments = []
    for index, bound in enumerate(parameter_values.bind_all(circuit).ravel().tolist()):
        experiment = convert_circuit(bound, index, compact=False).experiment
        experiments.append(
            experiment.model_copy(update={"config": experiment.config.model_copy(update={"observables": wire})})
        )
    # gpuq's run options, less ``method``: the adapter spells it as Aer does (``GpuqSimulator``), and values
    # come from the statevector simulator, where a noise model is refused by name rather than ignored.
    options = {key: value for key, value in backend.options.items() if key in OPTION_NAMES and key != "method"}
    result = backend.gpuq_backend.run(Qobj(experiments=experiments), **options).result()
    return np.stack([np.asarray(result.get_expectation_values(index))[0] for index in range(len(experiments))])


class EstimatorV2(BaseEstimatorV2):
    """Exact expectation values on gpuq's statevector simulator.

    Args:
        backend: the ``GpuqSimulator`` whose device pin and options to use
            (``GpuqSimulator()`` when omitted); the Estimator runs on the
            statevector simulator of the same pin.
        default_precision: the precision of PUBs that set none (0: exact values).
        seed: seed of the noise added when a precision is positive.
    """

    def __init__(
        self, *, backend: GpuqSimulator | None = None, default_precision: float = 0.0, seed: int | None = None
    ):
        source = backend if backend is not None else GpuqSimulator()
        pin = source.gpuq_backend.pin
        options = {key: value for key, value in source.options.items() if key not in ("shots", "memory")}
        self._backend = GpuqSimulator("statevector_simulator" + (f"_{pin}" if pin else ""), **options)
        self._default_precision = default_precision
        self._seed = seed

    @property
    def backend(self) -> GpuqSimulator:
        """The statevector backend the PUBs run on."""
        return self._backend

    def run(
        self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None
    ) -> PrimitiveJob[PrimitiveResult[PubResult]]:
        """Estimate every PUB; returns a job at once."""
        precision = self._default_precision if precision is None else precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        for position, pub in enumerate(coerced):
            if pub.precision < 0:
                raise ValueError(f"PUB {position} has precision {pub.precision}; it must be 0 or more")
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _run(self, pubs: list[EstimatorPub]) -> PrimitiveResult[PubResult]:
        return PrimitiveResult([self._run_pub(pub) for pub in pubs], metadata={"version": 2})

    def _run_pub(self, pub: EstimatorPub) -> PubResult:
        observables = np.asarray(pub.observables)
        values = expectation_values(self._backend, pub.circuit, pub.parameter_values, observables.ravel().tolist())
        binding_index = np.arange(pub.parameter_values.size).reshape(pub.parameter_values.shape)
        observable_index = np.arange(observables.size).reshape(observables.shape)
        rows, columns = np.broadcast_arrays(binding_index, observable_index)
        evs = values[rows, columns]
        if pub.precision > 0:
            if not np.allclose(evs.imag, 0, atol=1e-10):
                raise ValueError("an observable is not Hermitian, so noise cannot be added to its value")
            evs = np.random.default_rng(self._seed).normal(evs.real, pub.precision, evs.shape)
        evs = np.asarray(np.real(evs), dtype=float)
        stds = np.full(evs.shape, pub.precision)
        metadata: dict[str, Any] = {"target_precision": pub.precision, "circuit_metadata": pub.circuit.metadata}
        return PubResult(DataBin(evs=evs, stds=stds, shape=evs.shape), metadata=metadata)
