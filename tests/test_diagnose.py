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


def test_doctor_lists_each_gpu_with_its_largest_state(request):
    """On a GPU machine (or the stand-in: --gpu-standin) every device is listed, from the GPU device's own facts."""
    from conftest import _gpu_or_skip

    from gpuq import diagnose
    from gpuq.sim.memory import largest_qubits

    _gpu_or_skip(request.config)
    report = diagnose()
    assert report.gpus and report.gpu_problem is None and report.auto_device == "gpu"
    for gpu in report.gpus:
        assert gpu["total_bytes"] >= gpu["free_bytes"] > 0
        assert gpu["max_qubits"]["double"] == largest_qubits(gpu["free_bytes"], "double")
    assert "largest state" in str(report)
