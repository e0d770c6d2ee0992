"""``EstimatorV2``: Qiskit's ``BaseEstimatorV2`` on gpuq, exact expectation values of every binding in one job.

For each PUB the parameter-value array and the observables array broadcast
as Qiskit defines; the values needed are computed once per (binding,
observable) by ``expectation_values`` and then indexed into the broadcast
shape. With ``precision > 0`` each value gets Gaussian noise of that standard
deviation from a generator seeded as Aer's ``EstimatorV2`` seeds it (``seed``,
a new generator per PUB), and ``stds`` reports the precision, as Aer does.

With a ``noise_model`` on the backend the values are noisy: exact ``Tr(rho O)``
from the density matrix when it fits (``method`` "automatic" up to 13 qubits,
or "density_matrix"; precision then adds Gaussian noise as above), else the
mean over ``ceil(1 / precision**2)`` trajectories (the backend's ``shots``
when the precision is 0), with ``stds`` their standard errors.
"""

from __future__ import annotations

import math
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
from .backend import METHODS, GpuqSimulator
from .convert import convert_circuit


def expectation_values(
    backend: GpuqSimulator,
    circuit: QuantumCircuit,
    parameter_values: BindingsArray,
    observables: Sequence[Mapping[str, complex]],
    trajectories: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``⟨O⟩`` for every binding ``b`` (flattened, C order) and observable, shape (bindings, observables),
    and their standard errors (None when the values are exact).

    The one place the Estimator computes values: the bindings are bound in
    Qiskit, every bound circuit becomes one experiment of a single gpuq job on
    ``backend``, and gpuq's own expectation-value code evaluates the Pauli sums
    (the observables travel in each experiment, as ``execute(..., observables=...)``
    puts them): on the statevector simulator ``⟨ψ(b)|O|ψ(b)⟩``; on the qasm simulator with
    the backend's ``noise_model``, ``Tr(ρ(b) O)`` exactly from the density matrix, or the mean
    over ``trajectories`` trajectories when the backend's ``method`` or the circuit's size asks
    for trajectories (``sim/noisy/choice.py``).

    Raises:
        CircuitError: the circuit measures, resets or branches (an estimator needs a final state).
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
    # gpuq's run options; ``method`` is spelt as in Aer (``GpuqSimulator``) and only a noisy run has one.
    settings = dict(backend.options.items())
    options = {key: value for key, value in settings.items() if key in OPTION_NAMES and key != "method"}
    if settings.get("noise_model") is not None:
        options.update(method=METHODS[settings["method"]], shots=trajectories or settings["shots"])
    result = backend.gpuq_backend.run(Qobj(experiments=experiments), **options).result()
    values = np.stack([np.asarray(result.get_expectation_values(index))[0] for index in range(len(experiments))])
    if result.results[0].metadata.get("method") != "trajectory":
        return values, None
    return values, np.array([result.results[index].metadata["standard_errors"][0] for index in range(len(experiments))])


class EstimatorV2(BaseEstimatorV2):
    """Exact expectation values on gpuq's statevector simulator, or noisy ones under a noise model.

    Args:
        backend: the ``GpuqSimulator`` whose device pin and options to use
            (``GpuqSimulator()`` when omitted); the Estimator runs on the
            statevector simulator of the same pin, or on its qasm simulator
            when the options hold a ``noise_model``.
        default_precision: the precision of PUBs that set none (0: exact values).
        seed: seed of the noise added when a precision is positive.
    """

    def __init__(
        self, *, backend: GpuqSimulator | None = None, default_precision: float = 0.0, seed: int | None = None
    ):
        source = backend if backend is not None else GpuqSimulator()
        pin = f"_{source.gpuq_backend.pin}" if source.gpuq_backend.pin else ""
        options = dict(source.options.items())
        if options.get("noise_model") is None:
            del options["shots"], options["memory"]
            self._backend = GpuqSimulator("statevector_simulator" + pin, **options)
        else:
            self._backend = GpuqSimulator("qasm_simulator" + pin, **options)
        self._default_precision = default_precision
        self._seed = seed

    @property
    def backend(self) -> GpuqSimulator:
        """The backend the PUBs run on: the statevector simulator, or the qasm simulator under a noise model."""
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
        trajectories = math.ceil(1 / pub.precision**2) if pub.precision > 0 else None
        values, errors = expectation_values(
            self._backend, pub.circuit, pub.parameter_values, observables.ravel().tolist(), trajectories
        )
        binding_index = np.arange(pub.parameter_values.size).reshape(pub.parameter_values.shape)
        observable_index = np.arange(observables.size).reshape(observables.shape)
        rows, columns = np.broadcast_arrays(binding_index, observable_index)
        evs = values[rows, columns]
        metadata: dict[str, Any] = {"target_precision": pub.precision, "circuit_metadata": pub.circuit.metadata}
        if errors is not None:  # trajectories: their mean already carries the statistical error
            metadata["trajectories"] = trajectories or self._backend.options.shots
            return PubResult(
                DataBin(evs=np.real(evs).astype(float), stds=errors[rows, columns], shape=evs.shape), metadata=metadata
            )
        if pub.precision > 0:
            if not np.allclose(evs.imag, 0, atol=1e-10):
                raise ValueError("an observable is not Hermitian, so noise cannot be added to its value")
            evs = np.random.default_rng(self._seed).normal(evs.real, pub.precision, evs.shape)
        evs = np.asarray(np.real(evs), dtype=float)
        stds = np.full(evs.shape, pub.precision)
        return PubResult(DataBin(evs=evs, stds=stds, shape=evs.shape), metadata=metadata)
