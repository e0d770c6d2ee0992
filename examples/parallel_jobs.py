"""Parallel jobs: submit several at once and process each result as soon as it completes."""

import time

import gpuq
from gpuq import QuantumCircuit


def ghz(n: int) -> QuantumCircuit:
    circuit = QuantumCircuit(n, n, name=f"ghz-{n}")
    circuit.h(0)
    for qubit in range(n - 1):
        circuit.cx(qubit, qubit + 1)
    circuit.measure(range(n), range(n))
    return circuit


backend = gpuq.Local.get_backend("qasm_simulator")
jobs = [gpuq.execute(ghz(n), backend, shots=2000, seed=n) for n in (4, 8, 12, 16, 20)]
print("submitted", len(jobs), "jobs")

remaining = list(jobs)
while remaining:
    for job in list(remaining):
        if job.in_final_state():
            remaining.remove(job)
            counts = job.result().get_counts()
            print(f"{job.job_id()[:8]} done: {len(counts)} distinct outcomes, {sum(counts.values())} shots")
    time.sleep(0.05)
print("all jobs processed")
