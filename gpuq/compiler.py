"""Circuits → Qobj, and ``execute`` (compile then run).

Compilation maps registers to flat qubit and clbit indices, keeps the
register layout in each experiment's header (the result needs it to format
count keys), and checks every operation against the gates the backend lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

from .binds import variational_fields
from .circuit.parameter import ParameterExpression
from .circuit.quantumcircuit import QuantumCircuit
from .exceptions import CircuitError, QobjValidationError
from .models.options import QobjConfig, validate_options
from .models.qobj import Condition, Experiment, ExperimentConfig, ExperimentHeader, Instruction, Qobj, QobjHeader
from .providers.base import BaseBackend, BaseJob

Circuits = Union[QuantumCircuit, Sequence[QuantumCircuit]]


def compile(
    circuits: Circuits,
    backend: BaseBackend | None = None,
    qobj_id: str | None = None,
    seed: int | None = None,
    **options: Any,
) -> Qobj:
    """Compile circuits into a ``Qobj`` for ``backend``.

    The Qobj's config holds only the options given here; whatever is left out
    falls back, when the Qobj runs, to the backend's options (``set_options``)
    and then to the defaults.

    Args:
        circuits: one circuit or a list of them; each becomes an experiment
            (the same circuit may appear more than once).
        backend: the backend object the Qobj is meant for; the instructions it
            supports are checked. None skips the check.
        qobj_id: an identifier; a UUID when omitted.
        seed: shorthand for ``seed_simulator``.
        **options: run options (``shots``, ``memory``, ``seed_simulator``,
            ``precision``, ``device``, ``gradient``, ...; see ``gpuq.models.RunOptions``),
            and ``parameter_binds`` / ``observables`` (docs/variational.md), which
            become fields of each experiment's config.

    Raises:
        CircuitError: a circuit uses a gate the backend does not support.
        QobjValidationError: an unknown option or a bad value, or no circuits.
    """
    if isinstance(backend, str):
        raise QobjValidationError(
            f"compile() takes a backend object, not the name {backend!r}; "
            "get one with gpuq.Local.get_backend(name), or use execute()",
            "backend",
        )
    circuit_list = [circuits] if isinstance(circuits, QuantumCircuit) else list(circuits)
    if not circuit_list:
        raise QobjValidationError("no circuits to compile", "experiments")
    for index, circuit in enumerate(circuit_list):
        if not isinstance(circuit, QuantumCircuit):
            raise QobjValidationError(
                f"expected a QuantumCircuit, got {type(circuit).__name__}", f"experiments.{index}"
            )
    if seed is not None:
        options.setdefault("seed_simulator", seed)
    variational = variational_fields(
        circuit_list, options.pop("parameter_binds", None), options.pop("observables", None)
    )
    config = QobjConfig(**validate_options(options, "config"))
    supported = backend.supported_instructions() if backend is not None else None
    experiments = [
        _experiment(circuit, supported, index, variational[index]) for index, circuit in enumerate(circuit_list)
    ]
    header = QobjHeader(backend_name=backend.name() if backend is not None else None)
    fields = {"qobj_id": qobj_id} if qobj_id else {}
    return Qobj(config=config, header=header, experiments=experiments, **fields)


def execute(circuits: Circuits, backend: BaseBackend | str, **options: Any) -> BaseJob:
    """Compile ``circuits`` for ``backend`` (an object, or a local backend's name) and run them.

    Returns the job at once; ``options`` are as for ``compile``, and ``executor=`` (local
    backends) runs each experiment as a sub-job on that ``concurrent.futures.Executor``.
    """
    if isinstance(backend, str):
        from .providers.local import Local

        backend = Local.get_backend(backend)
    executor = options.pop("executor", None)
    qobj = compile(circuits, backend, **options)
    return backend.run(qobj) if executor is None else backend.run(qobj, executor=executor)


def _experiment(
    circuit: QuantumCircuit, supported: set[str] | None, index: int, variational: dict[str, Any]
) -> Experiment:
    if circuit.num_qubits == 0:
        raise CircuitError(f"circuit {circuit.name!r} has no qubits")
    instructions = []
    for inst in circuit.data:
        name = inst.operation.name
        if supported is not None and name not in supported:
            raise CircuitError(
                f"circuit {circuit.name!r} uses {name!r}, which the backend does not support; "
                f"it supports: {', '.join(sorted(supported))}"
            )
        instructions.append(_instruction(circuit, inst))
    header = ExperimentHeader(
        name=circuit.name,
        n_qubits=circuit.num_qubits,
        memory_slots=circuit.num_clbits,
        qreg_sizes=[(r.name, r.size) for r in circuit.qregs],
        creg_sizes=[(r.name, r.size) for r in circuit.cregs],
        global_phase=circuit.global_phase,
    )
    config = ExperimentConfig(n_qubits=circuit.num_qubits, memory_slots=circuit.num_clbits, **variational)
    return Experiment(header=header, config=config, instructions=instructions)


def _instruction(circuit: QuantumCircuit, inst) -> Instruction:
    op = inst.operation
    fields: dict[str, Any] = {
        "name": op.name,
        "qubits": [circuit.qubit_index(q) for q in inst.qubits],
    }
    if op.params:
        fields["params"] = [p.to_wire() if isinstance(p, ParameterExpression) else p for p in op.params]
    if inst.clbits:
        fields["memory"] = [circuit.clbit_index(c) for c in inst.clbits]
    if op.matrix is not None:
        fields["matrix"] = [[(z.real, z.imag) for z in row] for row in op.matrix.tolist()]
    if op.label:
        fields["label"] = op.label
    if inst.condition is not None:
        fields["condition"] = Condition(
            clbits=[circuit.clbit_index(c) for c in inst.condition.clbits], value=inst.condition.value
        )
    return Instruction(**fields)
