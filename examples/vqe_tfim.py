"""A small VQE: the ground state of a transverse-field Ising chain, with gpuq's adjoint gradients.

    H = -J sum_i Z_i Z_{i+1} - h sum_i X_i        (open chain of N qubits)

The ansatz is a hardware-efficient circuit (RY and RZ layers with CX
entanglers) whose angles are one ``ParameterVector``. Each optimisation step is
one gpuq job that returns the energy and its gradient with respect to every
angle (``gradient=True``: the adjoint method, one backward pass). The
optimiser is plain NumPy Adam; the exact ground energy, from diagonalising the
64 x 64 Hamiltonian, is printed for comparison.

Run it with ``python examples/vqe_tfim.py``.
"""

from __future__ import annotations

import numpy as np

import gpuq
from gpuq import ParameterVector, QuantumCircuit, SparsePauliOp

N, LAYERS, J, H_FIELD = 6, 3, 1.0, 1.0
STEPS, LEARNING_RATE = 200, 0.05


def tfim_hamiltonian(n: int, j: float, h: float) -> SparsePauliOp:
    """-J sum Z_i Z_{i+1} - h sum X_i; the label's rightmost character is qubit 0."""
    terms = []
    for i in range(n - 1):
        label = ["I"] * n
        label[n - 1 - i] = label[n - 2 - i] = "Z"
        terms.append(("".join(label), -j))
    for i in range(n):
        label = ["I"] * n
        label[n - 1 - i] = "X"
        terms.append(("".join(label), -h))
    return SparsePauliOp.from_list(terms)


def ansatz(n: int, layers: int) -> QuantumCircuit:
    """RY and RZ on every qubit, then a CX ladder, ``layers`` times, and a last RY layer."""
    theta = ParameterVector("theta", (2 * layers + 1) * n)
    qc = QuantumCircuit(n, name="tfim-ansatz")
    k = 0
    for _ in range(layers):
        for q in range(n):
            qc.ry(theta[k], q)
            qc.rz(theta[k + 1], q)
            k += 2
        for q in range(n - 1):
            qc.cx(q, q + 1)
    for q in range(n):
        qc.ry(theta[k], q)
        k += 1
    return qc


def energy_and_gradient(
    backend, qc: QuantumCircuit, hamiltonian: SparsePauliOp, values: np.ndarray
) -> tuple[float, np.ndarray]:
    """One job: <H> and d<H>/d theta at ``values`` (in ``qc.parameters`` order)."""
    binds = {p: float(v) for p, v in zip(qc.parameters, values)}
    result = gpuq.execute(qc, backend, parameter_binds=[binds], observables=[hamiltonian], gradient=True).result()
    return float(result.get_expectation_values(0)[0, 0]), result.get_gradients(0)[0, 0]


def main() -> None:
    backend = gpuq.Local.get_backend("statevector_simulator")
    hamiltonian = tfim_hamiltonian(N, J, H_FIELD)
    qc = ansatz(N, LAYERS)
    exact = float(np.linalg.eigvalsh(hamiltonian.to_matrix())[0])
    values = np.random.default_rng(11).uniform(-0.1, 0.1, qc.num_parameters)
    first = moment = np.zeros_like(values)
    for step in range(1, STEPS + 1):
        energy, gradient = energy_and_gradient(backend, qc, hamiltonian, values)
        first = 0.9 * first + 0.1 * gradient
        moment = 0.999 * moment + 0.001 * gradient**2
        values = values - LEARNING_RATE * (first / (1 - 0.9**step)) / (np.sqrt(moment / (1 - 0.999**step)) + 1e-8)
        if step == 1 or step % 50 == 0:
            print(f"step {step:3d}: energy {energy:.4f}")
    energy, _ = energy_and_gradient(backend, qc, hamiltonian, values)
    print(f"VQE energy   {energy:.4f}")
    print(f"exact ground {exact:.4f}")
    print(f"relative error {abs(energy - exact) / abs(exact):.1e}")


if __name__ == "__main__":
    main()
