"""GpuqSimulator against Qiskit's own references: Statevector for states, exact probabilities for counts.

Counts are compared outcome by outcome with a binomial bound of 5 standard
deviations plus one count (fixed seeds, so each check is deterministic; a
correct simulator fails one outcome with probability below 1e-6).
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

qiskit = pytest.importorskip("qiskit", minversion="2.1")

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Clbit
from qiskit.circuit.library import QFTGate, UnitaryGate, get_standard_gate_name_mapping
from qiskit.circuit.random import random_circuit
from qiskit.exceptions import QiskitError
from qiskit.quantum_info import Statevector, random_unitary

from gpuq.exceptions import (
    BackendNotFoundError,
    CircuitError,
    JobError,
    QobjValidationError,
)
from gpuq.qiskit import GpuqProvider, GpuqSimulator, save_statevector

NOT_GATES = {"measure", "reset", "delay", "global_phase"}


@pytest.fixture(scope="module")
def backend():
    return GpuqSimulator()


def assert_counts_match(counts: dict[str, int], probabilities: dict[str, float], shots: int) -> None:
    """Every outcome within 5 binomial standard deviations (+1) of shots * p, and no impossible outcome."""
    for key in set(counts) | set(probabilities):
        p = probabilities.get(key, 0.0)
        bound = 5 * math.sqrt(shots * p * (1 - p)) + 1
        assert abs(counts.get(key, 0) - shots * p) <= bound, (key, counts.get(key, 0), shots * p)


def prepared_state_circuit(num_qubits: int, seed: int) -> QuantumCircuit:
    """A non-trivial input state, so that each gate's whole matrix matters."""
    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(num_qubits)
    for q in range(num_qubits):
        qc.ry(rng.uniform(0, np.pi), q)
        qc.rz(rng.uniform(0, 2 * np.pi), q)
    for q in range(num_qubits - 1):
        qc.cx(q, q + 1)
    return qc


def saved_state(backend, circuit: QuantumCircuit) -> np.ndarray:
    run = circuit.copy()
    save_statevector(run)
    return np.asarray(backend.run(run).result().get_statevector())


@pytest.mark.parametrize("name", sorted(set(get_standard_gate_name_mapping()) - NOT_GATES))
def test_every_standard_gate_converts(backend, name):
    """Each standard gate runs natively when the target lists it, else after transpile; states match exactly.

    A native gate also survives translation to the target (optimization level 0 only translates);
    the default transpile's output (which may resynthesize blocks and elide swaps) runs as Qiskit says.
    """
    gate = get_standard_gate_name_mapping()[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    if gate.params:
        gate = gate.base_class(*rng.uniform(-np.pi, np.pi, len(gate.params)))
    qc = prepared_state_circuit(gate.num_qubits, seed=7)
    qc.append(gate, list(reversed(range(gate.num_qubits))))
    expected = Statevector(qc).data
    if name in backend.target.operation_names:
        assert name in transpile(qc, backend, optimization_level=0).count_ops(), f"{name} was decomposed"
        np.testing.assert_allclose(saved_state(backend, qc), expected, atol=1e-10)
    np.testing.assert_allclose(saved_state(backend, transpile(qc, backend, optimization_level=1)), expected, atol=1e-10)
    optimised = transpile(qc, backend)  # level 2 may elide swaps into the layout: compare with its own state
    np.testing.assert_allclose(saved_state(backend, optimised), Statevector(optimised).data, atol=1e-10)


@pytest.mark.parametrize("controls", [3, 4, 5])
def test_mcx_and_unitary_are_native(backend, controls):
    qc = prepared_state_circuit(controls + 2, seed=controls)
    qc.mcx(list(range(controls)), controls)
    qc.append(UnitaryGate(random_unitary(4, seed=controls)), [controls + 1, 0])
    assert set(transpile(qc, backend).count_ops()) >= {"mcx", "unitary"}
    np.testing.assert_allclose(saved_state(backend, qc), Statevector(qc).data, atol=1e-10)


def test_qft_statevector(backend):
    qc = prepared_state_circuit(6, seed=3)
    qc.append(QFTGate(6), range(6))
    np.testing.assert_allclose(
        saved_state(backend, transpile(qc, backend, optimization_level=1)), Statevector(qc).data, atol=1e-10
    )


@pytest.mark.parametrize("seed", range(6))
def test_random_circuits_with_measure_match_statevector_probabilities(backend, seed):
    qc = random_circuit(5, 6, measure=True, seed=seed)
    shots = 4000
    counts = backend.run(transpile(qc, backend, seed_transpiler=seed), shots=shots, seed_simulator=seed).result()
    probabilities = Statevector(qc.remove_final_measurements(inplace=False)).probabilities_dict()
    assert_counts_match(counts.get_counts(), probabilities, shots)


def test_bit_order_of_counts_and_memory_across_registers(backend):
    """Last-declared register leftmost, clbit 0 rightmost, in counts and in memory: as Aer."""
    qc = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(2, "a"), ClassicalRegister(3, "b"))
    qc.x(0)
    qc.x(2)
    qc.measure(0, 1)  # a[1] = 1
    qc.measure(1, 0)  # a[0] = 0
    qc.measure(2, 4)  # b[2] = 1
    result = backend.run(qc, shots=5, memory=True).result()
    assert result.get_counts() == {"100 10": 5}
    assert result.get_memory() == ["100 10"] * 5
    assert result.results[0].data.counts == {hex(0b10010): 5}


def test_loose_clbits_keep_aer_header(backend):
    """A clbit outside every register counts in memory_slots, not in creg_sizes, exactly as Aer's header says."""
    qc = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(2, "a"), [Clbit()], ClassicalRegister(3, "b"))
    qc.x(0)
    qc.measure(0, 2)
    qc.measure(0, 5)
    experiment = backend.run(qc, shots=3).result().results[0]
    assert experiment.data.counts == {hex(0b100100): 3}
    assert experiment.header["creg_sizes"] == [["a", 2], ["b", 3]]
    assert experiment.header["memory_slots"] == 6
    aer = pytest.importorskip("qiskit_aer")
    assert backend.run(qc, shots=3).result().get_counts() == aer.AerSimulator().run(qc, shots=3).result().get_counts()


def test_counts_cover_clbits_not_qubits(backend):
    """Four qubits in superposition, one measured: counts have one bit, and no counts when nothing is measured."""
    qc = QuantumCircuit(4, 1)
    qc.h(range(4))
    qc.x(3)
    qc.measure(3, 0)
    counts = backend.run(qc, shots=100, seed_simulator=1).result().get_counts()
    assert set(counts) <= {"0", "1"} and sum(counts.values()) == 100
    nothing = QuantumCircuit(2)
    nothing.h(0)
    with pytest.raises(QiskitError, match="No counts"):
        backend.run(nothing).result().get_counts()


def test_idle_qubits_are_not_simulated(backend):
    """Three used qubits of 60: gpuq simulates three, results and the saved state are over the circuit's qubits."""
    qc = QuantumCircuit(60, 3)
    qc.h(10)
    qc.cx(10, 45)
    qc.x(59)
    qc.measure([10, 45, 59], [0, 1, 2])
    job = backend.run(qc, shots=2000, seed_simulator=2)
    result = job.result()
    assert result.results[0].metadata["fusion"] is not None
    assert job.gpuq_jobs()[0].result().results[0].header.n_qubits == 3
    assert_counts_match(result.get_counts(), {"100": 0.5, "111": 0.5}, 2000)
    small = QuantumCircuit(6)
    small.ry(0.3, 1)
    small.h(4)
    small.cx(4, 2)
    np.testing.assert_allclose(saved_state(backend, small), Statevector(small).data, atol=1e-12)


def test_ghz_with_mid_circuit_measurement_and_conditional(backend):
    """Measure q0 mid-circuit, flip q2 when it read 1: q2 ends 0 whenever q0 was 1, so outcomes 011 and 000."""
    qr, cr, out = QuantumRegister(3), ClassicalRegister(1, "mid"), ClassicalRegister(3, "out")
    qc = QuantumCircuit(qr, cr, out)
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.measure(0, cr[0])
    with qc.if_test((cr, 1)):
        qc.x(2)
    qc.measure(qr, out)
    counts = backend.run(transpile(qc, backend), shots=2000, seed_simulator=5).result().get_counts()
    assert_counts_match(counts, {"000 0": 0.5, "011 1": 0.5}, 2000)
    on_clbit = QuantumCircuit(2, 2)
    on_clbit.x(0)
    on_clbit.measure(0, 0)
    with on_clbit.if_test((on_clbit.clbits[0], True)):
        on_clbit.x(1)
    on_clbit.measure(1, 1)
    assert backend.run(on_clbit, shots=10).result().get_counts() == {"11": 10}


def test_unsupported_instructions_are_named(backend):
    qc = QuantumCircuit(2, 1)
    qc.ecr(0, 1)
    qc.rzx(0.3, 0, 1)
    with pytest.raises(CircuitError, match=r"ecr, rzx.*transpile"):
        backend.run(qc)
    with pytest.raises(QiskitError):
        backend.run(qc)
    branching = QuantumCircuit(1, 1)
    branching.measure(0, 0)
    with branching.if_test((branching.clbits[0], 1)) as else_:
        branching.x(0)
    with else_:
        branching.h(0)
    with pytest.raises(CircuitError, match="else branch"):
        backend.run(branching)
    with pytest.raises(CircuitError, match="unbound parameters"):
        backend.run(_parametrised())


def test_refused_saves_and_conditions_say_why(backend):
    from qiskit.circuit.classical import expr

    measured = QuantumCircuit(1, 1)
    measured.measure(0, 0)
    with pytest.raises(CircuitError, match="save_statevector after measurements"):
        backend.run(save_statevector(measured))
    partial = QuantumCircuit(2)
    partial.h(0)
    from gpuq.qiskit import SaveStatevector

    partial.append(SaveStatevector(1), [0])
    with pytest.raises(CircuitError, match="some qubits only"):
        backend.run(partial)
    late = save_statevector(QuantumCircuit(1))
    late.x(0)
    with pytest.raises(CircuitError, match="'x' after save_statevector"):
        backend.run(late)
    on_expr = QuantumCircuit(1, 2)
    with on_expr.if_test(expr.logic_and(on_expr.clbits[0], on_expr.clbits[1])):
        on_expr.x(0)
    with pytest.raises(CircuitError, match="condition"):
        backend.run(on_expr)
    measuring_body = QuantumCircuit(1, 1)
    with measuring_body.if_test((measuring_body.clbits[0], 1)):
        measuring_body.measure(0, 0)
    with pytest.raises(CircuitError, match="'measure' in its body"):
        backend.run(measuring_body)


def _parametrised() -> QuantumCircuit:
    from qiskit.circuit import Parameter

    qc = QuantumCircuit(1)
    qc.rx(Parameter("theta"), 0)
    return qc


def test_options_are_checked_and_spelt_as_aer(backend):
    with pytest.raises(QobjValidationError, match="shot"):
        backend.run(QuantumCircuit(1), shotz=10)
    with pytest.raises(QobjValidationError, match="method"):
        backend.run(QuantumCircuit(1), method="matrix_product_state")
    with pytest.raises(QobjValidationError, match="precision"):
        GpuqSimulator(precision="half")
    pinned = GpuqSimulator("qasm_simulator_cpu", device="CPU", precision="single")
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.measure(0, 0)
    result = pinned.run(qc, shots=7).result()
    assert result.get_counts() == {"1": 7}
    assert result.results[0].metadata["precision"] == "single"


def test_one_gpuq_job_per_run(backend):
    circuits = [random_circuit(3, 3, measure=True, seed=s) for s in range(5)]
    job = backend.run(transpile(circuits, backend))
    assert len(job.gpuq_jobs()) == 1
    assert len(job.gpuq_jobs()[0].result().results) == 5
    assert len(job.result().get_counts()) == 5
    mixed = [circuits[0], save_statevector(QuantumCircuit(1))]
    assert len(backend.run(transpile(mixed, backend)).gpuq_jobs()) == 2


def test_provider_names_are_gpuq_local_names():
    import gpuq

    provider = GpuqProvider()
    assert [b.name for b in provider.backends()] == [b.name() for b in gpuq.Local.backends()]
    assert provider.get_backend("qasm_simulator_cpu").name == "qasm_simulator_cpu"
    with pytest.raises(BackendNotFoundError, match="qasm_simulator_cpu"):
        provider.get_backend("aer_simulator")


def test_statevector_backend_returns_every_state():
    sv = GpuqProvider().get_backend("statevector_simulator_cpu")
    qc = prepared_state_circuit(3, seed=11)
    np.testing.assert_allclose(sv.run(qc).result().get_statevector(), Statevector(qc).data, atol=1e-12)


def test_unitary_backend_keeps_idle_qubits():
    """The unitary simulator is not compacted: its matrix is over every qubit, as qiskit's Operator."""
    from qiskit.quantum_info import Operator

    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 2)
    unitary = GpuqProvider().get_backend("unitary_simulator_cpu").run(qc).result().get_unitary()
    np.testing.assert_allclose(np.asarray(unitary), Operator(qc).data, atol=1e-12)


def test_circuit_without_qubits_runs(backend):
    assert backend.run(QuantumCircuit(0, 1), shots=3).result().results[0].success


def test_target_lists_native_gates_without_coupling_map(backend):
    from gpuq.circuit import gates

    target = backend.target
    assert set(gates.GATES) | {"unitary", "measure", "reset", "if_else", "delay"} <= set(target.operation_names)
    assert target.build_coupling_map() is None
    assert target.num_qubits == backend.gpuq_backend.configuration().n_qubits


def test_same_seed_gives_gpuq_natives_counts(backend):
    """A circuit built in Qiskit and the same one built with gpuq's builder: identical seeded counts and memory."""
    import gpuq

    qc, gc = QuantumCircuit(3, 3), gpuq.QuantumCircuit(3, 3)
    for circuit in (qc, gc):
        circuit.h(0)
        circuit.ry(0.7, 1)
        circuit.cx(0, 2)
        circuit.u(0.3, 0.2, 0.1, 1)
        circuit.measure([0, 1, 2], [0, 1, 2])
    ours = GpuqSimulator("qasm_simulator_cpu").run(qc, shots=500, memory=True, seed_simulator=9).result()
    native = gpuq.execute(gc, gpuq.Local.get_backend("qasm_simulator_cpu"), shots=500, memory=True, seed=9).result()
    assert ours.get_counts() == native.get_counts()
    assert ours.get_memory() == native.get_memory()


def test_job_interface(backend):
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    job = backend.run(qc, shots=3)
    result = job.result()
    assert result.success and result.backend_name == backend.name
    assert job.status().name == "DONE" and job.done()
    assert job.cancel() is False
    with pytest.raises(JobError, match="submitted"):
        job.submit()
