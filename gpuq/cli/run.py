"""``gpuq run FILE.qasm``: simulate an OpenQASM 2.0 file and print what came out.

Counts (qasm backends) are printed as a table of the most frequent outcomes;
statevector backends print the largest amplitudes; unitary backends print the
matrix's size (``--json`` has all of it). The header says which backend and
device ran the circuit, why that device (the experiment's ``device_reason``),
and how long it took. ``--json`` prints the ``Result`` as JSON and nothing
else, for scripts. A run longer than about two seconds shows its progress on
stderr while the job is polled.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import get_args

import numpy as np

from ..exceptions import BackendNotFoundError, CliError, QasmError
from ..models.options import DeviceName, Precision, RunOptions

PROGRESS_AFTER_S = 2.0
"""A run shows progress on stderr once it has taken this long."""

_POLL_S = 0.05
_MAX_POLL_S = 1.0
_PLAIN_PROGRESS_EVERY_S = 10.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    parser = subparsers.add_parser(
        "run",
        help="simulate an OpenQASM 2.0 file",
        description="Simulate an OpenQASM 2.0 file and print the most frequent outcomes "
        "(or, on a statevector backend, the largest amplitudes).",
    )
    parser.add_argument("file", metavar="FILE.qasm", help="the OpenQASM 2.0 program")
    parser.add_argument(
        "--backend",
        default="qasm_simulator",
        help="backend name, as 'gpuq backends' lists them; cloud:NAME for a backend of the "
        "saved cloud account (default: qasm_simulator)",
    )
    parser.add_argument(
        "--device",
        choices=get_args(DeviceName),
        default=None,
        help="where to run (default: the backend's pin, then GPUQ_DEVICE, then auto)",
    )
    parser.add_argument(
        "--precision",
        choices=get_args(Precision),
        default=None,
        help=f"amplitude precision (default: {_default('precision')})",
    )
    parser.add_argument("--shots", type=_positive_int, default=None, help=f"shots (default: {_default('shots')})")
    parser.add_argument("--seed", type=_seed, default=None, help="seed of the simulator, for reproducible counts")
    parser.add_argument(
        "--max-memory-mb",
        type=_positive_int,
        default=None,
        metavar="MB",
        help="most memory the run may use, in MiB (default: what is free, or GPUQ_MAX_MEMORY_MB)",
    )
    parser.add_argument(
        "--mpi",
        action="store_true",
        default=None,
        help="split the statevector over the MPI ranks: mpiexec -n 4 gpuq run FILE --mpi (rank 0 prints)",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="say in full why the device was chosen, and how the time was spent"
    )
    parser.add_argument("--json", action="store_true", help="print the whole Result as JSON, and nothing else")
    parser.add_argument(
        "--plot",
        metavar="PATH.png",
        default=None,
        help="write a histogram of the outcomes (needs matplotlib: pip install matplotlib)",
    )
    parser.add_argument(
        "--top",
        type=_positive_int,
        default=16,
        metavar="K",
        help="how many outcomes or amplitudes to show (default: 16)",
    )
    parser.set_defaults(handler=run_command)


def _default(option: str) -> object:
    """The run option's default, as the options model declares it."""
    return RunOptions.model_fields[option].default


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"the seed must be in [0, 2**63), got {value}")
    return value


# ------------------------------------------------------------------ command
def run_command(args: argparse.Namespace) -> int:
    """Load, run, print; returns the exit code."""
    from ..circuit.qasm import load
    from ..compiler import compile as compile_circuits

    if args.plot is not None:
        _check_plot_target(args.plot)
    try:
        circuit = load(args.file)
    except QasmError as exc:
        if exc.line is None:
            raise
        print(exc, file=sys.stderr)  # FILE:LINE:COL: problem, as compilers write it, for editors to jump to
        return 1
    backend = find_backend(args.backend)
    options = {
        "precision": args.precision,
        "device": args.device,
        "shots": args.shots,
        "seed_simulator": args.seed,
        "max_memory_mb": args.max_memory_mb,
        "mpi": args.mpi,
    }
    qobj = compile_circuits(circuit, backend, **{k: v for k, v in options.items() if v is not None})
    started = time.perf_counter()
    job = backend.run(qobj)
    _wait(job, backend.name())
    result = job.result()
    elapsed = time.perf_counter() - started
    if args.mpi and _rank() != 0:  # every rank has the same result; one prints it
        return 0
    if args.json:
        print(result.model_dump_json())
    else:
        _print_report(result, circuit, args.backend, elapsed, args.top, args.verbose)
    if args.plot is not None:
        _plot(result, args.plot, args.top, circuit.name)
        if not args.json:
            print(f"\nhistogram written to {args.plot}")
    return 0


def _rank() -> int:
    """This process's MPI rank (``--mpi`` runs)."""
    from ..sim.distributed import world

    return world().rank


def find_backend(name: str):
    """A local backend by name, or a cloud one named ``cloud:<name>`` (needs a saved account).

    Raises:
        BackendNotFoundError: no backend of that name; the message lists the names that exist.
        AccountError: a cloud backend was named but no usable account is saved.
    """
    from ..providers.local import Local
    from .backends import CLOUD_PREFIX, cloud_provider

    if name.startswith(CLOUD_PREFIX):
        cloud = cloud_provider(required=True)
        try:
            return cloud.get_backend(name[len(CLOUD_PREFIX) :])
        except BackendNotFoundError as exc:
            raise BackendNotFoundError(name, [CLOUD_PREFIX + n for n in exc.available]) from None
    return Local.get_backend(name)


def _wait(job, backend_name: str) -> None:
    """Poll the job until it ends; after PROGRESS_AFTER_S show progress on stderr. Ctrl-C cancels the job."""
    started = time.monotonic()
    tty = sys.stderr.isatty()
    spinner = itertools.cycle("|/-\\")
    last_plain = None
    shown = False
    pause = _POLL_S
    try:
        while not job.status().is_final:
            _pause(job, pause)
            pause = min(pause * 1.5, _MAX_POLL_S)  # a cloud job's status is an HTTP request
            elapsed = time.monotonic() - started
            if elapsed < PROGRESS_AFTER_S:
                continue
            status = job.status().name.lower()
            if tty:
                sys.stderr.write(f"\r{next(spinner)} {backend_name}: {status}, {elapsed:6.1f} s ")
                sys.stderr.flush()
                shown = True
            elif last_plain is None or elapsed - last_plain >= _PLAIN_PROGRESS_EVERY_S:
                print(f"gpuq: {backend_name}: {status}, {elapsed:.0f} s elapsed", file=sys.stderr, flush=True)
                last_plain = elapsed
    except KeyboardInterrupt:
        job.cancel()
        raise
    finally:
        if shown:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def _pause(job, seconds: float) -> None:
    """Wait ``seconds``, or less when a local job ends sooner: a small circuit's job takes milliseconds.

    A cloud job's status is an HTTP request, so it is polled after a plain sleep.
    """
    from ..providers.local.job import LocalJob

    if isinstance(job, LocalJob):
        job.wait_for_final_state(seconds)
    else:
        time.sleep(seconds)


# ------------------------------------------------------------------ report
def _print_report(result, circuit, backend_name: str, elapsed: float, top: int, verbose: bool = False) -> None:
    experiment = result.results[0]
    meta = experiment.metadata
    summary = f"{circuit.name} ({circuit.num_qubits} qubits, {circuit.num_clbits} clbits, {circuit.size()} operations)"
    reason = str(meta.get("device_reason", "reason not reported"))
    if not verbose:
        reason = reason.split(" (", 1)[0]  # the short reason; the full one (with any advice) is for --verbose
    if backend_name.startswith("cloud:"):
        reason = f"on the server: {reason}"
    rows = [
        ("circuit", summary),
        ("backend", backend_name),
        ("device", f"{meta.get('device', '?')} ({reason})"),
        ("precision", str(meta.get("precision", "?"))),
        ("time", _time_line(elapsed, experiment)),
    ]
    if experiment.data.counts is not None and experiment.data.statevector is None:
        rows.insert(
            4,
            (
                "shots",
                f"{experiment.shots}"
                + (f", seed {experiment.seed_simulator}" if experiment.seed_simulator is not None else ""),
            ),
        )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print()
    if experiment.data.statevector is not None:
        if _measures(circuit):
            print(
                "note: the circuit measures, so this is the state after one random outcome of each "
                "measurement; use the qasm_simulator for the distribution of outcomes\n"
            )
        _print_amplitudes(np.asarray(result.get_statevector()), top)
    elif experiment.data.counts is not None:
        _print_counts(result.get_counts(), experiment.shots, top, circuit)
    elif experiment.data.unitary is not None:
        size = np.asarray(result.get_unitary()).shape
        print(f"unitary: a {size[0]} x {size[1]} matrix; use --json to get it")


def _time_line(elapsed: float, experiment) -> str:
    """Wall time, with what the experiment spent compiling kernels apart from simulating."""
    compiling = float(experiment.metadata.get("compile_time", 0.0))
    simulating = float(experiment.metadata.get("simulation_time", experiment.time_taken))
    parts = ([f"compiling kernels {compiling:.3f} s"] if compiling >= 0.0005 else []) + [
        f"simulation {simulating:.3f} s"
    ]
    return f"{elapsed:.3f} s ({', '.join(parts)})"


def top_counts(counts: dict[str, int], top: int) -> list[tuple[str, int]]:
    """The ``top`` most frequent outcomes, ties broken by outcome."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def _print_counts(counts: dict[str, int], shots: int, top: int, circuit) -> None:
    if not _measures(circuit):
        print(
            "note: the circuit measures nothing, so every shot reads 0; "
            "use --backend statevector_simulator to see its amplitudes\n"
        )
    shown = top_counts(counts, top)
    width = max([len("outcome")] + [len(key) for key, _ in shown])
    print(f"{'outcome':<{width}}  {'count':>9}  {'probability':>11}")
    for key, count in shown:
        print(f"{key:<{width}}  {count:>9}  {count / shots:>11.4f}")
    print(f"({len(shown)} of {len(counts)} distinct outcomes shown)")


def _measures(circuit) -> bool:
    return any(inst.name == "measure" for inst in circuit.data)


def top_amplitudes(state: np.ndarray, top: int) -> list[int]:
    """Indices of the ``top`` largest |amplitude| (zeros left out), largest first, ties by index."""
    probs = np.abs(state) ** 2
    k = min(top, probs.size)
    candidates = np.argpartition(-probs, k - 1)[:k] if k < probs.size else np.arange(probs.size)
    ranked = sorted(candidates.tolist(), key=lambda i: (-probs[i], i))
    return [i for i in ranked if probs[i] > 1e-14] or ranked[:1]


def _print_amplitudes(state: np.ndarray, top: int) -> None:
    nqubits = int(state.size).bit_length() - 1
    indices = top_amplitudes(state, top)
    width = max(len("basis state"), nqubits)
    print(f"{'basis state':<{width}}  {'amplitude':>26}  {'probability':>11}")
    for index in indices:
        amp = complex(state[index])
        print(f"{format(index, f'0{nqubits}b'):<{width}}  {amp.real:>+12.8f}{amp.imag:+12.8f}j  {abs(amp) ** 2:>11.6f}")
    nonzero = int(np.count_nonzero(np.abs(state) > 1e-12))
    print(f"({len(indices)} of {nonzero} nonzero amplitudes shown; qubit 0 is the rightmost bit)")


# ------------------------------------------------------------------ plot
def _check_plot_target(path: str) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError("--plot needs matplotlib, which is not installed: pip install matplotlib") from None
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise CliError(f"--plot: folder {parent} does not exist")


def _plot(result, path: str, top: int, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    experiment = result.results[0]
    if experiment.data.counts is not None and experiment.data.statevector is None:
        shown = top_counts(result.get_counts(), top)
        labels = [key for key, _ in shown]
        values = [count / experiment.shots for _, count in shown]
        ylabel = "probability (counts / shots)"
    elif experiment.data.statevector is not None:
        state = np.asarray(result.get_statevector())
        nqubits = int(state.size).bit_length() - 1
        indices = top_amplitudes(state, top)
        labels = [format(i, f"0{nqubits}b") for i in indices]
        values = [float(abs(state[i]) ** 2) for i in indices]
        ylabel = "probability |amplitude|^2"
    else:
        raise CliError("--plot draws counts or statevector probabilities; a unitary has neither")
    figure, axes = plt.subplots(figsize=(max(6.0, 0.5 * len(labels) + 2), 4))
    axes.bar(range(len(labels)), values, color="#4c72b0")
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels(
        labels,
        rotation=60 if len(labels) > 8 or max(map(len, labels), default=0) > 6 else 0,
        ha="right" if len(labels) > 8 else "center",
        fontfamily="monospace",
    )
    axes.set_ylabel(ylabel)
    axes.set_title(f"{title} on {result.backend_name}")
    figure.tight_layout()
    try:
        figure.savefig(path)
    except OSError as exc:
        raise CliError(f"--plot: cannot write {path}: {exc}") from exc
    finally:
        plt.close(figure)
