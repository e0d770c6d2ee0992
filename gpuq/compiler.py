"""Circuits → Qobj, and ``execute`` (compile then run).

Compilation maps registers to flat qubit and clbit indices, keeps the
register layout in each experiment's header (the result needs it to format
count keys), and checks every operation against the gates the backend lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

from .circuit.quantumcircuit import QuantumCircuit
from .exceptions import CircuitError, QobjValidationError
from .models.qobj import Condition, Experiment, ExperimentConfig, ExperimentHeader, Instruction, Qobj, QobjConfig, QobjHeader

Circuits = Union[QuantumCircuit, Sequence[QuantumCircuit]]


def compile(circuits: Circuits, backend: Any = None, shots: int = 1024, memory: bool = False,
            seed: int | None = None, qobj_id: str | None = None, **run_config: Any) -> Qobj:
    """Compile circuits into a ``Qobj`` for ``backend``.

    Args:
        circuits: one circuit or a list of them; each becomes an experiment.
        backend: the backend (object or name) the Qobj is meant for; its
            ``basis_gates`` are checked. None skips the check.
        shots: shots per experiment (1 or more).
        memory: also return per-shot outcomes.
        seed: seed of the simulator's random numbers (``seed_simulator``).
        qobj_id: an identifier; a UUID when omitted.
        **run_config: further options of the backend (``precision``, ``device``, …).

    Raises:
        CircuitError: a circuit uses a gate the backend does not list.
        QobjValidationError: a bad option (shots ≤ 0, a non-circuit).
    """
    circuit_list = [circuits] if isinstance(circuits, QuantumCircuit) else list(circuits)
    if not circuit_list:
        raise QobjValidationError("no circuits to compile", "experiments")
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise QobjValidationError(f"shots must be a positive integer, got {shots!r}", "config.shots")
    if "seed_simulator" in run_config:
        seed = run_config.pop("seed_simulator")
    basis, backend_name = _backend_basis(backend)
    names = [c.name for c in circuit_list if isinstance(c, QuantumCircuit)]
    if len(set(names)) != len(names):
        raise QobjValidationError(f"experiment names must be unique, got {names}", "experiments")
    experiments = [_experiment(circuit, basis, index) for index, circuit in enumerate(circuit_list)]
    config = QobjConfig(shots=shots, memory=memory, seed_simulator=seed, **run_config)
    fields = {"qobj_id": qobj_id} if qobj_id else {}
    return Qobj(config=config, header=QobjHeader(backend_name=backend_name), experiments=experiments, **fields)


def execute(circuits: Circuits, backend: Any, **options: Any):
    """Compile ``circuits`` for ``backend`` and run them; returns the job at once."""
    if isinstance(backend, str):
        from .providers.local import Local

        backend = Local.get_backend(backend)
    return backend.run(compile(circuits, backend, **options))


def _backend_basis(backend: Any) -> tuple[set[str] | None, str | None]:
    if backend is None:
        return None, None
    if isinstance(backend, str):
        from .providers.local import Local

        backend = Local.get_backend(backend)
    config = backend.configuration()
    return set(config.basis_gates), config.backend_name


def _experiment(circuit: QuantumCircuit, basis: set[str] | None, index: int) -> Experiment:
    if not isinstance(circuit, QuantumCircuit):
        raise QobjValidationError(f"expected a QuantumCircuit, got {type(circuit).__name__}", f"experiments.{index}")
    if circuit.num_qubits == 0:
        raise CircuitError(f"circuit {circuit.name!r} has no qubits")
    instructions = []
    for inst in circuit.data:
        name = inst.operation.name
        if basis is not None and name not in basis and name not in ("measure", "barrier", "reset"):
            raise CircuitError(f"circuit {circuit.name!r} uses {name!r}, which the backend does not support; "
                               f"its basis gates are: {', '.join(sorted(basis))}")
        instructions.append(_instruction(circuit, inst))
    header = ExperimentHeader(
        name=circuit.name,
        n_qubits=circuit.num_qubits,
        memory_slots=circuit.num_clbits,
        qreg_sizes=[(r.name, r.size) for r in circuit.qregs],
        creg_sizes=[(r.name, r.size) for r in circuit.cregs],
        global_phase=circuit.global_phase,
    )
    config = ExperimentConfig(n_qubits=circuit.num_qubits, memory_slots=circuit.num_clbits)
    return Experiment(header=header, config=config, instructions=instructions)


def _instruction(circuit: QuantumCircuit, inst) -> Instruction:
    op = inst.operation
    fields: dict[str, Any] = {
        "name": op.name,
        "qubits": [circuit.qubit_index(q) for q in inst.qubits],
    }
    if op.params:
        fields["params"] = list(op.params)
    if inst.clbits:
        fields["memory"] = [circuit.clbit_index(c) for c in inst.clbits]
    if op.matrix is not None:
        fields["matrix"] = [[(z.real, z.imag) for z in row] for row in op.matrix.tolist()]
    if op.label:
        fields["label"] = op.label
    if inst.condition is not None:
        fields["condition"] = Condition(
            clbits=[circuit.clbit_index(c) for c in inst.condition.clbits], value=inst.condition.value)
    return Instruction(**fields)
