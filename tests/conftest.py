"""Shared fixtures: devices, precisions and their tolerances, random generators.

Every engine test takes the ``device`` fixture, parametrised over the CPU and
the GPU. A device that is not here shows as skipped with the reason;
``--require-gpu`` turns the GPU's skip into a failure on GPU machines.
``--gpu-standin`` installs the host stand-in of CuPy (``tests/gpu_standin``) as
``cupy`` for the session, so every test on the "gpu" device (and every
``device="auto"`` run) runs ``GpuDevice`` on the host build of ``kernels/*.cu``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

TOLERANCE = {"single": 2e-5, "double": 1e-10}
"""Absolute tolerance on amplitudes after a few gates, per precision."""


def pytest_addoption(parser):
    parser.addoption(
        "--require-gpu",
        action="store_true",
        default=False,
        help="fail, instead of skip, tests that need a GPU when none is usable",
    )
    parser.addoption(
        "--gpu-standin",
        action="store_true",
        default=False,
        help="run the GPU device on the host stand-in of CuPy (tests/gpu_standin): no GPU needed",
    )


def pytest_configure(config):
    if config.getoption("--gpu-standin"):
        import hostbuild

        reason = hostbuild.unavailable_reason()
        if reason is not None:
            raise pytest.UsageError(f"--gpu-standin needs the host build of the kernels, but {reason}")
        import gpu_standin

        gpu_standin.install()


def pytest_report_header(config):
    if config.getoption("--gpu-standin"):
        return "gpu: the host stand-in of CuPy (tests/gpu_standin), kernels/*.cu built with g++"
    return None


CI_REQUIRED_SKIPS = ("nvcc", "g++", "host build", "mpiexec", "dask")
"""Words of the skip reasons of checks CI must run: CUDA sources (PTX, host build), MPI ranks, Dask."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI (``CI`` set, as ``.ci/run`` is run), a toolchain or MPI check that would skip fails instead."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and any(word in str(report.longrepr) for word in CI_REQUIRED_SKIPS):
        report.outcome = "failed"
        report.longrepr = f"CI must run this check, but the test was skipped: {report.longrepr}"


def _gpu_or_skip(config) -> None:
    from gpuq.sim.devices.select import gpu_unavailable_reason

    reason = gpu_unavailable_reason()
    if reason is not None:
        if config.getoption("--require-gpu"):
            pytest.fail(f"--require-gpu given but the GPU is not usable: {reason}")
        pytest.skip(f"no usable GPU: {reason}")


@pytest.fixture(params=["cpu", "gpu"])
def device_name(request) -> str:
    """ "cpu" or "gpu"; the GPU case is skipped with the reason where there is none."""
    if request.param == "gpu":
        _gpu_or_skip(request.config)
    return request.param


@pytest.fixture
def device(device_name):
    """The ``Device`` object of that name."""
    from gpuq.sim.devices.select import cpu_device, gpu_device

    return cpu_device() if device_name == "cpu" else gpu_device()


@pytest.fixture(params=["single", "double"])
def precision(request) -> str:
    """Both precisions."""
    return request.param


@pytest.fixture
def atol(precision) -> float:
    """The amplitude tolerance of the precision under test."""
    return TOLERANCE[precision]


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every run of a test sees the same numbers."""
    return np.random.default_rng(20261124)
