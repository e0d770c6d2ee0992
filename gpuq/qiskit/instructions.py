"""``save_statevector``: ask ``GpuqSimulator`` for a circuit's final statevector, as Aer's instruction does.

The converter recognises the instruction by its name, so a circuit built with
Aer's ``qc.save_statevector()`` runs unchanged on gpuq.
"""

from __future__ import annotations

from qiskit.circuit import Instruction, QuantumCircuit


class SaveStatevector(Instruction):
    """Save the final statevector of all the circuit's qubits under the result key ``statevector``.

    gpuq saves the state at the end of a circuit without measurements or
    resets: place it last, on every qubit.
    """

    def __init__(self, num_qubits: int, label: str = "statevector"):
        super().__init__("save_statevector", num_qubits, 0, [], label=label)


def save_statevector(circuit: QuantumCircuit) -> QuantumCircuit:
    """Append a ``SaveStatevector`` on every qubit of ``circuit`` (in place) and return the circuit."""
    circuit.append(SaveStatevector(circuit.num_qubits), circuit.qubits)
    return circuit
