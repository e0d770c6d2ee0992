"""Every gate of the library against an independent dense reference.

For each gate, every ordered placement of its qubits on a 6-qubit register
(controls included), both precisions, on a seeded random state: the gate goes
through the real path (circuit → compile → lowering → device kernels) and is
compared with ``reference.apply`` of the matrix written in ``gate_matrices``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import reference
from gate_matrices import MATRICES, X

from gpuq import QuantumCircuit, compile
from gpuq.circuit.gates import GATES
from gpuq.sim.engine import apply_gate
from gpuq.sim.ops import lower_experiment

NQUBITS = 6
TOL = {"single": 2e-5, "double": 1e-12}


def _run(device, nqubits, build, state, precision):
    circuit = QuantumCircuit(nqubits)
    build(circuit)
    ops = lower_experiment(compile(circuit).experiments[0])
    dtype = np.complex64 if precision == "single" else np.complex128
    dev_state = device.from_host(state.astype(dtype))
    for op in ops:
        apply_gate(device, dev_state, op)
    return device.to_host(dev_state)


def test_the_reference_covers_every_gate():
    assert set(MATRICES) | {"mcx"} == set(GATES)


@pytest.mark.parametrize("name", sorted(MATRICES))
def test_gate_matches_reference_everywhere(name, device, rng):
    spec = GATES[name]
    params = list(rng.uniform(-np.pi, np.pi, spec.num_params))
    matrix = MATRICES[name](*params)
    state = reference.random_state(NQUBITS, rng)
    for placement in itertools.permutations(range(NQUBITS), spec.num_qubits()):
        expected = reference.apply(state, placement, matrix)
        for precision in ("single", "double"):
            got = _run(device, NQUBITS, lambda qc: getattr(qc, name)(*params, *placement), state, precision)
            np.testing.assert_allclose(
                got, expected, atol=TOL[precision], err_msg=f"{name}{tuple(params)} on {placement}, {precision}"
            )


@pytest.mark.parametrize("ncontrols", [1, 2, 3, 4])
def test_mcx_matches_reference(ncontrols, device, rng):
    state = reference.random_state(NQUBITS, rng)
    placements = list(itertools.permutations(range(NQUBITS), ncontrols + 1))
    for index in rng.choice(len(placements), size=min(40, len(placements)), replace=False):
        *controls, target = placements[index]
        expected = reference.apply(state, [target], X, controls)
        for precision in ("single", "double"):
            got = _run(device, NQUBITS, lambda qc: qc.mcx(controls, target), state, precision)
            np.testing.assert_allclose(got, expected, atol=TOL[precision])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_unitary_gate_matches_reference(k, device, rng):
    matrix = reference.random_unitary(k, rng)
    state = reference.random_state(NQUBITS, rng)
    for placement in itertools.permutations(range(NQUBITS), k):
        expected = reference.apply(state, placement, matrix)
        got = _run(device, NQUBITS, lambda qc: qc.unitary(matrix, list(placement)), state, "double")
        np.testing.assert_allclose(got, expected, atol=1e-12, err_msg=f"unitary on {placement}")
