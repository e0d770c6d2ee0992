"""The memory policy as a user meets it: what backends advertise runs, one qubit more is refused by run()
before anything is allocated (issue 14 item 2), on small caps so the boundary is testable here."""

import pytest

import gpuq
from gpuq import InsufficientMemoryError, QuantumCircuit
from gpuq.providers.local import Local
from gpuq.sim.memory import largest_qubits, run_memory


def _ghz(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n, n, name=f"ghz{n}")
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    qc.measure(range(n), range(n))
    return qc


@pytest.mark.parametrize("precision", ["single", "double"])
def test_the_largest_state_under_a_cap_runs_and_one_more_qubit_is_refused_by_run(precision):
    cap_mb = 64
    backend = Local.get_backend("qasm_simulator_cpu")
    largest = backend.available_qubits(max_memory_mb=cap_mb)[precision]
    assert largest == largest_qubits(1 << 62, precision, max_memory_mb=cap_mb)
    counts = (
        gpuq.execute(_ghz(largest), backend, shots=100, seed=1, precision=precision, max_memory_mb=cap_mb)
        .result()
        .get_counts()
    )
    assert set(counts) == {"0" * largest, "1" * largest}
    with pytest.raises(InsufficientMemoryError) as info:
        backend.run(_ghz(largest + 1), shots=100, precision=precision, max_memory_mb=cap_mb)
    error = info.value
    assert error.needed == run_memory(largest + 1, precision, shots=100).total
    assert error.available == cap_mb << 20 and "max_memory_mb" in str(error)
    assert not backend.status().pending_jobs  # refused before any job existed


def test_the_environment_variable_caps_runs_and_what_backends_advertise(monkeypatch):
    monkeypatch.setenv("GPUQ_MAX_MEMORY_MB", "32")
    backend = Local.get_backend("qasm_simulator_cpu")
    limits = backend.configuration().max_qubits
    assert limits == {p: largest_qubits(1 << 62, p, max_memory_mb=32) for p in ("single", "double")}
    assert backend.configuration().n_qubits == limits["double"]
    with pytest.raises(InsufficientMemoryError, match="GPUQ_MAX_MEMORY_MB"):
        backend.run(_ghz(limits["double"] + 1))


def test_a_unitary_counts_four_to_the_n_amplitudes():
    backend = Local.get_backend("unitary_simulator_cpu")
    largest = backend.available_qubits(max_memory_mb=16)["double"]
    assert largest == largest_qubits(1 << 62, "double", method="unitary", max_memory_mb=16)
    qc = QuantumCircuit(largest + 1)
    qc.h(0)
    with pytest.raises(InsufficientMemoryError, match=rf"{largest + 1}-qubit unitary"):
        backend.run(qc, max_memory_mb=16)


@pytest.mark.parametrize("precision, advice", [("double", "or single precision"), ("single", None)])
def test_the_advice_fits_the_run(precision, advice):
    backend = Local.get_backend("qasm_simulator_cpu")
    with pytest.raises(InsufficientMemoryError) as info:
        backend.run(_ghz(30), precision=precision, max_memory_mb=1)
    message = str(info.value)
    assert message.endswith("use fewer qubits" + (f" {advice}" if advice else ""))
