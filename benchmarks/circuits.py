"""Benchmark circuits, built with gpuq and flattened to a neutral gate list.

The gate list (``ops``) is what every simulator's adapter translates: one
dict per gate with ``name``, little-endian ``qubits``, ``params`` and, for
names not every peer knows, ``matrix`` (little-endian over ``qubits``, from
gpuq's gate library). Measurements and barriers are dropped; a circuit with
``shots`` is measured on every qubit at the end.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from gpuq import QuantumCircuit
from gpuq.circuit.gates import gate_matrix

# Gates every adapter translates by name; anything else travels as a matrix.
NATIVE = {
    "h",
    "x",
    "y",
    "z",
    "s",
    "sdg",
    "t",
    "tdg",
    "u3",
    "u",
    "u1",
    "p",
    "u2",
    "rx",
    "ry",
    "rz",
    "cx",
    "cz",
    "cp",
    "cu1",
    "swap",
    "ccx",
}
SKIPPED = {"barrier", "measure"}
CORPUS_FILES = ("medium__dnn_n16.qasm", "medium__bigadder_n18.qasm")


def qft(nqubits: int) -> QuantumCircuit:
    """QFT on |0101…> (X on odd qubits first, so the output phases are not trivial)."""
    qc = QuantumCircuit(nqubits)
    for q in range(1, nqubits, 2):
        qc.x(q)
    for j in reversed(range(nqubits)):
        qc.h(j)
        for k in reversed(range(j)):
            qc.cp(math.pi / 2 ** (j - k), k, j)
    for q in range(nqubits // 2):
        qc.swap(q, nqubits - 1 - q)
    return qc


def random_circuit(nqubits: int, layers: int = 20, seed: int = 1234) -> QuantumCircuit:
    """``layers`` × (random U3 on every qubit, then CZ on neighbour pairs starting at l % 2)."""
    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(nqubits)
    for layer in range(layers):
        for q in range(nqubits):
            theta, phi, lam = rng.uniform(0, 2 * math.pi, 3)
            qc.u3(float(theta), float(phi), float(lam), q)
        for q in range(layer % 2, nqubits - 1, 2):
            qc.cz(q, q + 1)
    return qc


def ghz(nqubits: int) -> QuantumCircuit:
    """H then a CX chain; measured on every qubit."""
    qc = QuantumCircuit(nqubits)
    qc.h(0)
    for q in range(nqubits - 1):
        qc.cx(q, q + 1)
    return qc


def corpus_dir() -> Path:
    """The QASMBench corpus: /work/shared in development, ../shared next to the repo in CI."""
    repo = Path(__file__).resolve().parent.parent
    for candidate in (repo.parent / "shared" / "corpus" / "qasmbench", Path("/work/shared/corpus/qasmbench")):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("corpus not found in ../shared/corpus/qasmbench")


def flatten(qc: QuantumCircuit) -> list[dict]:
    """The neutral gate list of ``qc`` (measurements, barriers dropped; reset refused)."""
    ops = []
    for inst in qc.data:
        name = inst.name
        if name in SKIPPED:
            continue
        if inst.condition is not None or name == "reset":
            raise ValueError(f"{name} (or a condition) is not a plain unitary gate")
        qubits = [qc.qubit_index(q) for q in inst.qubits]
        op = {"name": name, "qubits": qubits, "params": [float(p) for p in inst.params]}
        if name not in NATIVE:
            matrix = inst.operation.matrix
            if matrix is None:
                matrix = gate_matrix(name, inst.params, len(qubits))
            op["matrix"] = np.asarray(matrix, dtype=complex)
        ops.append(op)
    return ops


def build(kind: str, nqubits: int | None) -> tuple[QuantumCircuit, int | None]:
    """The gpuq circuit for a benchmark ``kind`` and its shot count (None: statevector)."""
    if kind == "qft":
        return qft(nqubits), None
    if kind == "random":
        return random_circuit(nqubits), None
    if kind == "ghz":
        return ghz(nqubits), 1_000_000
    if kind.startswith("corpus:"):
        return QuantumCircuit.from_qasm_file(corpus_dir() / kind.split(":", 1)[1]), None
    raise ValueError(f"unknown circuit kind {kind!r}")
