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


def mpirun(ranks: int, program: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``program`` on ``ranks`` real MPI ranks with this checkout's gpuq; fail with its output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")]))
    command = [MPIEXEC, "-n", str(ranks), sys.executable, str(PROGRAMS / program), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def single_process():
    """Every case run on one process without MPI."""
    answers = {}
    for name, circuit, backend, options in cases():
        result = gpuq.execute(circuit, gpuq.Local.get_backend(backend), **options).result()
        answers[name] = result.results[0].data
    return answers


@pytest.mark.parametrize("ranks", [1, 2, 4])
def test_every_case_matches_one_process(ranks, single_process, tmp_path):
    mpirun(ranks, "run_cases.py", str(tmp_path / "out"))
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
