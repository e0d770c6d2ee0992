"""The asynchronous workflow: submit, poll the status while the job runs, then take the result."""

import time

import gpuq
from gpuq import QuantumCircuit

circuit = QuantumCircuit(20, 20, name="layers")
for layer in range(40):
    for qubit in range(20):
        circuit.u3(0.1 * layer, 0.2 * qubit, 0.3, qubit)
    for qubit in range(layer % 2, 19, 2):
        circuit.cz(qubit, qubit + 1)
circuit.measure(range(20), range(20))

backend = gpuq.Local.get_backend("qasm_simulator")
job = gpuq.execute(circuit, backend, shots=10_000, seed=7)
print("submitted", job.job_id())

while not job.in_final_state():
    print("status:", job.status().name)
    time.sleep(0.2)

result = job.result()
counts = result.get_counts()
top = sorted(counts.items(), key=lambda item: -item[1])[:5]
print("final status:", job.status().name, f"({result.time_taken:.2f} s)")
print("most frequent outcomes:", top)
