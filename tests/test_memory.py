"""The memory policy: what a run needs, the cap, the boundary, and the largest state it yields."""

from __future__ import annotations

import numpy as np
import pytest

from gpuq.exceptions import InsufficientMemoryError, QobjValidationError
from gpuq.sim import memory
from gpuq.sim.devices.cpu_kernels import measure
from gpuq.sim.fusion import fuse
from gpuq.sim.memory import (
    HEADROOM_BYTES,
    SAMPLE_CHUNK,
    MemoryNeed,
    branch_copies,
    check_memory,
    largest_qubits,
    memory_limit,
    run_memory,
    sampling_workspace,
)
from gpuq.sim.ops import GateOp

GIB = 1 << 30
NO_ENV: dict[str, str] = {}


def test_states_count_two_to_the_n_or_four_to_the_n_amplitudes():
    assert run_memory(30, "double", method="statevector").state == 16 * 2**30
    assert run_memory(30, "single", method="statevector").state == 8 * 2**30
    assert run_memory(10, "double", method="unitary").state == 16 * 4**10
    assert run_memory(10, "double", method="density_matrix").state == 16 * 4**10
    assert run_memory(20, "double", method="qasm", copies=3).state == 3 * 16 * 2**20


def test_statevector_and_unitary_workspace():
    assert run_memory(20, "double", method="statevector").workspace == 0
    # engine.unitary builds the identity on the host and copies it in: one more 4**n array at the peak
    assert run_memory(10, "double", method="unitary").workspace == 16 * 4**10
    assert run_memory(20, "double", method="statevector", plan_bytes=4096).workspace == 4096


@pytest.mark.parametrize("nqubits", [13, 20, 30, 34])
def test_sampling_workspace_is_bounded_whatever_the_measured_qubits(nqubits):
    """Every qubit measured: a chunk buffer and one float per chunk, not a float per amplitude."""
    workspace = sampling_workspace(nqubits, 0)
    assert workspace == 8 * SAMPLE_CHUNK + 8 * max(1, 2**nqubits // SAMPLE_CHUNK) or nqubits == 13
    # a fixed cap (3 MiB, even at 34 qubits, where the state takes 128 GiB single) or 1/16 of the state
    assert workspace <= max(3 << 20, memory.state_bytes(nqubits, "single") // 16)


def test_shots_and_memory_add_their_per_shot_arrays():
    base = sampling_workspace(30, 0)
    assert sampling_workspace(30, 1000) == base + 1000 * memory.SHOT_BYTES
    assert sampling_workspace(30, 1000, memory=True) == base + 1000 * (memory.SHOT_BYTES + memory.MEMORY_SHOT_BYTES)
    need = run_memory(30, "double", shots=1000)
    assert need == MemoryNeed(state=16 * 2**30, workspace=sampling_workspace(30, 1000))
    assert need.total == need.state + need.workspace


def test_histogram_bound_matches_the_kernel():
    assert memory.HISTOGRAM_OUTCOMES == measure._HISTOGRAM_LIMIT
    assert measure.uses_histogram(12) and not measure.uses_histogram(13)


def test_branch_copies_follow_the_engine():
    assert branch_copies(0, 100) == 1
    assert branch_copies(5, 100) == 6
    assert branch_copies(50, 4) == 4
    assert branch_copies(3, 1) == 1


def test_plan_bytes_sum_the_fused_operands():
    gates = [GateOp("matrix", (q,), (), np.eye(2, dtype=complex)) for q in range(3)]
    plan = fuse(gates, 3)
    assert memory.plan_bytes(plan) == sum(op.operand.nbytes for op in plan) > 0


def test_limit_keeps_the_headroom_and_the_cap():
    assert memory_limit(10 * GIB, environ=NO_ENV) == 10 * GIB - HEADROOM_BYTES
    assert memory_limit(10, environ=NO_ENV) == 0
    assert memory_limit(10 * GIB, max_memory_mb=1024, environ=NO_ENV) == GIB
    assert memory_limit(10 * GIB, environ={"GPUQ_MAX_MEMORY_MB": "512"}) == 512 << 20
    # the run option wins over the environment
    assert memory_limit(10 * GIB, max_memory_mb=100, environ={"GPUQ_MAX_MEMORY_MB": "512"}) == 100 << 20
    # a cap above the free memory does not raise the limit
    assert memory_limit(GIB, max_memory_mb=10**6, environ=NO_ENV) == GIB - HEADROOM_BYTES


@pytest.mark.parametrize("value", ["abc", "0", "-5", "inf", "nan"])
def test_a_bad_cap_names_itself(value):
    with pytest.raises(QobjValidationError, match="GPUQ_MAX_MEMORY_MB"):
        memory_limit(GIB, environ={"GPUQ_MAX_MEMORY_MB": value})
    with pytest.raises(QobjValidationError, match="max_memory_mb"):
        memory_limit(GIB, max_memory_mb=float(value) if value != "abc" else value, environ=NO_ENV)


@pytest.mark.parametrize("precision", ["single", "double"])
@pytest.mark.parametrize("free, cap", [(24 * GIB, None), (10**9, None), (64 * GIB, 1000), (24 * GIB, 300)])
def test_largest_state_runs_and_one_more_qubit_is_refused(precision, free, cap):
    n = largest_qubits(free, precision, shots=1000, max_memory_mb=cap, environ=NO_ENV)
    check_memory(run_memory(n, precision, shots=1000), free, "cpu", max_memory_mb=cap, environ=NO_ENV)
    with pytest.raises(InsufficientMemoryError) as info:
        check_memory(run_memory(n + 1, precision, shots=1000), free, "cpu", max_memory_mb=cap, environ=NO_ENV)
    assert info.value.needed == run_memory(n + 1, precision, shots=1000).total
    assert info.value.available == memory_limit(free, cap, environ=NO_ENV)
    assert info.value.device == "cpu"
    if cap is not None:
        assert "capped by max_memory_mb" in str(info.value)


def test_the_numbers_the_docs_quote():
    """docs/devices.md quotes these; they follow from the policy, not from a table."""
    assert largest_qubits(24 * GIB, "double", environ=NO_ENV) == 30
    assert largest_qubits(24 * GIB, "single", environ=NO_ENV) == 31
    h200_free = 143_000_000_000  # an H200's 141 GB less the CUDA context
    assert largest_qubits(h200_free, "double", environ=NO_ENV) == 33
    assert largest_qubits(h200_free, "single", environ=NO_ENV) == 34
    assert largest_qubits(16 * GIB, "double", environ=NO_ENV) == 29  # the state alone would fill it: refused


@pytest.mark.parametrize("method", ["qasm", "statevector"])
def test_the_caps_reach_the_engine_check(monkeypatch, method):
    """The engine checks again before allocating, under the run option and the environment variable."""
    from gpuq.sim.devices.cpu import CpuDevice
    from gpuq.sim.engine import RunSettings, run_experiment
    from gpuq.sim.ops import GateOp

    ops = [GateOp("matrix", (0,), (), np.array([[0, 1], [1, 0]], dtype=complex))]

    def run(max_memory_mb=None):
        settings = RunSettings(
            method=method,
            shots=10,
            memory=False,
            seed=1,
            precision="double",
            fusion_max_qubits=4,
            max_memory_mb=max_memory_mb,
        )
        return run_experiment(ops, 17, settings, CpuDevice())

    with pytest.raises(InsufficientMemoryError, match="max_memory_mb"):
        run(max_memory_mb=1)
    monkeypatch.setenv("GPUQ_MAX_MEMORY_MB", "1")
    with pytest.raises(InsufficientMemoryError, match="GPUQ_MAX_MEMORY_MB"):
        run()
    assert run(max_memory_mb=64) is not None
