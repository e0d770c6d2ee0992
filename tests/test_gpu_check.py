"""benchmarks/gpu_check.py: one line and exit 1 without a GPU; every step on a tiny size through the stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import _gpu_or_skip

ROOT = Path(__file__).resolve().parents[1]


def test_without_a_gpu_it_says_why_in_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu_check", str(tmp_path / "report")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "GPUQ_DEVICE": ""},
    )
    has_cupy = subprocess.run([sys.executable, "-c", "import cupy"], capture_output=True, check=False).returncode == 0
    if has_cupy:
        pytest.skip("CuPy is installed here, so gpu_check would run")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gpu_check: no usable NVIDIA GPU here (CuPy is not installed")
    assert not (tmp_path / "report").exists()


def test_every_step_runs_on_a_tiny_size(request, tmp_path):
    _gpu_or_skip(request.config)
    from benchmarks import gpu_check

    test_args = ["tests/test_kernel_mirror.py"]
    if request.config.getoption("--gpu-standin"):
        test_args.append("--gpu-standin")
    report = gpu_check.check(
        tmp_path, sizes=[10], circuit_sizes=[6], test_args=test_args, test_timeout=300, ghz_cap=12, ghz_shots=2000
    )
    assert report["tests"]["passed"], report["tests"]
    kernels = {(row["precision"], row["kernel"]) for row in report["kernels"]}
    for family in ("copy", "matrix k=5", "diagonal k=10", "x", "swap", "permutation k=3", "collapse", "sampling walk"):
        assert ("single", family) in kernels and ("double", family) in kernels
    assert len(report["circuits"]) == 6 and all(row["outcomes"] >= 1 for row in report["circuits"])
    ghz = report["ghz"]
    assert ghz["qubits"] == 12 and ghz["all_zeros"] + ghz["all_ones"] == 2000 and ghz["other_outcomes"] == 0
    assert json.loads((tmp_path / "gpu_check.json").read_text())["device"] == report["device"]
    page = (tmp_path / "gpu_check.md").read_text()
    assert "| 10 | double | matrix k=5 |" in page and "12 qubits single, 2000 shots" in page
