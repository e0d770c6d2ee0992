"""Run gpuq and every installed peer on the same circuits; write JSON, and the markdown report when asked (--docs).

    python -m benchmarks [--qubits 24,26] [--circuits qft,random,ghz,corpus]
                         [--precisions single,double] [--simulators gpuq,qsim,...]
                         [--repeats 3] [--peers-python benchmarks/.venv-peers/bin/python]
    python -m benchmarks --resume benchmarks/results/<machine>-<date>.json

gpuq runs with this interpreter (or ``--gpuq-python``); peers run with the
peers' virtualenv (see benchmarks/requirements.txt). Every measurement is one
fresh worker process with 2 threads pinned for everyone. gpuq runs first in
each group and its output is the reference the peers are checked against.
The JSON is saved after every circuit group; ``--resume`` finishes an
interrupted run with its own options, running only the groups it lacks, and
records when it was resumed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks import circuits, cold_start, report  # noqa: E402

PEERS = ("qsim", "qiskit-aer", "qulacs", "qibojit", "lightning.qubit")
PRECISIONS_OF = {
    "gpuq": ("single", "double"),
    "qiskit-aer": ("single", "double"),
    "qsim": ("single",),
    "qulacs": ("double",),
    "qibojit": ("single", "double"),
    "lightning.qubit": ("single", "double"),
}
TOLERANCE = {"single": 1e-4, "double": 1e-8}
# Shot counts are random on both sides: 1e6 shots give 1 - F of order 1e-6.
SHOT_TOLERANCE = 1e-4


def thread_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "QIBO_NUM_THREADS"):
        env[var] = str(threads)
    env["PYTHONPATH"] = str(REPO)
    return env


def machine_info() -> dict:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"Model name:\s*(.+)", lscpu)
    mem_kib = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
    flags = re.search(r"Flags:\s*(.+)", lscpu)
    return {
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 2**20, 1),
        "avx512f": bool(flags and "avx512f" in flags.group(1).split()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_at_start": os.getloadavg(),
    }


def machine_slug(info: dict) -> str:
    model = re.sub(r"[^a-z0-9]+", "-", info["cpu_model"].lower()).strip("-")
    return f"{model[:40]}-{info['cores']}c"


def new_result_path(directory: Path, stem: str) -> Path:
    """``directory/stem.json``, or ``stem-2.json``, ``stem-3.json``... when it exists: a record is never overwritten."""
    path, n = directory / f"{stem}.json", 1
    while path.exists():
        n += 1
        path = directory / f"{stem}-{n}.json"
    return path


def call_worker(python: str, spec: dict, tmp: Path, threads: int, timeout: float) -> dict:
    spec_path = tmp / "spec.json"
    spec["out"] = str(tmp / "out.json")
    Path(spec["out"]).unlink(missing_ok=True)
    spec_path.write_text(json.dumps(spec))
    try:
        proc = subprocess.run(
            [python, str(HERE / "worker.py"), str(spec_path)],
            env=thread_env(threads),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {
            "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}",
            "stderr_tail": proc.stderr[-2000:],
        }
    return json.loads(Path(spec["out"]).read_text())


def groups(args) -> list[tuple[str, int | None]]:
    out = []
    for kind in args.circuits:
        if kind in ("qft", "random"):
            out += [(kind, n) for n in args.qubits]
        elif kind == "ghz":
            out.append(("ghz", args.ghz_qubits))
        elif kind == "corpus":
            out += [(f"corpus:{name}", None) for name in circuits.CORPUS_FILES]
    return out


def group_done(results: list[dict], kind: str, nqubits: int | None) -> bool:
    """Whether a saved run already holds measurements of this circuit group."""
    return any(r.get("circuit") == kind and (nqubits is None or r.get("nqubits") == nqubits) for r in results)


def write_ops(path: Path, kind: str, nqubits: int | None) -> dict:
    qc, shots = circuits.build(kind, nqubits)
    job = {"ops": circuits.flatten(qc), "nqubits": qc.num_qubits, "shots": shots}
    with open(path, "wb") as f:
        pickle.dump(job, f)
    return job


def run_group(args, kind, nqubits, tmp: Path, log) -> list[dict]:
    t0 = time.perf_counter()
    try:
        job = write_ops(tmp / "ops.pkl", kind, nqubits)
    except Exception as exc:  # a corpus file gpuq cannot import is recorded, not fatal
        log(f"skip {kind}: {exc}")
        return [{"circuit": kind, "error": f"circuit not built: {exc}"}]
    build_s = time.perf_counter() - t0
    n = job["nqubits"]
    warm_kind_n = min(n, 12) if nqubits else None
    if nqubits:
        write_ops(tmp / "warm.pkl", kind, warm_kind_n)
    else:
        (tmp / "warm.pkl").write_bytes((tmp / "ops.pkl").read_bytes())
    results = []
    for precision in args.precisions:
        ref = tmp / ("ref.json" if job["shots"] else "ref.npy")
        ref.unlink(missing_ok=True)
        for sim in args.simulators:
            if precision not in PRECISIONS_OF[sim]:
                continue
            if sim in args.large_skip and n > args.large_from - 1 and nqubits:
                results.append(
                    {
                        "simulator": sim,
                        "precision": precision,
                        "circuit": kind,
                        "nqubits": n,
                        "error": f"skipped at >= {args.large_from} qubits (time budget, --large-skip)",
                    }
                )
                log(f"{kind:32s} n={n:2d} {precision:6s} {sim:16s} skipped (--large-skip)")
                continue
            python = args.gpuq_python if sim == "gpuq" else args.peers_python
            spec = {
                "simulator": sim,
                "precision": precision,
                "circuit": kind,
                "ops": str(tmp / "ops.pkl"),
                "warmup_ops": str(tmp / "warm.pkl"),
                "repeats": args.repeats,
                "reference": str(ref),
            }
            res = call_worker(python, spec, tmp, args.threads, args.timeout)
            res.setdefault("simulator", sim)
            res.setdefault("precision", precision)
            res.setdefault("circuit", kind)
            res.setdefault("nqubits", n)
            res["gpuq_circuit_build_s"] = build_s
            fid = res.get("check", {}).get("fidelity")
            tol = SHOT_TOLERANCE if job["shots"] else TOLERANCE[precision]
            if fid is not None:
                res["check"]["tolerance"] = tol
                res["check"]["agrees"] = bool(fid > 1 - tol)
            log(
                f"{kind:32s} n={n:2d} {precision:6s} {sim:16s} "
                + (
                    f"sim {res['sim_s']:8.3f} s  build {res['build_s']:.3f} s  peak {res['peak_rss_mib']:.0f} MiB"
                    f"  F={fid}"
                    if "sim_s" in res
                    else f"ERROR {res['error']}"
                )
            )
            results.append(res)
        ref.unlink(missing_ok=True)
    return results


def load_unfinished(path: Path, fail) -> dict:
    """The saved run at ``path``, or ``fail(message)`` when it cannot be read or has nothing left to run."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        fail(f"--resume: cannot read {path}: {exc}")
    if (
        not isinstance(saved, dict)
        or not isinstance(saved.get("argv"), list)
        or not isinstance(saved.get("results"), list)
    ):
        fail(f"--resume: {path} is not a benchmark run written by this runner (no argv or results)")
    if saved.get("complete"):
        fail(f"--resume: {path} is a complete run; nothing to resume")
    return saved


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    csv = lambda s: [x for x in s.split(",") if x]  # noqa: E731
    p.add_argument("--qubits", type=lambda s: [int(x) for x in csv(s)], default=[24, 26])
    p.add_argument("--ghz-qubits", type=int, default=24)
    p.add_argument("--circuits", type=csv, default=["qft", "random", "ghz", "corpus"])
    p.add_argument("--precisions", type=csv, default=["single", "double"])
    p.add_argument("--simulators", type=csv, default=["gpuq", *PEERS])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--large-from", type=int, default=99, help="from this many qubits on, leave out the simulators in --large-skip"
    )
    p.add_argument("--large-skip", type=csv, default=["qulacs", "qibojit", "lightning.qubit"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--timeout", type=float, default=1800, help="seconds per worker process")
    p.add_argument("--gpuq-python", default=sys.executable)
    p.add_argument("--peers-python", default=str(HERE / ".venv-peers" / "bin" / "python"))
    p.add_argument("--results-dir", type=Path, default=HERE / "results")
    p.add_argument(
        "--docs",
        type=lambda s: Path(s) if s else None,
        default=None,
        metavar="PATH.md",
        help="also write the markdown report there (e.g. docs/benchmarks.md, the committed page); "
        "by default only the JSON under --results-dir is written",
    )
    p.add_argument("--skip-cold-start", action="store_true")
    p.add_argument("--resume", type=Path, help="finish this interrupted run (its own options are used)")
    args = p.parse_args(argv)
    if args.resume:  # what to measure comes from the saved run; where things are, from this command
        saved = load_unfinished(args.resume, p.error)
        measured = p.parse_args(saved["argv"])
        for where in ("docs", "gpuq_python", "peers_python", "timeout", "resume"):
            setattr(measured, where, getattr(args, where))
        args, args.saved = measured, saved
    if "gpuq" in args.simulators:  # gpuq first: its output is the reference
        args.simulators = ["gpuq"] + [s for s in args.simulators if s != "gpuq"]
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    if not Path(args.peers_python).exists():
        log(f"peers' python {args.peers_python} not found: peers skipped")
        args.simulators = [s for s in args.simulators if s == "gpuq"]
    now = dt.datetime.now().isoformat(timespec="seconds")
    if args.resume:
        data, out = args.saved, args.resume
        data.pop("complete", None)
        data.setdefault("resumed", []).append(now)
    else:
        data = {
            "machine": machine_info(),
            "date": now,
            "argv": sys.argv[1:],
            "threads": args.threads,
            "repeats": args.repeats,
            "results": [],
        }
        args.results_dir.mkdir(parents=True, exist_ok=True)
        out = new_result_path(args.results_dir, f"{machine_slug(data['machine'])}-{dt.date.today().isoformat()}")
    save = lambda complete: out.write_text(json.dumps({**data, "complete": complete}, indent=1, default=str))  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="gpuq-bench-") as tmpdir:
        tmp = Path(tmpdir)
        if "bandwidth" not in data:
            data["bandwidth"] = call_worker(
                args.gpuq_python,
                {"mode": "bandwidth", "threads": args.threads, "log2_elements": 25, "repeats": 5},
                tmp,
                args.threads,
                600,
            )
            log(f"bandwidth: {data['bandwidth']}")
        if not args.skip_cold_start and "cold_start" not in data:
            data["cold_start"] = cold_start.measure(args.gpuq_python, args.peers_python, 3, thread_env(2))
            log(f"cold start: {data['cold_start']}")
        for kind, n in groups(args):
            if group_done(data["results"], kind, n):
                log(f"{kind} n={n}: already measured in {out.name}")
                continue
            data["results"] += run_group(args, kind, n, tmp, log)
            save(complete=False)  # an interrupted run keeps the groups it finished
    data["machine"]["load_at_end"] = os.getloadavg()
    save(complete=True)
    log(f"wrote {out}")
    if args.docs:
        report.write(data, args.docs, out.relative_to(REPO) if out.is_relative_to(REPO) else out)
        log(f"wrote {args.docs}")


if __name__ == "__main__":
    main()
