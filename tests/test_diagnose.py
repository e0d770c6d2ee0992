"""gpuq.diagnose(): the report a user reads when the GPU is not picked up."""

import json

import gpuq
from gpuq.sim.devices.select import gpu_unavailable_reason


def test_report_names_versions_cpu_and_the_gpu_state():
    report = gpuq.diagnose()
    assert report.versions["numba"] != "not installed"
    assert "qubits double" in report.cpu["largest state"]
    assert report.cpu["numba threads"] >= 1
    reason = gpu_unavailable_reason()
    if reason is None:
        assert report.gpus and report.auto_device == "gpu"
        assert all(g["max_qubits"]["single"] == g["max_qubits"]["double"] + 1 for g in report.gpus)
    else:
        assert report.gpu_problem == reason and report.auto_device == "cpu"
        assert "not usable" in str(report)
    json.dumps(report.as_dict())


def test_a_missing_cupy_comes_with_the_install_command():
    from gpuq.diagnose import _fix_for

    fix = _fix_for("CuPy is not installed (No module named 'cupy')")
    assert "pip install cupy-cuda13x" in fix and "gpuq[" not in fix  # "gpuq" on PyPI is another project
    assert "nvidia-smi" in _fix_for("no CUDA device found")
