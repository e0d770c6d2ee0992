"""Variational workloads of issue 15: gpuq against Qiskit Aer, Qulacs and PennyLane Lightning, in one run.

    python -m benchmarks.variational [--small] [--repeats 3] [--workloads pauli,gradient,sweep]
                                     [--simulators gpuq,qiskit-aer,qulacs,lightning.qubit]
                                     [--peers-python benchmarks/.venv-peers/bin/python]

1. ``pauli``: the exact expectation value of a random 100-term Pauli sum on a
   24-qubit state (a one-layer ansatz): Aer EstimatorV2 (``default_precision=0``),
   Qulacs ``Observable.get_expectation_value``, Lightning ``expval`` of a Hamiltonian;
2. ``gradient``: every gradient of a 20-qubit, 10-layer hardware-efficient ansatz
   (RY, RZ, CX ladder; 400 parameters) for a 10-term Hamiltonian: Lightning's
   adjoint (``diff_method="adjoint"``) and Qulacs ``ParametricQuantumCircuit.backprop``
   (Aer has no adjoint gradients);
3. ``sweep``: 1000 bindings of a 16-qubit, 2-layer ansatz, one 10-term expectation
   value each: Aer EstimatorV2 with all bindings in one PUB, Qulacs (set the
   parameters, update the state, evaluate: a Python loop, as Qulacs is used),
   Lightning (1000 tapes in one ``qml.execute``).

Every measurement is a fresh worker process (``--worker``) with 2 threads for
everyone (``run.thread_env``) and ``OMP_WAIT_POLICY=PASSIVE``: on a shared, loaded
machine OpenMP's spinning waits made Aer 4 to 7 times slower than its own passive
waits, which would measure the neighbours, not Aer. Each worker warms up on the
``--small`` size of its workload (compilation, caches), then times ``--repeats``
runs and reports the median; circuits and observables are built before the clock
starts. gpuq runs first and its numbers are the reference: every peer's output
must agree within ``TOLERANCE``. ``--small`` shrinks every size, for a quick check.
The JSON goes to ``benchmarks/results/variational-<machine>-<date>.json``, saved
after every workload (``"complete": false`` until the run ends).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SIZES = {"pauli": (24, 1, 100, 1), "gradient": (20, 10, 10, 1), "sweep": (16, 2, 10, 1000)}
"""Workload -> (qubits, ansatz layers, Pauli terms, bindings)."""
SMALL = {"pauli": (14, 1, 100, 1), "gradient": (10, 4, 10, 1), "sweep": (10, 2, 10, 50)}
TARGETS = {"pauli": 0.5, "gradient": 0.7, "sweep": 0.5}
"""The issue's targets: gpuq's time at most this fraction of the fastest peer's."""
PEERS = {
    "pauli": ("qiskit-aer", "qulacs", "lightning.qubit"),
    "gradient": ("qulacs", "lightning.qubit"),
    "sweep": ("qiskit-aer", "qulacs", "lightning.qubit"),
}
TOLERANCE = 1e-8
"""Largest difference allowed between a peer's numbers and gpuq's, relative to the sum of |coefficients|."""


def workload(name: str, sizes: dict) -> dict:
    """The neutral description of one workload: sizes, Pauli terms (label, coefficient) and parameter rows."""
    n, layers, nterms, bindings = sizes[name]
    rng = np.random.default_rng({"pauli": 1, "gradient": 2, "sweep": 3}[name])
    terms = [("".join(rng.choice(list("IXYZ"), n)), float(rng.normal())) for _ in range(nterms)]
    spread = 1.0 if name == "pauli" else np.pi
    rows = rng.uniform(-spread, spread, (bindings, 2 * n * layers))
    return {"name": name, "nqubits": n, "layers": layers, "terms": terms, "rows": rows.tolist()}


# ----------------------------------------------------------------------------- adapters (worker side)


def gpuq_run(work: dict):
    import gpuq

    def values(result):
        return result.get_expectation_values(0)[:, 0]

    backend = gpuq.Local.get_backend("statevector_simulator_cpu")
    n, layers, rows = work["nqubits"], work["layers"], np.array(work["rows"])
    theta = gpuq.ParameterVector("theta", 2 * n * layers)
    qc = _ansatz(gpuq.QuantumCircuit(n), theta, n, layers)
    op = gpuq.SparsePauliOp.from_list(work["terms"])
    binds = [{p: rows[:, k].tolist() for k, p in enumerate(theta)}]
    if work["name"] == "pauli":
        bound = qc.assign_parameters(rows[0].tolist())
        return lambda: values(gpuq.execute(bound, backend, observables=[op]).result())
    if work["name"] == "sweep":
        return lambda: values(gpuq.execute(qc, backend, parameter_binds=binds, observables=[op]).result())
    order = [int(p.name.split("[")[1][:-1]) for p in qc.parameters]

    def gradient():
        result = gpuq.execute(qc, backend, parameter_binds=binds, observables=[op], gradient=True).result()
        out = np.empty(len(order))
        out[order] = result.get_gradients(0)[0, 0]
        return out

    return gradient


def aer_run(work: dict):
    from qiskit.circuit import ParameterVector, QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer.primitives import EstimatorV2

    n, layers, rows = work["nqubits"], work["layers"], np.array(work["rows"])
    options = {"default_precision": 0.0, "backend_options": {"method": "statevector", "max_parallel_threads": 2}}
    estimator = EstimatorV2(options=options)
    qc = _ansatz(QuantumCircuit(n), ParameterVector("theta", 2 * n * layers), n, layers)
    op = SparsePauliOp.from_list(work["terms"])
    values = rows[0] if work["name"] == "pauli" else rows
    return lambda: np.atleast_1d(estimator.run([(qc, op, values)]).result()[0].data.evs)


def qulacs_run(work: dict):
    from qulacs import Observable, ParametricQuantumCircuit, QuantumState

    n, layers, rows = work["nqubits"], work["layers"], np.array(work["rows"])
    sign = _qulacs_rotation_sign()
    circuit = ParametricQuantumCircuit(n)
    for layer in range(layers):
        for q in range(n):
            k = 2 * (layer * n + q)
            circuit.add_parametric_RY_gate(q, sign * rows[0, k])
            circuit.add_parametric_RZ_gate(q, sign * rows[0, k + 1])
        for q in range(n - 1):
            circuit.add_CNOT_gate(q, q + 1)
    observable = Observable(n)
    for label, coeff in work["terms"]:
        word = " ".join(f"{c} {q}" for q, c in enumerate(reversed(label)) if c != "I")
        observable.add_operator(coeff, word)
    state = QuantumState(n)

    def value():
        state.set_zero_state()
        circuit.update_quantum_state(state)
        return np.array([observable.get_expectation_value(state)])

    if work["name"] == "pauli":
        return value
    if work["name"] == "gradient":
        return lambda: sign * np.array(circuit.backprop(observable))

    def sweep():
        out = np.empty(len(rows))
        for b, row in enumerate(rows):
            for k, angle in enumerate(row):
                circuit.set_parameter(k, sign * angle)
            out[b] = value()[0]
        return out

    return sweep


def _qulacs_rotation_sign() -> float:
    """+1 when Qulacs' RY(t) is exp(-i t Y / 2) as in Qiskit and gpuq, -1 when it is exp(+i t Y / 2)."""
    from qulacs import ParametricQuantumCircuit, QuantumState

    probe = ParametricQuantumCircuit(1)
    probe.add_parametric_RY_gate(0, 0.5)
    state = QuantumState(1)
    probe.update_quantum_state(state)
    return 1.0 if state.get_vector()[1].real > 0 else -1.0


def lightning_run(work: dict):
    import pennylane as qml
    from pennylane import numpy as pnp

    n, layers, rows = work["nqubits"], work["layers"], np.array(work["rows"])
    dev = qml.device("lightning.qubit", wires=n, c_dtype=np.complex128)
    coeffs = [c for _, c in work["terms"]]
    words = [
        qml.pauli.PauliWord({q: c for q, c in enumerate(reversed(label)) if c != "I"}).operation()
        for label, _ in work["terms"]
    ]
    hamiltonian = qml.Hamiltonian(coeffs, words)

    def ops(values):
        for layer in range(layers):
            for q in range(n):
                k = 2 * (layer * n + q)
                qml.RY(values[k], wires=q)
                qml.RZ(values[k + 1], wires=q)
            for q in range(n - 1):
                qml.CNOT(wires=[q, q + 1])

    if work["name"] == "gradient":

        @qml.qnode(dev, diff_method="adjoint")
        def energy(values):
            ops(values)
            return qml.expval(hamiltonian)

        start = pnp.array(rows[0], requires_grad=True)
        return lambda: np.asarray(qml.grad(energy)(start))
    tapes = []
    for row in rows:
        with qml.queuing.AnnotatedQueue() as queue:
            ops(row)
        tapes.append(qml.tape.QuantumScript(queue.queue, [qml.expval(hamiltonian)]))
    return lambda: np.array(qml.execute(tapes, dev), dtype=float).reshape(-1)


def _ansatz(qc, theta, n: int, layers: int):
    """The hardware-efficient ansatz on a gpuq or Qiskit circuit (the same method names)."""
    for layer in range(layers):
        for q in range(n):
            k = 2 * (layer * n + q)
            qc.ry(theta[k], q)
            qc.rz(theta[k + 1], q)
        for q in range(n - 1):
            qc.cx(q, q + 1)
    return qc


ADAPTERS = {"gpuq": gpuq_run, "qiskit-aer": aer_run, "qulacs": qulacs_run, "lightning.qubit": lightning_run}


def worker(spec_path: str) -> None:
    """Warm up on the small workload, time ``repeats`` runs of the real one, write the median and the output."""
    spec = json.loads(Path(spec_path).read_text())
    if spec["simulator"] == "gpuq":
        import numba

        numba.set_num_threads(spec["threads"])
    adapter = ADAPTERS[spec["simulator"]]
    adapter(spec["warmup"])()
    built = time.perf_counter()
    run = adapter(spec["work"])
    build_s = time.perf_counter() - built
    times, output = [], None
    for _ in range(spec["repeats"]):
        started = time.perf_counter()
        output = run()
        times.append(time.perf_counter() - started)
    Path(spec["out"]).write_text(
        json.dumps({"seconds": statistics.median(times), "runs": times, "build_s": build_s, "output": output.tolist()})
    )


# ----------------------------------------------------------------------------- driver


def measure(python: str, simulator: str, work: dict, warmup: dict, args, tmp: Path) -> dict:
    """One fresh worker process; its result, or the error it ended with."""
    from benchmarks.run import thread_env  # the driver's side: the peers' interpreter never imports it

    spec = {"simulator": simulator, "work": work, "warmup": warmup, "repeats": args.repeats, "threads": args.threads}
    spec["out"] = str(tmp / "out.json")
    Path(spec["out"]).unlink(missing_ok=True)
    (tmp / "spec.json").write_text(json.dumps(spec))
    env = {**thread_env(args.threads), "OMP_WAIT_POLICY": "PASSIVE"}
    try:
        proc = subprocess.run(
            [python, str(HERE / "variational.py"), "--worker", str(tmp / "spec.json")],
            env=env,
            capture_output=True,
            text=True,
            timeout=args.timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout:.0f} s"}
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {proc.returncode}", "stderr_tail": proc.stderr[-2000:]}
    return json.loads(Path(spec["out"]).read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    csv = lambda s: [x for x in s.split(",") if x]  # noqa: E731
    parser.add_argument("--small", action="store_true", help="smaller sizes, for a quick check")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workloads", type=csv, default=list(SIZES))
    parser.add_argument("--simulators", type=csv, default=list(ADAPTERS))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per worker process")
    parser.add_argument("--gpuq-python", default=sys.executable)
    parser.add_argument("--peers-python", default=str(HERE / ".venv-peers" / "bin" / "python"))
    parser.add_argument("--results-dir", type=Path, default=HERE / "results")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    from benchmarks.run import machine_info, machine_slug, new_result_path

    sizes = SMALL if args.small else SIZES
    data = {
        "machine": machine_info(),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "threads": args.threads,
        "repeats": args.repeats,
        "sizes": {k: sizes[k] for k in args.workloads},
        "targets": TARGETS,
        "results": [],
    }
    args.results_dir.mkdir(parents=True, exist_ok=True)
    kind = "variational-small" if args.small else "variational"
    out = new_result_path(args.results_dir, f"{kind}-{machine_slug(data['machine'])}-{dt.date.today().isoformat()}")
    with tempfile.TemporaryDirectory(prefix="gpuq-variational-") as tmpdir:
        for name in args.workloads:
            work, warmup = workload(name, sizes), workload(name, SMALL)
            scale = sum(abs(c) for _, c in work["terms"])
            reference = None
            timed = {}
            for simulator in ["gpuq", *PEERS[name]]:
                if simulator not in args.simulators:
                    continue
                python = args.gpuq_python if simulator == "gpuq" else args.peers_python
                res = {"workload": name, "simulator": simulator, "sizes": sizes[name]}
                res.update(measure(python, simulator, work, warmup, args, Path(tmpdir)))
                output = np.array(res.pop("output", []))
                if "seconds" in res and simulator == "gpuq":
                    reference = output
                elif "seconds" in res and reference is not None:
                    res["max_difference"] = float(np.max(np.abs(output - reference)) / scale)
                    res["agrees"] = res["max_difference"] <= TOLERANCE
                if "seconds" in res and simulator != "gpuq" and res.get("agrees", True):
                    timed[simulator] = res["seconds"]
                data["results"].append(res)
                shown = f"{res['seconds']:9.3f} s" if "seconds" in res else res["error"]
                print(f"{name:9s} {simulator:16s} {shown}")
                if "agrees" in res:
                    print(f"{'':26s} agrees with gpuq: {res['agrees']} (max difference {res['max_difference']:.1e})")
            ours = next((r for r in data["results"] if r["workload"] == name and r["simulator"] == "gpuq"), {})
            if timed and "seconds" in ours:
                fastest = min(timed, key=timed.__getitem__)
                ratio = ours["seconds"] / timed[fastest]
                ours.update(fastest_peer=fastest, ratio=ratio, meets_target=ratio <= TARGETS[name])
                verdict = "meets" if ratio <= TARGETS[name] else "misses"
                print(f"{'':26s} gpuq / {fastest} = {ratio:.2f} ({verdict} the target {TARGETS[name]})")
            out.write_text(json.dumps({**data, "complete": False}, indent=1, default=str))  # kept if interrupted
    data["machine"]["load_at_end"] = os.getloadavg()
    out.write_text(json.dumps({**data, "complete": True}, indent=1, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
