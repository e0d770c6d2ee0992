"""The fusion planner: the plan's operator equals the circuit's, and blocks keep their cheap kinds."""

import numpy as np
import pytest
import reference

from gpuq import QuantumCircuit, compile
from gpuq.sim.fusion import MAX_DIAGONAL_QUBITS, fuse, sink_diagonals
from gpuq.sim.ops import lower_experiment


def _ops(circuit):
    return lower_experiment(compile(circuit).experiments[0])


def _operator(ops, nqubits):
    """Product of every operation's full matrix, built with the independent reference."""
    total = np.eye(1 << nqubits, dtype=complex)
    for op in ops:
        if op.kind == "matrix":
            local = np.asarray(op.operand)
        elif op.kind == "diagonal":
            local = np.diag(op.operand)
        else:
            local = np.zeros((len(op.operand),) * 2)
            local[op.operand, np.arange(len(op.operand))] = 1
        total = reference.embed(nqubits, op.targets, local, op.controls) @ total
    return total


def _random_circuit(nqubits, depth, rng):
    qc = QuantumCircuit(nqubits)
    names = ["h", "x", "cx", "cz", "cp", "rz", "swap", "ccx", "u3", "rzz", "cswap", "t"]
    for _ in range(depth):
        name = rng.choice(names)
        spec_qubits = {"cx": 2, "cz": 2, "cp": 2, "swap": 2, "rzz": 2, "ccx": 3, "cswap": 3}.get(name, 1)
        qubits = [int(q) for q in rng.choice(nqubits, spec_qubits, replace=False)]
        params = {"cp": 1, "rz": 1, "rzz": 1, "u3": 3}.get(name, 0)
        getattr(qc, name)(*rng.uniform(-np.pi, np.pi, params), *qubits)
    return qc


@pytest.mark.parametrize("max_qubits", [2, 3, 4, 5])
def test_plan_operator_equals_the_circuit_operator(max_qubits, rng):
    for _ in range(5):
        ops = _ops(_random_circuit(6, 40, rng))
        plan = fuse(ops, max_qubits)
        assert len(plan) <= len(ops)
        np.testing.assert_allclose(_operator(plan, 6), _operator(ops, 6), atol=1e-10)
        for op in (op for op in plan if op.name == "fused"):  # a wider single gate passes unfused
            limit = max(max_qubits, MAX_DIAGONAL_QUBITS) if op.kind == "diagonal" else max_qubits
            assert len(op.qubits) <= limit


def test_a_cx_chain_stays_a_permutation():
    qc = QuantumCircuit(4)
    for q in range(3):
        qc.cx(q, q + 1)
    (op,) = fuse(_ops(qc), 4)
    assert op.kind == "permutation"
    np.testing.assert_allclose(_operator([op], 4), _operator(_ops(qc), 4))


def test_a_phase_ladder_becomes_one_wide_diagonal():
    qc = QuantumCircuit(MAX_DIAGONAL_QUBITS)
    for k in range(MAX_DIAGONAL_QUBITS - 1):
        qc.cp(0.1 * (k + 1), k, MAX_DIAGONAL_QUBITS - 1)
    (op,) = fuse(_ops(qc), 2)
    assert op.kind == "diagonal" and len(op.targets) == MAX_DIAGONAL_QUBITS


def test_sinking_diagonals_keeps_the_operator_and_every_gate(rng):
    for _ in range(5):
        ops = _ops(_random_circuit(5, 40, rng))
        sunk = sink_diagonals(ops)
        assert sorted(map(id, sunk)) == sorted(map(id, ops))
        np.testing.assert_allclose(_operator(sunk, 5), _operator(ops, 5), atol=1e-12)


def test_a_diagonal_waits_for_the_next_dense_gate_on_its_qubits():
    qc = QuantumCircuit(4)
    qc.cp(0.3, 0, 3)
    qc.h(1)  # other qubits: the phase passes it
    qc.cz(0, 2)  # diagonal: passes it too, and joins the wait
    qc.h(0)  # acts on qubit 0: both phases come first
    names = [op.name for op in sink_diagonals(_ops(qc))]
    assert names == ["h", "cp", "cz", "h"]


def test_a_qft_gathers_its_phases_into_wide_diagonals():
    qc = QuantumCircuit(10)
    for j in reversed(range(10)):
        qc.h(j)
        for k in reversed(range(j)):
            qc.cp(np.pi / 2 ** (j - k), k, j)
    ops = _ops(qc)
    plan = fuse(ops, 2)
    diagonals = [op for op in plan if op.kind == "diagonal"]
    assert max(len(op.qubits) for op in diagonals) >= 5
    assert len(plan) <= len(ops) // 4  # 55 gates -> 13 passes (17 without the waiting)


def test_a_swap_layer_is_joined_into_passes_of_max_qubits():
    """A qubit reversal (a QFT's last layer) gives one pass per max_qubits / 2 SWAPs, not one per SWAP."""
    qc = QuantumCircuit(8)
    for q in range(4):
        qc.swap(q, 7 - q)
    ops = _ops(qc)
    plan = fuse(ops, 4)
    assert [(op.kind, len(op.qubits)) for op in plan] == [("permutation", 4)] * 2
    np.testing.assert_allclose(_operator(plan, 8), _operator(ops, 8))


def test_fusion_off_keeps_every_gate():
    ops = _ops(_random_circuit(4, 20, np.random.default_rng(3)))
    assert fuse(ops, 1) == ops


def test_a_cached_plan_is_reused_only_for_the_same_gates(rng):
    """A circuit planned again comes from the plan cache; the same structure with other angles
    reuses the block structure but gets its own merged operands (checked against the reference)."""
    from dataclasses import replace

    ops = _ops(_random_circuit(6, 60, rng))
    first = fuse(ops, 4)
    again = fuse(list(ops), 4)
    assert len(again) == len(first) and all(a is b for a, b in zip(again, first, strict=True))
    turned = [
        replace(op, operand=op.operand @ np.diag(np.exp(1j * rng.uniform(0, 1, len(op.operand)))))
        if op.kind == "matrix"
        else op
        for op in ops
    ]
    other = fuse(turned, 4)
    assert [op.qubits for op in other] == [op.qubits for op in first]
    np.testing.assert_allclose(_operator(other, 6), _operator(turned, 6), atol=1e-10)
    assert not np.allclose(_operator(other, 6), _operator(first, 6))
