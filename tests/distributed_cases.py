"""The circuits the distributed tests run on 1, 2 and 4 ranks and on one process.

Shared by ``test_distributed.py`` (the single-process answers) and
``mpi_programs/run_cases.py`` (the same circuits under ``mpiexec``), so both
sides build exactly the same circuits from the same seeds. Every gate family
of the library appears (dense, diagonal, permutation, controlled, multi-
controlled, a 3-qubit unitary) on random qubits, so gates land on the global
qubits of 2 and 4 ranks; the ``mixed`` circuits add mid-circuit measurement,
reset and conditions.
"""

from __future__ import annotations

import numpy as np
import reference

from gpuq import QuantumCircuit
from gpuq.circuit.gates import GATES

NQUBITS = 7
"""Small enough for three mpiexec launches in CI, large enough for 5 local qubits on 4 ranks."""

_NAMES = sorted(name for name, spec in GATES.items() if spec.num_controls is not None)


def random_circuit(seed: int, gates: int = 40, mixed: bool = False) -> QuantumCircuit:
    """``gates`` random library gates (plus an mcx and a 3-qubit unitary); ``mixed`` adds measurement,
    reset and conditioned gates in the middle."""
    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(NQUBITS, NQUBITS, name=f"random{seed}{'-mixed' if mixed else ''}")
    for position in range(gates):
        name = _NAMES[position % len(_NAMES)] if position < len(_NAMES) else str(rng.choice(_NAMES))
        spec = GATES[name]
        qubits = [int(q) for q in rng.permutation(NQUBITS)[: spec.num_qubits()]]
        params = [float(p) for p in rng.uniform(-np.pi, np.pi, spec.num_params)]
        getattr(qc, name)(*params, *qubits)
        if mixed and position % 9 == 4:
            qubit = int(rng.integers(NQUBITS))
            qc.measure(qubit, qubit)
            qc.x(int(rng.integers(NQUBITS))).c_if(qubit, 1)
            qc.reset(int(rng.integers(NQUBITS)))
    chosen = [int(q) for q in rng.permutation(NQUBITS)[:4]]
    qc.mcx(chosen[:3], chosen[3])
    qc.unitary(reference.random_unitary(3, rng), [int(q) for q in rng.permutation(NQUBITS)[:3]])
    return qc


def cases() -> list[tuple[str, QuantumCircuit, str, dict]]:
    """``(name, circuit, backend, options)`` of every run the distributed tests compare."""
    runs: list[tuple[str, QuantumCircuit, str, dict]] = []
    for seed in range(3):
        qc = random_circuit(seed)
        for precision in ("double", "single"):
            runs.append((f"sv{seed}-{precision}", qc, "statevector_simulator", {"precision": precision}))
        runs.append((f"sv{seed}-unfused", qc, "statevector_simulator", {"fusion_enable": False}))
        measured = qc.copy()
        measured.measure(list(range(NQUBITS)), list(range(NQUBITS)))
        runs.append((f"counts{seed}", measured, "qasm_simulator", {"shots": 2000, "seed_simulator": 11 + seed}))
        runs.append((f"memory{seed}", measured, "qasm_simulator", {"shots": 300, "memory": True, "seed_simulator": 5}))
        subset = random_circuit(seed)
        subset.measure([6, 1, 5], [0, 1, 2])
        runs.append((f"subset{seed}", subset, "qasm_simulator", {"shots": 1500, "seed_simulator": 3}))
        mixed = random_circuit(seed, mixed=True)
        runs.append((f"mixed-sv{seed}", mixed, "statevector_simulator", {"seed_simulator": 7 + seed}))
        mixed_counts = random_circuit(seed, mixed=True)
        mixed_counts.measure(list(range(NQUBITS)), list(range(NQUBITS)))
        runs.append((f"mixed{seed}", mixed_counts, "qasm_simulator", {"shots": 1000, "seed_simulator": 2 + seed}))
    return runs
