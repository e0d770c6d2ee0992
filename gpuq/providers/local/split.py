"""Many independent experiments over an executor: ``backend.run(qobj, executor=...)``.

A multi-experiment Qobj becomes one sub-job per experiment, each submitted to
the caller's ``concurrent.futures.Executor`` (a process pool, or a Dask
cluster's ``client.get_executor()``), so the experiments of one job run on
as many workers as the executor has. A sub-job is plain data (the Qobj of
one experiment as JSON-ready dicts, the backend's name, the merged options)
and a module-level function, so it pickles to another process or machine;
the worker validates and runs it with the same ``prepare`` and runner as a
local job. Experiment *i* keeps the seed it has in a single job
(``seed_simulator + i``, or a drawn base + i), so the counts are the ones the
whole job gives on one process.

Numba's default threading layer must not be entered from two threads at once:
an executor of threads in this process must run one task at a time (a Dask
``LocalCluster(processes=False, threads_per_worker=1, n_workers=1)``);
process pools and Dask worker processes have no such limit. A process pool
must start its workers with ``spawn`` or ``forkserver``: a process that ran
parallel kernels may not ``fork()`` (GNU OpenMP ends the child).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, cast

from ...exceptions import JobCancelledError, JobError
from ...models.result import ExperimentResult, Result
from .prepare import PreparedJob
from .runner import experiment_seed, job_result

POLL_S = 0.2
"""How often the job checks for cancellation while its sub-jobs run."""


def run_split(job: PreparedJob, executor: Executor, should_stop: Callable[[], bool], job_id: str) -> Result:
    """Run each experiment of ``job`` as a sub-job on ``executor`` and assemble one Result, in order.

    Raises:
        JobCancelledError: ``should_stop()`` turned true (sub-jobs not started are cancelled).
        JobError: a sub-job could not run on the executor (its error is named).
    """
    started = time.perf_counter()
    base_seed = secrets.randbelow(2**62)
    options = job.options.model_dump(exclude_none=True)
    futures: list[Future] = []
    for prepared in job.experiments:
        one = job.qobj.model_copy(update={"experiments": [prepared.experiment]}).model_dump(mode="json")
        seeded = dict(options, seed_simulator=experiment_seed(job.options, prepared.index, base_seed))
        futures.append(executor.submit(run_sub_job, one, job.backend_name, seeded))
    results: list[ExperimentResult] = []
    try:
        for future in futures:
            results.extend(ExperimentResult.model_validate(r) for r in _wait(future, should_stop))
    finally:
        for future in futures:
            future.cancel()
    return job_result(job, job_id, results, started)


def _wait(future: Future, should_stop: Callable[[], bool]) -> list[dict[str, Any]]:
    """The sub-job's results, checking for cancellation every ``POLL_S``."""
    while True:
        if should_stop():
            raise JobCancelledError("cancelled")
        try:
            return future.result(timeout=POLL_S)
        except TimeoutError:
            continue
        except JobCancelledError:
            raise
        except Exception as exc:
            raise JobError(f"a sub-job failed on the executor: {type(exc).__name__}: {exc}") from exc


def run_sub_job(qobj: dict[str, Any], backend_name: str, options: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a one-experiment Qobj on a fresh local backend (in the executor's worker); results as dicts."""
    from .backends import LocalSimulator
    from .prepare import prepare
    from .provider import Local
    from .runner import run_prepared

    backend = cast(LocalSimulator, Local.get_backend(backend_name))
    result = run_prepared(prepare(qobj, backend, options), lambda: False, "sub-job")
    return [experiment.model_dump() for experiment in result.results]
