"""What a fresh process loads: ``import gpuq``, and ``gpuq run`` of a small file (the README's first command).

A first run is mostly interpreter start-up and imports, so heavy modules are
imported by the runs that need them (docs/design-notes.md, "The first run:
imports deferred, the parser cached"). These tests list what a fresh process
has loaded, so an eager import that creeps back fails here without timing
anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gpuq.sim.devices.gpu_probe import gpu_unavailable_reason

REPO = Path(__file__).resolve().parents[1]

DEFERRED_BY_IMPORT = ["cupy", "gpuq.providers.local", "gpuq.sim.engine", "lark", "numba", "requests"]
"""Not loaded by ``import gpuq``: the local engine, the QASM parser, the CPU kernels, the GPU and the cloud client."""

DEFERRED_BY_SMALL_RUN = [
    "cupy",
    "gpuq.noise",
    "gpuq.providers.cloud",
    "gpuq.sim.devices.gpu",
    "gpuq.sim.distributed",
    "gpuq.sim.noisy",
    "gpuq.sim.variational",
    "numba",
    "requests",
]
"""Not loaded by ``gpuq run`` of a 5-qubit circuit on a machine without a GPU (NumPy kernels, no noise, no MPI)."""


def loaded(code: str, modules: list[str], tmp_path: Path) -> list[str]:
    """Which of ``modules`` (or their submodules) a fresh ``python -c code`` has loaded when it ends."""
    script = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps([m for m in {modules!r} if any(k == m or k.startswith(m + '.') for k in sys.modules)]))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "GPUQ_DEVICE": ""}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=env, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_gpuq_loads_no_engine_parser_kernels_gpu_or_http_client(tmp_path):
    assert loaded("import gpuq", DEFERRED_BY_IMPORT, tmp_path) == []


def test_a_small_gpuq_run_loads_only_what_it_runs(tmp_path):
    if gpu_unavailable_reason() is None:
        pytest.skip("a GPU is usable here, so the auto device imports the GPU engine")
    run = (
        "import contextlib, io\n"
        "from gpuq.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['run', 'examples/ghz.qasm']) == 0"
    )
    assert loaded(run, DEFERRED_BY_SMALL_RUN, tmp_path) == []
