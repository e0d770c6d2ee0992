"""Noisy workloads of issue 17, gpuq against Qiskit Aer and qsim, in one run.

    python -m benchmarks.noise [--small] [--only W] [--shots N] [--peer-shots [PEER=]N,...] [--qsim-python PATH]

1. ``trajectory``: a 20-qubit noisy random circuit (layers of rz-sx-rz on every
   qubit and a brick of cx; depolarizing errors after sx and cx, a readout error),
   10^4 shots, by trajectories: gpuq ``method="trajectory"``, Aer
   ``method="statevector"``, qsim (``qsimcirq`` with the same channels, run from the
   interpreter ``--qsim-python``, by default ``benchmarks/.venv-peers``);
2. ``density``: the same kind of circuit on 12 qubits, 10^4 shots, gpuq
   ``method="density_matrix"`` against Aer ``method="density_matrix"``.

``--small`` shrinks both (for CI and shared machines). By trajectories, peers
simulate every shot as its own trajectory, so their time grows linearly with
shots; with ``--peer-shots N`` they run N shots of that workload and their time is scaled to the
workload's shots, and the report says so (``--peer-shots qiskit-aer=200``
scales Aer alone: its 20-qubit shots take about half a second each). A peer that is not installed is
reported as such, never guessed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

SIZES = {"trajectory": (20, 4, 10_000), "density": (12, 4, 10_000)}
SMALL = {"trajectory": (12, 4, 2000), "density": (8, 4, 2000)}
TARGETS = {"trajectory": 0.5, "density": 0.5}
P1, P2, READOUT = 1e-3, 1e-2, 0.02
"""Depolarizing parameter after sx and after cx (Aer's convention), and the readout flip probability."""

PEERS_PYTHON = Path(__file__).resolve().parent / ".venv-peers" / "bin" / "python"


def layers(nqubits: int, depth: int, seed: int = 7) -> list[tuple]:
    """The circuit as ("rz", q, angle), ("sx", q) and ("cx", a, b) steps, the same for every simulator."""
    rng = np.random.default_rng(seed)
    steps: list[tuple] = []
    for layer in range(depth):
        for q in range(nqubits):
            steps += [
                ("rz", q, float(rng.uniform(0, 2 * np.pi))),
                ("sx", q),
                ("rz", q, float(rng.uniform(0, 2 * np.pi))),
            ]
        steps += [("cx", q, q + 1) for q in range(layer % 2, nqubits - 1, 2)]
    return steps


def build(module, nqubits: int, depth: int):
    """The circuit with gpuq's or Qiskit's QuantumCircuit (the same method names), measured at the end."""
    qc = module.QuantumCircuit(nqubits, nqubits)
    for step in layers(nqubits, depth):
        getattr(qc, step[0])(*step[1:][::-1] if step[0] == "rz" else step[1:])
    qc.measure(list(range(nqubits)), list(range(nqubits)))
    return qc


def noise_model(noise):
    """The model, written with ``gpuq.noise`` or ``qiskit_aer.noise`` by the same calls."""
    model = noise.NoiseModel()
    model.add_all_qubit_quantum_error(noise.depolarizing_error(P1, 1), ["sx"])
    model.add_all_qubit_quantum_error(noise.depolarizing_error(P2, 2), ["cx"])
    model.add_all_qubit_readout_error(noise.ReadoutError([[1 - READOUT, READOUT], [READOUT, 1 - READOUT]]))
    return model


def timed(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def gpuq_time(workload: str, size: tuple, precision: str, repeats: int) -> tuple[float, dict]:
    import gpuq
    import gpuq.noise

    nqubits, depth, shots = size
    qc, model = build(gpuq, nqubits, depth), noise_model(gpuq.noise)
    method = "trajectory" if workload == "trajectory" else "density_matrix"

    def run():
        return gpuq.execute(
            qc,
            "qasm_simulator_cpu",
            noise_model=model,
            method=method,
            shots=shots,
            precision=precision,
            seed_simulator=1,
        ).result()

    small = build(gpuq, 4, 1)  # warm-up: Numba compiles on first use
    gpuq.execute(small, "qasm_simulator_cpu", noise_model=model, method=method, shots=10).result()
    seconds = timed(run, repeats)
    metadata = run().results[0].metadata
    return seconds, {k: metadata.get(k) for k in ("method", "walks", "walk")}


def aer_time(workload: str, size: tuple, precision: str, repeats: int, shots: int) -> float:
    from qiskit import QuantumCircuit, transpile
    from qiskit_aer import AerSimulator, noise

    nqubits, depth, _ = size
    method = "statevector" if workload == "trajectory" else "density_matrix"
    simulator = AerSimulator(method=method, noise_model=noise_model(noise), precision=precision, max_parallel_threads=2)
    qc = transpile(build(type("qiskit", (), {"QuantumCircuit": QuantumCircuit}), nqubits, depth), simulator)
    simulator.run(qc, shots=10).result()
    return timed(lambda: simulator.run(qc, shots=shots, seed_simulator=1).result(), repeats)


QSIM_SCRIPT = """
import json, sys, time
import cirq, qsimcirq
spec = json.loads(sys.argv[1])
n, steps, shots, p1, p2, ro = spec["n"], spec["steps"], spec["shots"], spec["p1"], spec["p2"], spec["readout"]
q = cirq.LineQubit.range(n)
ops = []
for step in steps:
    if step[0] == "rz":
        ops.append(cirq.rz(step[2]).on(q[step[1]]))
    elif step[0] == "sx":
        ops += [cirq.XPowGate(exponent=0.5).on(q[step[1]]), cirq.depolarize(3 * p1 / 4).on(q[step[1]])]
    else:
        ops += [cirq.CNOT(q[step[1]], q[step[2]]), cirq.depolarize(15 * p2 / 16, n_qubits=2).on(q[step[1]], q[step[2]])]
ops += [cirq.bit_flip(ro).on_each(*q), cirq.measure(*q, key="m")]
circuit = cirq.Circuit(ops)
simulator = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=2))
simulator.run(cirq.Circuit(cirq.measure(*q[:2], key="w")), repetitions=1)
best = None
for _ in range(spec["repeats"]):
    started = time.perf_counter()
    simulator.run(circuit, repetitions=shots)
    elapsed = time.perf_counter() - started
    best = elapsed if best is None else min(best, elapsed)
print(best)
"""


def qsim_time(python: Path, size: tuple, repeats: int, shots: int) -> float | str:
    if not python.exists():
        return f"not installed (no interpreter at {python})"
    nqubits, depth, _ = size
    spec = {
        "n": nqubits,
        "steps": layers(nqubits, depth),
        "shots": shots,
        "p1": P1,
        "p2": P2,
        "readout": READOUT,
        "repeats": repeats,
    }
    done = subprocess.run([str(python), "-c", QSIM_SCRIPT, json.dumps(spec)], capture_output=True, text=True)
    if done.returncode:
        return f"failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
    return float(done.stdout.strip().splitlines()[-1])


def peer_shots(text: str) -> dict[str, int]:
    """``--peer-shots``: ``N`` for every peer, or ``PEER=N`` pairs separated by commas."""
    counts = {}
    for item in text.split(","):
        peer, _, count = item.rpartition("=")
        counts[peer or "*"] = int(count)
        if counts[peer or "*"] < 1:
            raise argparse.ArgumentTypeError(f"shots must be positive, not {count}")
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="smaller sizes, for shared machines")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--precision", choices=["single", "double"], default="double")
    parser.add_argument("--peer-shots", type=peer_shots, default={}, help="shots peers run: N or PEER=N,...")
    parser.add_argument("--qsim-python", type=Path, default=PEERS_PYTHON, help="an interpreter with qsimcirq")
    parser.add_argument("--only", choices=sorted(SIZES), default=None)
    parser.add_argument("--shots", type=int, default=None, help="shots of every workload (default: its own)")
    args = parser.parse_args(argv)
    sizes = SMALL if args.small else SIZES
    for workload, size in sizes.items():
        if args.only and workload != args.only:
            continue
        if args.shots:
            size = (size[0], size[1], args.shots)
        shots = size[2]
        ours, facts = gpuq_time(workload, size, args.precision, args.repeats)
        print(f"{workload} (qubits, depth, shots) = {size}: gpuq {ours:.3f} s {facts}")
        timed_peers = {}
        for peer in ("qiskit-aer", "qsim") if workload == "trajectory" else ("qiskit-aer",):
            scaled = args.peer_shots if workload == "trajectory" else {}  # a density matrix is not per shot
            run_shots = min(scaled.get(peer, scaled.get("*", shots)), shots)
            if peer == "qsim":
                seconds = qsim_time(args.qsim_python, size, args.repeats, run_shots)
            else:
                seconds = aer_time(workload, size, args.precision, args.repeats, run_shots)
            if isinstance(seconds, str):
                print(f"  {peer}: {seconds}")
                continue
            scale = shots / run_shots
            timed_peers[peer] = seconds * scale
            note = f" ({run_shots} shots run, time x{scale:g})" if scale != 1 else ""
            print(f"  {peer}: {timed_peers[peer]:.3f} s{note}")
        fastest = min(timed_peers, key=timed_peers.__getitem__)
        ratio = ours / timed_peers[fastest]
        verdict = "meets" if ratio <= TARGETS[workload] else "misses"
        print(f"  gpuq / {fastest} = {ratio:.2f} ({verdict} the target {TARGETS[workload]})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
