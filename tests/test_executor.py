"""``executor=``: a multi-experiment job split into one sub-job per experiment, on a real executor.

A real Dask cluster (``distributed.LocalCluster``, one in-process worker thread:
Numba's default threading layer takes one thread at a time) and a real process
pool; the results must be those of the same job run whole on one process,
experiment by experiment, with the same seeds.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import gpuq
from gpuq import QuantumCircuit


def _circuits(measured: bool = True) -> list[QuantumCircuit]:
    circuits = []
    for k in range(3):
        qc = QuantumCircuit(4, 4, name=f"exp{k}")
        qc.h(k)
        qc.cx(k, 3)
        qc.ry(0.3 * (k + 1), 2)
        if measured:
            qc.measure(range(4), range(4))
        circuits.append(qc)
    return circuits


class CountingPool(ProcessPoolExecutor):
    """A real process pool that counts what it was given."""

    submitted = 0

    def submit(self, *args, **kwargs):
        self.submitted += 1
        return super().submit(*args, **kwargs)


def _same_as_one_process(split, whole) -> None:
    assert [r.header.name for r in split.results] == [r.header.name for r in whole.results]
    for got, expected in zip(split.results, whole.results):
        assert got.seed_simulator == expected.seed_simulator
        assert got.data.counts == expected.data.counts
        assert got.data.memory == expected.data.memory


def test_a_dask_cluster_runs_each_experiment_and_the_result_is_the_whole_jobs():
    distributed = pytest.importorskip("distributed", reason="the test extra brings dask[distributed]")
    with (
        distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        backend = gpuq.Local.get_backend("qasm_simulator")
        with distributed.get_task_stream(client) as tasks:
            split = gpuq.execute(
                _circuits(), backend, shots=500, memory=True, seed_simulator=17, executor=client.get_executor()
            ).result()
    assert sum("run_sub_job" in task["key"] for task in tasks.data) == 3  # each experiment ran on the cluster
    whole = gpuq.execute(_circuits(), backend, shots=500, memory=True, seed_simulator=17).result()
    _same_as_one_process(split, whole)


def test_a_process_pool_runs_statevector_experiments():
    circuits = _circuits(measured=False)
    backend = gpuq.Local.get_backend("statevector_simulator")
    with CountingPool(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        split = backend.run(circuits, executor=pool).result()
    assert pool.submitted == 3  # a forked pool would die: the parent's OpenMP runtime forbids fork()
    whole = backend.run(circuits).result()
    for k in range(3):
        np.testing.assert_allclose(split.get_statevector(k), whole.get_statevector(k), atol=1e-12)
        assert split.results[k].metadata["device"] == "cpu"
