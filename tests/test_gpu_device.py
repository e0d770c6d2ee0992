"""GpuDevice beyond the engine tests: chunked marginals and sampling, bounded memory, errors, kernel sources.

Runs on a real GPU, or on the host stand-in of CuPy with ``--gpu-standin``;
elsewhere the GPU tests are skipped with the reason. The chunk walk is forced
into many small chunks (``chunk_max_bits``) so that a small state crosses
every chunk boundary case. The memory tests read the stand-in's accounting of
live device arrays, so they need the stand-in.

Statistical bound: with ``n`` shots, each outcome's count must lie within
``5 * sqrt(n p (1 - p)) + 1`` of ``n p``. Per outcome a normal deviation beyond
5 sigma has probability 5.7e-7; over at most 256 outcomes per check and the few
checks here, a correct sampler fails with probability below 1e-3, and the seeds
are fixed, so a pass is reproducible. ``test_the_bound_rejects_a_wrong_distribution``
shows the check can fail.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import reference
from conftest import _gpu_or_skip

from gpuq.exceptions import InsufficientMemoryError, SimulationError
from gpuq.sim.devices.gpu_probabilities import chunk_bits, workspace_bytes
from gpuq.sim.devices.select import cpu_device

ROOT = Path(__file__).resolve().parents[1]
NQUBITS = 8


@pytest.fixture
def gpu(request):
    """A GpuDevice walking the state in chunks of 2^3 amplitudes."""
    _gpu_or_skip(request.config)
    from gpuq.sim.devices.gpu import GpuDevice

    return GpuDevice(chunk_max_bits=3)


@pytest.fixture
def standin(request):
    """The stand-in's memory accounting (skipped on a real GPU, where it does not exist)."""
    _gpu_or_skip(request.config)
    import cupy

    if not cupy.__name__.startswith("gpu_standin"):
        pytest.skip("memory accounting exists only in the host stand-in of CuPy")
    from gpu_standin import memory

    yield memory
    memory.set_capacity(None)


def within_bound(counts: dict[int, int], probs: np.ndarray, shots: int) -> bool:
    """Every outcome's count within 5 sigma (+1) of its expectation (see the module docstring)."""
    for outcome, p in enumerate(probs):
        sigma = np.sqrt(shots * p * (1 - p))
        if abs(counts.get(outcome, 0) - shots * p) > 5 * sigma + 1:
            return False
    return set(counts) <= set(np.flatnonzero(probs > 0).tolist())


def start_state(precision: str, seed: int = 7) -> np.ndarray:
    dtype = np.complex64 if precision == "single" else np.complex128
    return reference.random_state(NQUBITS, np.random.default_rng(seed)).astype(dtype)


QUBIT_SETS = pytest.mark.parametrize(
    "qubits", [[0], [7], [5, 1, 3], [2, 3, 4], list(range(NQUBITS))[::-1]], ids=lambda q: "-".join(map(str, q))
)


@QUBIT_SETS
def test_chunked_marginals_equal_the_cpu_ones(gpu, precision, qubits):
    host = start_state(precision)
    want = cpu_device().marginal_probabilities(host.copy(), qubits)
    got = gpu.marginal_probabilities(gpu.from_host(host), qubits)
    tolerance = 1e-6 if precision == "single" else 1e-13
    np.testing.assert_allclose(got, want, atol=tolerance)


@QUBIT_SETS
def test_chunked_sampling_follows_the_cpu_distribution(gpu, precision, qubits):
    host = start_state(precision)
    probs = cpu_device().marginal_probabilities(host.copy(), qubits)
    shots = 60_000
    outcomes, counts = gpu.sample_counts(gpu.from_host(host), qubits, shots, seed=11)
    assert counts.sum() == shots and np.all(np.diff(outcomes) > 0)
    assert within_bound(dict(zip(outcomes.tolist(), counts.tolist())), probs, shots)
    drawn = gpu.sample(gpu.from_host(host), qubits, shots, seed=12)
    assert drawn.dtype == np.int64 and drawn.shape == (shots,)
    values, tallies = np.unique(drawn, return_counts=True)
    assert within_bound(dict(zip(values.tolist(), tallies.tolist())), probs, shots)


def test_the_bound_rejects_a_wrong_distribution(gpu):
    host = start_state("double")
    swapped = cpu_device().marginal_probabilities(host.copy(), [1, 5, 3])  # a bit-order bug's distribution
    outcomes, counts = gpu.sample_counts(gpu.from_host(host), [5, 1, 3], 60_000, seed=11)
    assert not within_bound(dict(zip(outcomes.tolist(), counts.tolist())), swapped, 60_000)
    impossible = np.zeros(8)
    impossible[[0, 1]] = 0.5
    assert not within_bound({0: 30_000, 1: 29_999, 2: 1}, impossible, 60_000)


def test_samples_come_in_random_order_and_repeat_with_the_seed(gpu):
    state = gpu.from_host(start_state("double"))
    first = gpu.sample(state, [0, 1, 2], 2000, seed=3)
    assert np.any(np.diff(first) < 0) and np.any(np.diff(first) > 0)
    np.testing.assert_array_equal(first, gpu.sample(state, [0, 1, 2], 2000, seed=3))
    assert not np.array_equal(first, gpu.sample(state, [0, 1, 2], 2000, seed=4))


def test_outcomes_of_probability_zero_are_never_drawn(gpu):
    host = np.zeros(1 << NQUBITS, dtype=np.complex128)
    host[[0b00000101, 0b11111111, 0b10000000]] = np.sqrt([0.25, 0.5, 0.25])  # chunks mostly empty
    outcomes, _counts = gpu.sample_counts(gpu.from_host(host), list(range(NQUBITS)), 20_000, seed=1)
    assert outcomes.tolist() == [0b00000101, 0b10000000, 0b11111111]
    assert gpu.sample(gpu.from_host(host), [0], 0, seed=1).shape == (0,)


def test_bad_requests_are_simulation_errors(gpu):
    state = gpu.zero_state(3, "single")
    with pytest.raises(SimulationError, match="non-negative"):
        gpu.sample(state, [0], -1, seed=1)
    with pytest.raises(SimulationError, match="out of range"):
        gpu.marginal_probabilities(state, [3])
    with pytest.raises(SimulationError, match="CuPy array"):
        gpu.apply_matrix(np.zeros(8, dtype=np.complex64), [0], np.eye(2))
    with pytest.raises(SimulationError, match="not a permutation"):
        gpu.apply_permutation(state, [0, 1], [0, 0, 1, 2])
    with pytest.raises(SimulationError, match="complex64 or complex128"):
        gpu.from_host(np.zeros(4))
    from gpuq.sim.devices.gpu import GpuDevice

    with pytest.raises(SimulationError, match="chunk_max_bits"):
        GpuDevice(chunk_max_bits=-1)


def test_every_permutation_path_matches_the_cpu(gpu, precision, rng):
    host = start_state(precision)
    cases = [
        ([2], [1, 0], [5]),
        ([1, 6], [0, 2, 1, 3], []),
        ([0, 3, 4], list(rng.permutation(8)), [7]),
        ([4, 5], [0, 1, 2, 3], []),
    ]
    for targets, perm, controls in cases:
        want, got = host.copy(), gpu.from_host(host)
        cpu_device().apply_permutation(want, targets, perm, controls)
        gpu.apply_permutation(got, targets, perm, controls)
        np.testing.assert_array_equal(gpu.to_host(got), want)


# -- bounded memory (the stand-in's accounting) ---------------------------------------------------


@pytest.mark.parametrize("precision, nqubits", [("single", 21), ("double", 20)])
def test_sampling_and_marginals_take_at_most_a_sixteenth_of_the_state(standin, precision, nqubits):
    from gpuq.sim.devices.gpu import GpuDevice

    gpu = GpuDevice()
    state = gpu.zero_state(nqubits, precision)
    gpu.apply_matrix(state, [nqubits - 1], np.array([[1, 1], [1, -1]]) / np.sqrt(2))
    shots = 1000
    shot_buffers = 6 * 8 * shots  # uniforms, sorted uniforms, order, indices, outcomes and one temporary
    bound = max(state.nbytes // 16, workspace_bytes(16, state.real.itemsize)) + shot_buffers
    for qubits in ([0], list(range(nqubits))):
        standin.reset_peak()
        before = standin.used_bytes()
        outcomes, _counts = gpu.sample_counts(state, qubits, shots, seed=5)
        assert standin.peak_bytes() - before <= bound, f"sampling {len(qubits)} qubits took too much"
        standin.reset_peak()
        gpu.marginal_probabilities(state, qubits[:1])
        assert standin.peak_bytes() - before <= bound, "a marginal took too much"
    assert set(np.unique(outcomes >> (nqubits - 1))) == {0, 1}


def test_chunks_are_a_bounded_part_of_the_state():
    for nqubits in range(40):
        bits = chunk_bits(nqubits)
        assert bits <= nqubits
        if nqubits > 16:
            assert (1 << bits) * 12 <= max((8 << nqubits) // 16, 12 << 16)


def test_out_of_memory_is_insufficient_memory_with_the_bytes(standin):
    import cupy

    from gpuq.sim.devices.gpu import GpuDevice

    gpu = GpuDevice()
    standin.set_capacity(standin.used_bytes() + (1 << 20))
    pool = cupy.get_default_memory_pool()
    freed = pool.freed_all
    with pytest.raises(InsufficientMemoryError) as raised:
        gpu.zero_state(17, "double")
    assert (raised.value.needed, raised.value.available, raised.value.device) == (2 << 20, 1 << 20, "gpu")
    assert pool.freed_all == freed + 1, "cached blocks go back to the driver before a state that lacks room"


# -- kernel sources: package data, checkout, missing --------------------------------------------


def run_python(code: str, path: Path) -> str:
    """Run ``code`` in a fresh interpreter with ``path`` first on sys.path and the stand-in as cupy."""
    prelude = (
        f"import sys; sys.path[:0] = [{str(path)!r}, {str(ROOT / 'tests')!r}]\n"
        "import gpu_standin; gpu_standin.install()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "GPUQ_DEVICE": ""},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def copy_package(target: Path, with_kernels: bool) -> None:
    import shutil

    shutil.copytree(ROOT / "gpuq", target / "gpuq", ignore=shutil.ignore_patterns("__pycache__"))
    if with_kernels:
        shutil.copytree(ROOT / "kernels", target / "gpuq" / "kernels")


def test_an_install_without_kernel_sources_says_so(tmp_path):
    copy_package(tmp_path, with_kernels=False)
    out = run_python(
        """
        from gpuq.sim.devices.select import choose_device, gpu_unavailable_reason
        print(gpu_unavailable_reason())
        print(choose_device("auto", "default", 1024).reason)
    """,
        tmp_path,
    )
    reason, auto = out.splitlines()
    assert reason.startswith("kernel sources missing")
    assert "kernel sources missing" in auto and auto.startswith("auto: no usable GPU")


def test_package_data_kernels_are_found_with_importlib_resources(tmp_path):
    copy_package(tmp_path, with_kernels=True)
    out = run_python(
        """
        from gpuq.sim.devices.kernel_sources import kernels_dir
        from gpuq.sim.devices.gpu import gpu_unavailable_reason
        print(kernels_dir()); print(gpu_unavailable_reason())
    """,
        tmp_path,
    )
    assert out.splitlines() == [str(tmp_path / "gpuq" / "kernels"), "None"]
