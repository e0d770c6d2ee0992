"""First runs in fresh processes: gpuq with a cold and a warm Numba cache, qsimcirq's and Aer's first run.

    python benchmarks/cold_start.py [--repeats 3] [--peers-python benchmarks/.venv-peers/bin/python] [--out FILE]

Every figure is the wall time of a new process (interpreter start and imports
included), median of ``--repeats``, with its CPU time (``*_cpu_s``) beside it. gpuq: ``gpuq run examples/ghz.qasm`` (the
README's first command) and the 5-qubit script that ``python -m benchmarks``
has always timed, each with the default Numba cache and QASM parser cache
(warm: filled by a run before) and with an empty ``NUMBA_CACHE_DIR`` and
``XDG_CACHE_HOME`` (cold: a fresh install); also a
12-qubit GHZ, which is past ``cpu_small.SMALL_QUBITS`` and so still compiles
Numba kernels when the cache is cold. Peers: the same 5-qubit GHZ with 1024
shots, importing and running qsimcirq and Qiskit Aer in a fresh process of the
peers' virtualenv. ``python -m benchmarks`` calls ``measure`` for its
``cold_start`` entry.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

GPUQ_SCRIPT = (
    "import time; t=time.perf_counter(); from gpuq import QuantumCircuit, execute; "
    "qc=QuantumCircuit({n}); qc.h(0); [qc.cx(i, i+1) for i in range({n}-1)]; "
    "execute(qc, 'statevector_simulator_cpu').result().get_statevector(); "
    "print(time.perf_counter()-t)"
)
QSIM_SCRIPT = (
    "import cirq, qsimcirq; q = cirq.LineQubit.range(5); "
    "c = cirq.Circuit([cirq.H(q[0])] + [cirq.CNOT(q[i], q[i + 1]) for i in range(4)] + [cirq.measure(*q, key='m')]); "
    "qsimcirq.QSimSimulator().run(c, repetitions=1024).histogram(key='m')"
)
AER_SCRIPT = (
    "from qiskit import QuantumCircuit; from qiskit_aer import AerSimulator; "
    "qc = QuantumCircuit(5); qc.h(0); [qc.cx(i, i + 1) for i in range(4)]; qc.measure_all(); "
    "AerSimulator().run(qc, shots=1024).result().get_counts()"
)


def wall(argv: list[str], env: dict) -> tuple[float, float]:
    """Seconds from starting ``argv`` to its exit (it must succeed), and the CPU seconds it used
    (user + system: on a machine shared with other work, the figure that load does not inflate)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def median_of(repeats: int, argv: list[str], env: dict, cold: bool) -> tuple[float, float]:
    """Median wall and CPU seconds of ``repeats`` runs; each cold run starts as a fresh install does, with
    an empty Numba cache and an empty user cache directory (no saved QASM parser)."""
    times = []
    for _ in range(repeats):
        if cold:
            with tempfile.TemporaryDirectory(prefix="gpuq-cold-") as cache:
                fresh = {"NUMBA_CACHE_DIR": f"{cache}/numba", "XDG_CACHE_HOME": f"{cache}/user"}
                times.append(wall(argv, {**env, **fresh}))
        else:
            times.append(wall(argv, env))
    return statistics.median(w for w, _ in times), statistics.median(c for _, c in times)


def measure(python: str, peers_python: str | None, repeats: int, env: dict) -> dict:
    """The ``cold_start`` entry of a benchmark run (``*_s``: seconds, medians of ``repeats``)."""
    # PYTHONDONTWRITEBYTECODE is dropped so that the first run writes gpuq's .pyc files, as ``pip install``
    # does (and as the peers' installs did): without them every run compiled ~60 modules from source (0.15 s).
    env = {k: v for k, v in env.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONDONTWRITEBYTECODE")}
    cli = [python, "-m", "gpuq", "run", "examples/ghz.qasm"]
    script5 = [python, "-c", GPUQ_SCRIPT.format(n=5)]
    script12 = [python, "-c", GPUQ_SCRIPT.format(n=12)]
    for argv in (cli, script5, script12):
        wall(argv, env)  # fills the default cache
    runs = {
        ("warm_cache", False): script5,
        ("cold_cache", True): script5,
        ("cli_ghz5_warm", False): cli,
        ("cli_ghz5_cold", True): cli,
        ("ghz12_warm", False): script12,
        ("ghz12_cold", True): script12,
        ("import_gpuq", False): [python, "-c", "import gpuq"],
    }
    if peers_python and Path(peers_python).exists():
        runs[("qsimcirq_first_run", False)] = [peers_python, "-c", QSIM_SCRIPT]
        runs[("aer_first_run", False)] = [peers_python, "-c", AER_SCRIPT]
    out: dict = {"repeats": repeats, "load_at_start": os.getloadavg()}
    for (name, cold), argv in runs.items():
        out[f"{name}_s"], out[f"{name}_cpu_s"] = median_of(repeats, argv, env, cold)
    out["load_at_end"] = os.getloadavg()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--peers-python", default=str(REPO / "benchmarks" / ".venv-peers" / "bin" / "python"))
    p.add_argument("--out", type=Path, help="also write the figures there as JSON")
    args = p.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for var in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = "2"
    figures = measure(args.python, args.peers_python, args.repeats, env)
    print(json.dumps(figures, indent=1))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
