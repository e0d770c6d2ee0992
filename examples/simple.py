"""The simple workflow: build a circuit, get a backend by name, compile, run, print counts."""

import gpuq
from gpuq import ClassicalRegister, QuantumCircuit, QuantumRegister

q = QuantumRegister(3, "q")
c = ClassicalRegister(3, "c")
ghz = QuantumCircuit(q, c, name="ghz")
ghz.h(q[0])
ghz.cx(q[0], q[1])
ghz.cx(q[1], q[2])
ghz.measure(q, c)
print(ghz)

backend = gpuq.Local.get_backend("qasm_simulator")  # the best device here: the GPU if usable, else the CPU
qobj = gpuq.compile(ghz, backend, shots=1024, seed=42)
job = backend.run(qobj)
result = job.result()

print("counts:", result.get_counts("ghz"))
print("device:", result.results[0].metadata["device"], "-", result.results[0].metadata["device_reason"])
