"""The Qiskit adapter's overhead: 1000 five-qubit circuits through ``GpuqSimulator.run`` against gpuq's own run.

The same circuits (layers of h, sx, rz and cx, then measure all) are built
once as Qiskit circuits and once as gpuq circuits. Each timed run is
submit-to-counts for the whole batch, in one job: ``GpuqSimulator.run(...).result()``
(conversion, gpuq job, Qiskit Result), ``gpuq.execute(...).result()`` (compile,
gpuq job), and ``AerSimulator().run(...).result()`` when qiskit-aer is
installed. Each is warmed up once (Numba compiles on first use), then the
three take turns for ``--repeats`` rounds; each one's best time counts. Usage::

    python -m benchmarks.qiskit_overhead [--circuits 1000] [--repeats 5] [--shots 1024]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np
from qiskit import QuantumCircuit as QiskitCircuit

import gpuq
from gpuq.qiskit import GpuqSimulator

NUM_QUBITS = 5
LAYERS = 4


def _gates(seed: int) -> list[tuple[str, tuple[float, ...], tuple[int, ...]]]:
    """One random circuit's gates as (name, params, qubits)."""
    rng = np.random.default_rng(seed)
    gates: list[tuple[str, tuple[float, ...], tuple[int, ...]]] = []
    for _ in range(LAYERS):
        for q in range(NUM_QUBITS):
            gates.append((str(rng.choice(["h", "sx"])), (), (q,)))
            gates.append(("rz", (float(rng.uniform(0, 2 * np.pi)),), (q,)))
        for q in range(int(rng.integers(0, 2)), NUM_QUBITS - 1, 2):
            gates.append(("cx", (), (q, q + 1)))
    return gates


def build(count: int) -> tuple[list[QiskitCircuit], list[gpuq.QuantumCircuit]]:
    """``count`` circuits, as Qiskit and as gpuq circuits with the same gates."""
    qiskit_circuits, gpuq_circuits = [], []
    for seed in range(count):
        qc, gc = QiskitCircuit(NUM_QUBITS, NUM_QUBITS), gpuq.QuantumCircuit(NUM_QUBITS, NUM_QUBITS)
        for name, params, qubits in _gates(seed):
            getattr(qc, name)(*params, *qubits)
            getattr(gc, name)(*params, *qubits)
        qc.measure(range(NUM_QUBITS), range(NUM_QUBITS))
        gc.measure(list(range(NUM_QUBITS)), list(range(NUM_QUBITS)))
        qiskit_circuits.append(qc)
        gpuq_circuits.append(gc)
    return qiskit_circuits, gpuq_circuits


def round_times(contenders: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Wall time of each contender in each of ``repeats`` rounds, after one warm-up call each.

    The contenders take turns within each round, so a burst of load on a
    shared machine slows all of them rather than one.
    """
    for run in contenders.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuits", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--shots", type=int, default=1024)
    args = parser.parse_args()
    qiskit_circuits, gpuq_circuits = build(args.circuits)
    adapter, native = GpuqSimulator("qasm_simulator_cpu"), gpuq.Local.get_backend("qasm_simulator_cpu")
    contenders: dict[str, Callable[[], object]] = {
        "gpuq native (execute)": lambda: gpuq.execute(gpuq_circuits, native, shots=args.shots, seed=1).result(),
        "GpuqSimulator.run": lambda: adapter.run(qiskit_circuits, shots=args.shots, seed_simulator=1).result(),
    }
    try:
        from qiskit_aer import AerSimulator
    except ImportError:
        print("qiskit-aer is not installed: no AerSimulator figure")
    else:
        aer = AerSimulator()
        contenders["AerSimulator.run"] = lambda: aer.run(qiskit_circuits, shots=args.shots, seed_simulator=1).result()
    rounds = round_times(contenders, args.repeats)
    times = {name: min(values) for name, values in rounds.items()}
    print(
        f"{args.circuits} circuits of {NUM_QUBITS} qubits, {args.shots} shots, best of {args.repeats}; "
        f"{platform.machine()}, Python {platform.python_version()}"
    )
    base = times["gpuq native (execute)"]
    for name, seconds in times.items():
        each = ", ".join(f"{value:.2f}" for value in rounds[name])
        print(f"{name:24s} best {seconds:7.3f} s  {seconds / base:5.2f} x native   (rounds: {each})")
    if "AerSimulator.run" in times:
        print(f"GpuqSimulator.run / AerSimulator.run: {times['GpuqSimulator.run'] / times['AerSimulator.run']:.2f}")


if __name__ == "__main__":
    main()
