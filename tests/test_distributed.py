"""One statevector over 1, 2 and 4 MPI ranks gives what one process gives (``mpi=True``).

Real ranks: each test runs ``mpiexec`` (the ``mpich`` wheel; oversubscribed
on a small machine) on a program in ``mpi_programs/``. Statevectors agree with
the single-process run to 1e-12 in double, counts and memory are identical
for the same seed, and every rank returns the same counts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from distributed_cases import cases

import gpuq

pytest.importorskip("mpi4py", reason="the distributed tests need the mpi extra (mpi4py and an MPI)")
MPIEXEC = shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec on PATH (pip install 'gpuq-sim[mpi]')")
PROGRAMS = Path(__file__).parent / "mpi_programs"
REPOSITORY = Path(__file__).resolve().parents[1]


def mpirun(ranks: int, *argv: str, **environment: str) -> subprocess.CompletedProcess:
    """Run ``python argv...`` on ``ranks`` real MPI ranks with this checkout's gpuq (and ``environment``
    added to its environment); fail with its output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")]))
    env.update(environment)
    command = [MPIEXEC, "-n", str(ranks), sys.executable, *argv]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def one_process(device: str) -> dict:
    """Every case run on one process without MPI, on ``device``."""
    answers = {}
    for name, circuit, backend, options in cases():
        result = gpuq.execute(circuit, gpuq.Local.get_backend(backend), device=device, **options).result()
        answers[name] = result.results[0].data
    return answers


@pytest.fixture(scope="module")
def single_process():
    return one_process("cpu")


@pytest.mark.parametrize("ranks", [1, 2, 4])
def test_every_case_matches_one_process(ranks, single_process, tmp_path):
    _compare_cases(ranks, single_process, tmp_path)


def test_gpu_ranks_match_one_gpu_process(request, tmp_path):
    """The same cases on GPU ranks (device slices, host-staged exchanges) against one GPU process:
    the CuPy stand-in under ``--gpu-standin``, real GPUs where CuPy has them."""
    from gpuq.sim.devices.select import gpu_unavailable_reason

    flags = ("--gpu-standin",) if request.config.getoption("--gpu-standin") else ()
    if not flags and gpu_unavailable_reason() is not None:
        pytest.skip(f"no usable GPU and no --gpu-standin: {gpu_unavailable_reason()}")
    _compare_cases(2, one_process("gpu"), tmp_path, *flags)


def _compare_cases(ranks: int, single_process: dict, tmp_path: Path, *flags: str) -> None:
    mpirun(ranks, str(PROGRAMS / "run_cases.py"), str(tmp_path / "out"), *flags)
    facts = json.loads((tmp_path / "out.json").read_text())
    vectors = np.load(tmp_path / "out.npz")
    swaps = 0
    for name, _, backend, options in cases():
        expected = single_process[name]
        got = facts[name]
        assert got["same_on_every_rank"], name
        assert got["counts"] == expected.counts, name
        assert got["memory"] == expected.memory, name
        if backend == "statevector_simulator":
            tolerance = 1e-5 if options.get("precision") == "single" else 1e-12
            np.testing.assert_allclose(vectors[name], expected.statevector, atol=tolerance, err_msg=name)
        assert got["distributed"]["ranks"] == ranks
        swaps += got["distributed"]["swaps"]
    assert (swaps > 0) == (ranks > 1)  # gates did land on global qubits, and were swapped in


def _checks(ranks: int, tmp_path: Path, *flags: str, **environment: str) -> dict:
    mpirun(ranks, str(PROGRAMS / "checks.py"), str(tmp_path / "checks.json"), *flags, **environment)
    return json.loads((tmp_path / "checks.json").read_text())


def _assert_checks(facts: dict, ranks: int) -> None:
    for pieces in facts["pieces"]:  # sampled in pieces, as from 25 qubits: still one process's draws
        assert pieces["mode"] == ["pieces", 2]
        assert pieces["same_on_every_rank"] and pieces["same_as_one_process"]
    memory = facts["memory"]
    assert isinstance(memory, str), memory  # every rank refuses alike
    # 2**g ranks need 2**(22-g) * 16 B of state and, for g > 0, messages of min(2**20, 2**(21-g))
    # amplitudes: two on the CPU (16 MiB at g = 3), three on a GPU (10 MiB at g = 4; 20 at g = 3),
    # under the 18 MiB cap.
    fits = {"cpu": 8, "gpu": 16}[facts["device"]]
    assert f"22-qubit state on {ranks} rank(s)" in memory and f"it would fit on {fits} ranks" in memory, memory
    # 20 qubits under 12 MiB: 4 ranks hold their 4 MiB shares (and 4 MiB of messages), but rank 0
    # cannot also hold the whole 16 MiB state to return it; fewer ranks do not hold their shares.
    expected = "gathering the 20-qubit statevector on rank 0" if ranks == 4 else f"20-qubit state on {ranks} rank(s)"
    assert expected in facts["gather"], facts["gather"]
    assert facts["small_messages_error"] < 1e-12
    assert (facts["small_messages_swaps"] > 0) == (ranks > 1)
    if facts["device"] == "cpu" and ranks > 1:
        assert facts["small_messages_path"] == "host memory"
    assert isinstance(facts["cuda_aware"], bool)
    # A 3-qubit gate on 3 qubits: too small to split over 4 ranks, so every rank runs it whole.
    assert facts["width"] == ["DONE", ranks > 1]
    assert "the unitary simulator does not run distributed" in facts["unitary"]
    amplitude = 2**-0.5
    expected = np.zeros(16)
    expected[[0, 9]] = amplitude  # H on qubit 3, then CX 3 -> 0: rank bits of 4 ranks hold qubits 2 and 3
    np.testing.assert_allclose([complex(a) for a in facts["statevector"]], expected, atol=1e-12)
    for message in facts["statevector_elsewhere"]:
        assert "is returned on rank 0 only" in message


@pytest.mark.parametrize("ranks", [1, 4])
def test_pieces_refusals_and_statevector_on_rank_0(ranks, tmp_path):
    facts = _checks(ranks, tmp_path)
    _assert_checks(facts, ranks)
    assert facts["device"] == "cpu"


@pytest.mark.parametrize(
    ("cuda_aware", "path"), [("0", "pinned host buffers"), ("1", "device buffers (CUDA-aware MPI)")]
)
def test_gpu_ranks_through_the_device_seam(request, tmp_path, cuda_aware, path):
    """The GPU rank path (device slices; exchanges through pinned host buffers, or in device memory
    for a CUDA-aware MPI): on the CuPy stand-in under ``--gpu-standin``, on real GPUs where CuPy has
    them (there ``GPUQ_MPI_CUDA_AWARE=1`` needs an MPI that really is CUDA-aware)."""
    from gpuq.sim.devices.select import gpu_unavailable_reason

    flags = ("--gpu-standin",) if request.config.getoption("--gpu-standin") else ()
    if not flags and gpu_unavailable_reason() is not None:
        pytest.skip(f"no usable GPU and no --gpu-standin: {gpu_unavailable_reason()}")
    facts = _checks(2, tmp_path, *flags, GPUQ_MPI_CUDA_AWARE=cuda_aware)
    _assert_checks(facts, 2)
    assert facts["device"] == "gpu"
    assert facts["cuda_aware"] is (cuda_aware == "1")
    assert facts["small_messages_path"] == path
    if flags:  # the stand-in counts page-locked allocations: only the host-staged path makes them
        assert (facts["pinned_bytes"] > 0) == (cuda_aware == "0")


def test_a_bad_cuda_aware_setting_is_refused(tmp_path):
    program = tmp_path / "setting.py"
    program.write_text(
        "import gpuq\n"
        "qc = gpuq.QuantumCircuit(3)\n"
        "qc.h(2)\n"
        "try:\n"
        "    gpuq.execute(qc, 'statevector_simulator', mpi=True, device='cpu').result()\n"
        "except gpuq.GpuqError as exc:\n"
        "    print(exc)\n"
    )
    done = mpirun(2, str(program), GPUQ_MPI_CUDA_AWARE="yes")
    assert done.stdout.count("GPUQ_MPI_CUDA_AWARE must be 0 or 1, not 'yes'") == 2


def test_a_rank_count_that_is_not_a_power_of_two_is_refused(tmp_path):
    program = tmp_path / "three.py"
    program.write_text(
        "import gpuq\n"
        "qc = gpuq.QuantumCircuit(3)\n"
        "try:\n"
        "    gpuq.execute(qc, 'statevector_simulator', mpi=True).result()\n"
        "except gpuq.GpuqError as exc:\n"
        "    print(exc)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    done = subprocess.run([MPIEXEC, "-n", "3", sys.executable, str(program)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("a distributed run needs a power-of-two number of ranks (1, 2, 4, ...), not 3") == 3


def test_gpuq_run_mpi_prints_the_counts_of_one_process_once(tmp_path):
    source = tmp_path / "mixed.qasm"
    source.write_text(
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[6];\ncreg c[6];\n'
        "h q[5];\ncx q[5],q[0];\nrx(0.3) q[4];\nmeasure q[4] -> c[4];\nif(c==16) x q[5];\n"
        "reset q[0];\ncu3(0.2,0.4,0.1) q[5],q[1];\nry(1.1) q[5];\nmeasure q -> c;\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    command = [sys.executable, "-m", "gpuq", "run", str(source), "--seed", "5", "--shots", "3000"]
    alone = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    ranks = mpirun(4, "-m", "gpuq", "run", str(source), "--seed", "5", "--shots", "3000", "--mpi").stdout

    def table(report: str) -> list[str]:
        return report[report.index("outcome") :].splitlines()

    assert table(ranks) == table(alone)
    assert ranks.count("outcome      count") == 1  # rank 0 prints, the others do not


def test_the_hostfile_recipe_on_one_machine(tmp_path):
    """docs/distributed.md's hostfile recipe (MPICH's ``host:slots``), with this machine named twice."""
    hosts = tmp_path / "hosts"
    hosts.write_text("localhost:1\n127.0.0.1:1\n")
    source = tmp_path / "ghz.qasm"
    source.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[5];\ncreg c[5];\nh q[4];\n')
    with source.open("a") as qasm:
        qasm.writelines(f"cx q[4],q[{q}];\n" for q in range(4))
        qasm.write("measure q -> c;\n")
    command = ["-m", "gpuq", "run", str(source), "--seed", "2", "--shots", "500"]
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    alone = subprocess.run([sys.executable, *command], capture_output=True, text=True, env=env, check=True).stdout
    done = subprocess.run(
        [MPIEXEC, "-f", str(hosts), "-n", "2", sys.executable, *command, "--mpi"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout[done.stdout.index("outcome") :] == alone[alone.index("outcome") :]
