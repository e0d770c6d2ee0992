"""The engine on every device: sampling statistics, seeds, mid-circuit measurement, states, fusion.

Random circuits are compared with ``reference`` (a dense simulator sharing no
code with gpuq.sim); sampling is checked statistically with fixed seeds.
"""

import numpy as np
import pytest
import reference
from gate_matrices import MATRICES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gpuq
from gpuq import QuantumCircuit
from gpuq.circuit.gates import GATES


def _run(circuit, method, device_name, **options):
    return gpuq.execute(circuit, f"{method}_simulator_{device_name}", **options).result(timeout=300)


def _within(counts, probs, shots, sigmas=5.0):
    """Every outcome's frequency lies within ``sigmas`` standard deviations of its probability."""
    assert sum(counts.values()) == shots
    assert set(counts) <= {k for k, p in probs.items() if p > 0}
    for key, p in probs.items():
        spread = sigmas * np.sqrt(p * (1 - p) / shots) + 1e-12
        assert abs(counts.get(key, 0) / shots - p) <= spread, (key, counts.get(key, 0), p)


def _ghz(n):
    qc = QuantumCircuit(n, n, name=f"ghz{n}")
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    qc.measure(range(n), range(n))
    return qc


def test_ghz_counts_split_evenly(device_name, precision):
    result = _run(_ghz(6), "qasm", device_name, shots=4000, seed=11, precision=precision)
    _within(result.get_counts(), {"0" * 6: 0.5, "1" * 6: 0.5}, 4000)
    assert result.results[0].metadata["device"] == device_name


def test_seed_makes_counts_and_memory_reproducible(device_name):
    circuit = QuantumCircuit(4, 4, name="r")
    circuit.h(range(4))
    circuit.measure(range(4), range(4))
    first = _run(circuit, "qasm", device_name, shots=300, seed=5, memory=True)
    again = _run(circuit, "qasm", device_name, shots=300, seed=5, memory=True)
    other = _run(circuit, "qasm", device_name, shots=300, seed=6, memory=True)
    assert first.get_memory() == again.get_memory()
    assert first.get_counts() == again.get_counts()
    assert first.get_memory() != other.get_memory()
    assert len(first.get_memory()) == 300
    assert {k: first.get_memory().count(k) for k in first.get_counts()} == first.get_counts()


def test_each_experiment_gets_its_own_derived_seed(device_name):
    a, b = _ghz(3), _ghz(3).copy(name="second")
    both = _run([a, b], "qasm", device_name, shots=200, seed=40, memory=True)
    seeds = [r.seed_simulator for r in both.results]
    assert seeds == [40, 41]
    alone = _run(b, "qasm", device_name, shots=200, seed=41, memory=True)
    assert alone.get_memory() == both.get_memory("second")
    assert both.get_memory(0) != both.get_memory(1)


def test_mid_circuit_measurement_reset_and_condition(device_name, precision):
    # c0 = H-measure, then q0 is reset and measured again (always 0) into c1;
    # q1 copies c0 through a condition; q2 gets an independent coin into c2.
    qc = QuantumCircuit(3, 4, name="mid")
    qc.h(0)
    qc.measure(0, 0)
    qc.reset(0)
    qc.measure(0, 1)
    qc.x(1).c_if(qc.clbits[0], 1)
    qc.h(2)
    qc.measure(1, 2)
    qc.measure(2, 3)
    result = _run(qc, "qasm", device_name, shots=4000, seed=3, precision=precision)
    probs = {"0000": 0.25, "0101": 0.25, "1000": 0.25, "1101": 0.25}
    _within(result.get_counts(), probs, 4000)
    assert "branching" in result.results[0].metadata["method"]


def test_conditions_on_a_whole_register(device_name):
    qc = QuantumCircuit(3, 2, name="teleport-ish")
    qc.x(0)
    qc.x(1)
    qc.measure([0, 1], [0, 1])
    qc.x(2).c_if(qc.cregs[0], 3)
    qc.measure(2, 0)
    counts = _run(qc, "qasm", device_name, shots=50, seed=1).get_counts()
    assert counts == {"11": 50}


def test_a_later_measurement_overwrites_its_clbit(device_name):
    qc = QuantumCircuit(2, 2, name="overwrite")
    qc.x(0)
    qc.measure(0, 0)  # clbit 0 reads 1 ...
    qc.x(0)
    qc.measure(0, 0)  # ... and is then overwritten with 0
    qc.x(1).c_if(qc.cregs[0], 0)
    qc.measure(1, 1)
    assert _run(qc, "qasm", device_name, shots=20, seed=1).get_counts() == {"10": 20}


def test_the_last_terminal_write_to_a_clbit_wins(device_name):
    # a[0] in |+>, a[2] reads 1 a quarter of the time; c[0] must hold a[0] (the last write): P(c0=0) = 1/2.
    qc = QuantumCircuit(3, 1, name="last-write")
    qc.h(0)
    qc.ry(np.pi / 3, 2)
    qc.measure(2, 0)
    qc.measure(0, 0)
    result = _run(qc, "qasm", device_name, shots=4000, seed=8)
    assert result.results[0].metadata["method"] == "sampled from the final state"
    _within(result.get_counts(), {"0": 0.5, "1": 0.5}, 4000)
    qc.measure(2, 0)  # now a[2] is written last: P(c0=1) = 1/4
    _within(_run(qc, "qasm", device_name, shots=4000, seed=8).get_counts(), {"0": 0.75, "1": 0.25}, 4000)


def test_a_circuit_without_classical_bits_has_no_counts(device_name):
    qc = QuantumCircuit(2, name="quantum-only")
    qc.h(0)
    result = _run(qc, "qasm", device_name, shots=10, memory=True)
    assert result.success and result.results[0].data.counts is None and result.results[0].data.memory is None
    with pytest.raises(gpuq.JobError, match="no counts .* it has no classical bits"):
        result.get_counts()
    with pytest.raises(gpuq.JobError, match="no memory"):
        result.get_memory()
    qc.add_register(gpuq.ClassicalRegister(2, "c"))  # classical bits but no measurement: every shot reads 0
    assert _run(qc, "qasm", device_name, shots=10).get_counts() == {"00": 10}


_FAMILY_GATES = ["h", "x", "rx", "ry", "u3", "cx", "cz", "swap", "ccx"]


def _write_family(seed, terminal):
    """A random circuit that writes some clbits several times, with its program for ``reference``.

    ``terminal``: gates, then measurements only (the sampled path), qubits and clbits drawn with
    repeats. Otherwise measurements, resets and gates conditioned on a clbit or the whole register
    are mixed with the gates (the branching path, and its sampled tail).
    """
    rng = np.random.default_rng(seed)
    nqubits, nclbits = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    qc = QuantumCircuit(nqubits, nclbits, name=f"writes{seed}")
    program = []

    def gate(condition=None):
        name = str(rng.choice([g for g in _FAMILY_GATES if GATES[g].num_qubits() <= nqubits]))
        qubits = [int(q) for q in rng.permutation(nqubits)[: GATES[name].num_qubits()]]
        params = [float(x) for x in rng.uniform(-np.pi, np.pi, GATES[name].num_params)]
        instruction = getattr(qc, name)(*params, *qubits)
        if condition is not None:
            clbits, value = condition
            instruction.c_if(qc.clbits[clbits[0]] if len(clbits) == 1 else qc.cregs[0], value)
        program.append(("gate", MATRICES[name](*params), qubits, condition))

    def measure():
        qubit, clbit = int(rng.integers(nqubits)), int(rng.integers(nclbits))
        qc.measure(qubit, clbit)
        program.append(("measure", qubit, clbit))

    for _ in range(int(rng.integers(1, 7))):
        gate()
        if not terminal:
            roll = rng.uniform()
            if roll < 0.45:
                measure()
            elif roll < 0.55:
                qubit = int(rng.integers(nqubits))
                qc.reset(qubit)
                program.append(("reset", qubit))
            elif roll < 0.75:
                whole = rng.uniform() < 0.5
                clbits = tuple(range(nclbits)) if whole else (int(rng.integers(nclbits)),)
                gate((clbits, int(rng.integers(1 << len(clbits)))))
    for _ in range(int(rng.integers(1, 2 * nclbits + 2))):
        measure()
    return qc, nclbits, program


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "mixed"])
def test_several_writes_to_one_clbit_match_the_reference(device_name, terminal):
    """40 seeded circuits per family against ``reference.classical_distribution``.

    Bound: each outcome's frequency over 4000 shots lies within 5 standard deviations of its exact
    probability (a false alarm about 6e-7 per outcome under the normal approximation), and outcomes
    of probability 0 never occur. Seeds are fixed, so the run is deterministic.
    """
    shots = 4000
    for seed in range(40):
        qc, nclbits, program = _write_family(seed, terminal)
        result = _run(qc, "qasm", device_name, shots=shots, seed=100 + seed, memory=seed % 3 == 0)
        exact = reference.classical_distribution(qc.num_qubits, program)
        probs = {format(value, f"0{nclbits}b"): min(p, 1.0) for value, p in exact.items()}
        counts = result.get_counts()
        _within(counts, probs, shots)
        if terminal:
            assert result.results[0].metadata["method"] == "sampled from the final state", seed
        if seed % 3 == 0:
            memory = result.get_memory()
            assert {key: memory.count(key) for key in counts} == counts


def test_statevector_backend_collapses_on_measurement(device_name):
    qc = QuantumCircuit(2, 1, name="collapse")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure(0, 0)
    result = _run(qc, "statevector", device_name, seed=2)
    vector = result.get_statevector()
    (key,) = result.get_counts()
    expected = np.zeros(4, dtype=complex)
    expected[3 if key == "1" else 0] = 1
    np.testing.assert_allclose(np.abs(vector), np.abs(expected), atol=1e-12)


def test_unitary_backend_matches_the_product_of_gate_matrices(device_name, rng):
    qc = QuantumCircuit(3, name="u")
    qc.h(0)
    qc.cx(0, 2)
    qc.rzz(0.4, 1, 2)
    qc.cswap(1, 0, 2)
    expected = np.eye(8)
    for name, params, qubits in [("h", (), [0]), ("cx", (), [0, 2]), ("rzz", (0.4,), [1, 2]), ("cswap", (), [1, 0, 2])]:
        expected = reference.embed(3, qubits, MATRICES[name](*params)) @ expected
    got = _run(qc, "unitary", device_name).get_unitary()
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_single_precision_states_are_complex64(device_name):
    qc = QuantumCircuit(3, name="s")
    qc.h(range(3))
    vector = _run(qc, "statevector", device_name, precision="single").get_statevector()
    assert vector.dtype == np.complex64
    np.testing.assert_allclose(np.abs(vector) ** 2, np.full(8, 1 / 8), atol=1e-6)


_NAMES = sorted(MATRICES)


@st.composite
def random_circuits(draw):
    """A random circuit of library gates on 1-5 qubits, with its gate list for the reference."""
    nqubits = draw(st.integers(1, 5))
    gates = []
    for _ in range(draw(st.integers(0, 25))):
        name = draw(st.sampled_from(_NAMES))
        spec = GATES[name]
        if spec.num_qubits() > nqubits:
            continue
        qubits = draw(st.permutations(range(nqubits)))[: spec.num_qubits()]
        params = [draw(st.floats(-np.pi, np.pi)) for _ in range(spec.num_params)]
        gates.append((name, params, qubits))
    return nqubits, gates


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=random_circuits(), fusion=st.sampled_from([1, 2, 3, 5]), precision=st.sampled_from(["single", "double"]))
def test_random_circuits_match_the_reference(case, fusion, precision, device_name):
    nqubits, gates = case
    qc = QuantumCircuit(nqubits, name="random")
    expected = np.zeros(1 << nqubits, dtype=complex)
    expected[0] = 1
    for name, params, qubits in gates:
        getattr(qc, name)(*params, *qubits)
        expected = reference.apply(expected, qubits, MATRICES[name](*params))
    got = _run(qc, "statevector", device_name, precision=precision, fusion_max_qubits=fusion).get_statevector()
    np.testing.assert_allclose(got, expected, atol=1e-4 if precision == "single" else 1e-10)


def test_fusion_is_exact_on_a_deep_random_circuit(device_name, rng):
    qc = QuantumCircuit(8, name="deep")
    for _ in range(12):
        for q in range(8):
            qc.u3(*rng.uniform(-np.pi, np.pi, 3), q)
        for q in range(0, 7, 2):
            qc.cz(q, q + 1)
        qc.rzz(rng.uniform(), 0, 7)
        qc.ccx(1, 4, 6)
    unfused = _run(qc, "statevector", device_name, fusion_enable=False)
    off = unfused.get_statevector()
    assert unfused.results[0].metadata["fusion"]["passes"] == unfused.results[0].metadata["fusion"]["gates"]
    for k in (2, 3, 4, 5):
        result = _run(qc, "statevector", device_name, fusion_max_qubits=k)
        np.testing.assert_allclose(result.get_statevector(), off, atol=1e-10)
        fusion = result.results[0].metadata["fusion"]
        assert fusion["passes"] < fusion["gates"]


def test_device_choice_is_recorded(device_name, monkeypatch):
    result = _run(_ghz(2), "qasm", device_name, shots=10)
    assert result.results[0].metadata["device_reason"] == f"{device_name} pinned by the backend name"
    monkeypatch.setenv("GPUQ_DEVICE", device_name)
    result = gpuq.execute(_ghz(2), "qasm_simulator", shots=10).result()
    assert result.results[0].metadata["device_reason"] == f"{device_name} set by GPUQ_DEVICE"


@pytest.mark.slow
def test_one_million_shots_of_ghz_24(device_name):
    result = _run(_ghz(24), "qasm", device_name, shots=1_000_000, seed=24)
    _within(result.get_counts(), {"0" * 24: 0.5, "1" * 24: 0.5}, 1_000_000)


@pytest.mark.slow
def test_26_qubit_random_circuit_in_double_precision(device_name, rng):
    qc = QuantumCircuit(26, name="random26")
    for layer in range(20):
        for q in range(26):
            qc.u3(*rng.uniform(-np.pi, np.pi, 3), q)
        for q in range(layer % 2, 25, 2):
            qc.cz(q, q + 1)
    vector = _run(qc, "statevector", device_name, precision="double").get_statevector()
    assert vector.shape == (2**26,)
    assert abs(np.vdot(vector, vector) - 1) < 1e-9
    unfused = _run(qc, "statevector", device_name, precision="double", fusion_enable=False).get_statevector()
    assert np.allclose(vector, unfused, atol=1e-10)  # fused passes against one pass per gate
