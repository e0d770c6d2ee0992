"""Passes split into chunks (gpuq/sim/chunks.py): the same states as whole passes, and cancellation inside a pass.

A real CPU device is given a tiny ``chunk_qubits`` so that 7-qubit circuits
exercise every way of splitting: dense and permutation passes in ranges of
groups whatever their targets (the top qubit's too), diagonals with high
targets, measurement and reset on high qubits, branch copies. States are compared with ``reference`` (a dense
simulator sharing no code with gpuq.sim).
"""

import numpy as np
import pytest
import reference
from gate_matrices import MATRICES

from gpuq import ClassicalRegister, JobCancelledError, QuantumCircuit, compile
from gpuq.circuit.gates import GATES
from gpuq.sim.chunks import Chunker
from gpuq.sim.devices.cpu import CpuDevice
from gpuq.sim.engine import RunSettings, run_experiment
from gpuq.sim.ops import lower_experiment

NQUBITS = 7


def _device(chunk_qubits):
    device = CpuDevice()
    device.chunk_qubits = chunk_qubits
    return device


def _run(qc, method, chunk_qubits, fusion=4, seed=1, should_stop=lambda: False, shots=1, memory=False):
    ops = lower_experiment(compile(qc).experiments[0])
    settings = RunSettings(
        method=method, shots=shots, memory=memory, seed=seed, precision="double", fusion_max_qubits=fusion
    )
    return run_experiment(ops, qc.num_qubits, settings, _device(chunk_qubits), should_stop)


def _random_circuit(seed):
    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(NQUBITS, name=f"chunked{seed}")
    expected = np.zeros(1 << NQUBITS, dtype=complex)
    expected[0] = 1
    names = sorted(MATRICES)
    for _ in range(40):
        name = str(rng.choice(names))
        qubits = [int(q) for q in rng.permutation(NQUBITS)[: GATES[name].num_qubits()]]
        params = [float(x) for x in rng.uniform(-np.pi, np.pi, GATES[name].num_params)]
        getattr(qc, name)(*params, *qubits)
        expected = reference.apply(expected, qubits, MATRICES[name](*params))
    return qc, expected


@pytest.mark.parametrize("chunk_qubits", [2, 3, 5])
@pytest.mark.parametrize("fusion", [1, 4])
def test_chunked_passes_give_the_reference_state(chunk_qubits, fusion):
    for seed in range(6):
        qc, expected = _random_circuit(seed)
        got = _run(qc, "statevector", chunk_qubits, fusion).statevector
        np.testing.assert_allclose(got, expected, atol=1e-10, err_msg=f"seed {seed}")


def test_chunked_unitary_matches_the_whole_pass_unitary():
    qc, _ = _random_circuit(11)
    qc = qc.copy(name="u")
    whole = _run(qc, "unitary", None).unitary
    np.testing.assert_allclose(_run(qc, "unitary", 3).unitary, whole, atol=1e-10)


def test_chunked_measurement_reset_and_branch_copies_match_whole_passes():
    # Angles keep every outcome probability away from 1/2, where NumPy's binomial draw turns on
    # the last bit of p (it draws with 1 - p above 1/2) and sums in another order may flip it.
    qc = QuantumCircuit(NQUBITS, 3, name="mid")
    for layer in range(3):
        for qubit in range(NQUBITS):
            qc.ry(0.4 + 0.3 * qubit + 0.2 * layer, qubit)
        qc.cx(layer, NQUBITS - 1 - layer)
        qc.measure(NQUBITS - 1 - layer, layer % 3)  # high qubits: whole pieces are kept or zeroed
        qc.measure(layer, (layer + 1) % 3)
        qc.reset(NQUBITS - 2)
        qc.ry(0.3, NQUBITS - 2)
    for seed in range(5):
        whole = _run(qc, "statevector", None, seed=seed)
        chunked = _run(qc, "statevector", 2, seed=seed)
        assert chunked.counts == whole.counts
        np.testing.assert_allclose(chunked.statevector, whole.statevector, atol=1e-12)
    ops = lower_experiment(compile(qc).experiments[0])
    settings = RunSettings(method="qasm", shots=500, memory=False, seed=4, precision="double", fusion_max_qubits=4)
    branched = run_experiment(ops, NQUBITS, settings, _device(2))
    assert "branching" in branched.metadata["method"]
    assert branched.counts == run_experiment(ops, NQUBITS, settings, _device(None)).counts


class _StopAfter:
    """``should_stop`` that turns true on its ``calls``-th call, counting the calls."""

    def __init__(self, calls):
        self.calls, self.seen = calls, 0

    def __call__(self):
        self.seen += 1
        return self.seen >= self.calls


@pytest.mark.parametrize("gate", ["h_low", "h_high", "h_top", "x_top", "cp_high", "measure_high"])
def test_cancellation_is_seen_inside_one_pass(gate):
    # One operation over a 7-qubit state in pieces of 2**3 amplitudes of work: the job stops at the
    # third piece of that pass, whichever qubit it acts on.
    qc = QuantumCircuit(NQUBITS, 1, name=gate)
    {
        "h_low": lambda: qc.h(0),
        "h_high": lambda: qc.h(NQUBITS - 3),
        "h_top": lambda: qc.h(NQUBITS - 1),
        "x_top": lambda: qc.x(NQUBITS - 1),
        "cp_high": lambda: qc.cp(0.5, NQUBITS - 1, NQUBITS - 2),
        "measure_high": lambda: qc.measure(NQUBITS - 1, 0),
    }[gate]()
    stop = _StopAfter(3)
    with pytest.raises(JobCancelledError):
        _run(qc, "statevector", 3, should_stop=stop)
    assert stop.seen == 3
    whole = _StopAfter(3)
    _run(qc, "statevector", None, should_stop=whole)  # whole passes: one check per operation
    assert whole.seen < 3


def _top_fused(qc):
    """Gates on the top four qubits that fuse into one dense 4-qubit matrix."""
    for qubit in range(NQUBITS - 4, NQUBITS):
        qc.ry(0.3 + 0.1 * qubit, qubit)
    for qubit in range(NQUBITS - 4, NQUBITS - 1):
        qc.cx(qubit, qubit + 1)


@pytest.mark.parametrize(
    "gate, pieces",
    [
        ("h", 16),  # 64 pairs, 4 to a piece of 2**3 amplitudes
        ("cx", 8),  # the control on qubit 0 leaves 32 pairs
        ("ccx", 4),  # two controls: 16 pairs
        ("swap", 16),  # 32 groups of 4 amplitudes, 2 to a piece
        ("fused", 8),  # one 4-qubit matrix: 8 groups of 16 amplitudes, one to a piece (a group is never split)
    ],
)
def test_a_top_qubit_pass_is_checked_before_each_piece(gate, pieces):
    # Every pass targets the state's top qubit, whose amplitude pairs are half a state apart.
    qc = QuantumCircuit(NQUBITS, name=gate)
    {
        "h": lambda: qc.h(NQUBITS - 1),
        "cx": lambda: qc.cx(0, NQUBITS - 1),
        "ccx": lambda: qc.ccx(0, 3, NQUBITS - 1),
        "swap": lambda: qc.swap(2, NQUBITS - 1),
        "fused": lambda: _top_fused(qc),
    }[gate]()
    chunked, whole = _StopAfter(10**9), _StopAfter(10**9)
    _run(qc, "statevector", 3, should_stop=chunked)
    _run(qc, "statevector", None, should_stop=whole)  # one check per operation
    assert chunked.seen - whole.seen == pieces - 1


@pytest.mark.parametrize("measured", [[0, 1, 2, 3, 4, 5, 6], [5, 1, 6], [4, 6], [0, 2]], ids=str)
def test_sampling_piece_by_piece_matches_the_reference(measured):
    """Counts and memory drawn in pieces of 2**3 amplitudes, against the exact marginal.

    Bound: every outcome's frequency over 20000 shots lies within 5 standard deviations of its
    probability (about 6e-7 false alarms per outcome), and outcomes of probability 0 never occur.
    """
    shots = 20000
    qc, expected = _random_circuit(21)
    qc.add_register(ClassicalRegister(len(measured), "c"))
    qc.measure(measured, range(len(measured)))
    probs = reference.marginal(expected, measured)
    for memory in (False, True):
        outcome = _run(qc, "qasm", 3, shots=shots, memory=memory, seed=5)
        assert outcome.metadata["method"] == "sampled from the final state"
        counts = {int(key, 16): n for key, n in outcome.counts.items()}
        assert sum(counts.values()) == shots and all(probs[key] > 1e-12 for key in counts)
        for key, p in enumerate(probs):
            assert abs(counts.get(key, 0) / shots - p) <= 5 * np.sqrt(p * (1 - p) / shots) + 1e-12, (key, p)
        if memory:
            values = [int(key, 16) for key in outcome.memory]
            assert {key: values.count(key) for key in counts} == counts
            # Shots of all pieces are shuffled together: the bits fixed by a piece's position do not ascend.
            low = sum(q < 3 for q in measured)
            if low < len(measured):
                assert [v >> low for v in values] != sorted(v >> low for v in values)


@pytest.mark.parametrize("calls", [3, 20, 34], ids=["the H pass", "weighing the pieces", "drawing"])
def test_cancellation_is_seen_inside_sampling(calls):
    # 16 pieces of 2**3: checks 1-16 are before each piece of the H pass (on the top qubit: 4 of its 64
    # pairs to a piece), checks 17-32 before each piece is weighed, then one before the draws of each
    # of the 2 pieces with probability (33 and 34).
    qc = QuantumCircuit(NQUBITS, NQUBITS, name="sample")
    qc.h(NQUBITS - 1)
    qc.measure(range(NQUBITS), range(NQUBITS))
    stop = _StopAfter(calls)
    with pytest.raises(JobCancelledError):
        _run(qc, "qasm", 3, shots=1000, should_stop=stop)
    assert stop.seen == calls
    whole = _StopAfter(100)
    _run(qc, "qasm", None, shots=1000, should_stop=whole)
    assert whole.seen == 2  # whole passes: one check before the H pass, one before sampling


def test_pieces_shots_are_shuffled_together():
    device = _device(3)
    state = device.zero_state(NQUBITS, "double")
    device.apply_matrix(state, [NQUBITS - 1], MATRICES["h"]())
    outcomes = Chunker(device, NQUBITS, "double", lambda: False).sample(state, [0, NQUBITS - 1], 400, 9)
    assert sorted(outcomes.tolist()) == sorted(outcomes.tolist(), key=lambda v: v >> 1)
    assert set(outcomes.tolist()) == {0, 2} and outcomes.tolist() != sorted(outcomes.tolist())
