"""Keep ``gpuq serve``'s worker processes alive, and account for the jobs of those that die.

The supervisor starts N worker processes (``spawn``: a fresh interpreter, no
state shared with the API process), and one thread watches them. A worker that
died (killed, out of memory) has its job requeued once or marked ERROR with
the exit reason, and is replaced. The same thread is this host's one owner of
dead-pid detection (see ``recovery``): it also recovers the jobs of standalone
workers in its process space whose pid is gone, and of workers anywhere that
stopped sending heartbeats. Each child is set to die with
this process, so a killed server leaves no worker running unsupervised.

Every child is started from the watch thread: Linux's parent-death signal
follows the thread that forked, and this thread lives as long as the supervisor.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time

from .procs import exit_reason, pid_alive, process_space, worker_pid
from .recovery import reap
from .store import JobStore
from .stranded import check_stranded
from .worker import WorkerSettings, worker_main

log = logging.getLogger("gpuq.server")

_RESTART_DELAY = (0.5, 2.0, 10.0)
"""Seconds before restarting a worker that keeps dying, by consecutive deaths."""


class Supervisor:
    """The worker processes of one server."""

    def __init__(
        self,
        store: JobStore,
        count: int,
        settings: WorkerSettings,
        watch_interval: float = 0.25,
        gpu_wait: float = 600.0,
        log_format: str = "text",
    ):
        self.store = store
        self.gpu_wait = gpu_wait
        self.count = count
        self.settings = settings
        self.watch_interval = watch_interval
        self.log_format = log_format
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[multiprocessing.process.BaseProcess | None] = [None] * count
        self._deaths = [0] * count
        self._next_start = [0.0] * count
        self._stop = threading.Event()
        self._stop_timeout = 10.0
        self._thread = threading.Thread(target=self._watch, name="gpuq-supervisor", daemon=True)

    def start(self) -> None:
        """Recover jobs left running by a previous server on this host, then start the workers."""
        for job_id, status in reap(self.store, self.settings.lease, pid_gone=self._pid_gone):
            log.warning("job %s was left running by a worker that is gone; now %s", job_id, status)
        self._thread.start()

    def alive(self) -> int:
        """How many worker processes are running."""
        return sum(1 for p in self._processes if p is not None and p.is_alive())

    def pids(self) -> list[int]:
        """The pids of the running worker processes."""
        return [p.pid for p in self._processes if p is not None and p.is_alive() and p.pid is not None]

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every worker to stop (running jobs go back in the queue); kill those that do not in time."""
        self._stop_timeout = timeout
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        last_reap = time.monotonic()
        while not self._stop.is_set():
            try:
                self._account_for_dead()
                self._start_missing()
                if time.monotonic() - last_reap > min(self.settings.lease / 2, 2.0):
                    last_reap = time.monotonic()
                    reap(self.store, self.settings.lease, pid_gone=self._pid_gone)
                    check_stranded(self.store, self.settings.lease, self.gpu_wait)
            except Exception:  # the watch must go on whatever one round met
                log.exception("worker supervision round failed")
            self._stop.wait(self.watch_interval)
        # Stop the workers from this thread: they die with the thread that started them.
        self._stop_workers(self._stop_timeout)

    def _pid_gone(self, pid: int) -> bool:
        """True when a worker pid that is not one of ours no longer exists.

        Our own children are left to ``_account_for_dead``, which knows their
        exit code: one that died since it last looked is still in a slot here.
        """
        ours = {p.pid for p in self._processes if p is not None}
        return pid not in ours and not pid_alive(pid)

    def _stop_workers(self, timeout: float) -> None:
        for process in self._processes:
            if process is not None and process.is_alive():
                process.terminate()
        deadline = time.monotonic() + timeout
        for process in self._processes:
            if process is not None:
                process.join(max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
                    process.join()
        self._account_for_dead()

    def _start_missing(self) -> None:
        now = time.monotonic()
        for slot, process in enumerate(self._processes):
            if process is None and now >= self._next_start[slot] and not self._stop.is_set():
                process = self._context.Process(
                    target=worker_main,
                    name=f"gpuq-worker-{slot}",
                    daemon=True,
                    args=(self.store.url, self.settings, os.getpid(), self.log_format),
                )
                process.start()
                self._processes[slot] = process
                log.info("started worker process %s", process.pid)

    def _account_for_dead(self) -> None:
        """Recover the jobs of workers that died, then free their slots.

        Slots are freed only once their jobs are recovered, so a round that
        fails on the store leaves the deaths to the next round, still ours.
        """
        ended = {
            slot: process
            for slot, process in enumerate(self._processes)
            if process is not None and not process.is_alive()
        }
        if not ended:
            return
        reasons = {process.pid: exit_reason(process.exitcode) for process in ended.values()}
        dead = {
            record.worker: reasons[worker_pid(record.worker)]
            for record in self.store.running_jobs()
            if record.worker and record.worker_space == process_space() and worker_pid(record.worker) in reasons
        }
        if dead:
            reap(self.store, self.settings.lease, dead)
        for slot, process in ended.items():
            log.warning("worker process %s %s", process.pid, reasons[process.pid])
            self._processes[slot] = None
            self._deaths[slot] = self._deaths[slot] + 1 if process.exitcode else 0
            delay = _RESTART_DELAY[min(self._deaths[slot], len(_RESTART_DELAY)) - 1] if self._deaths[slot] else 0.0
            self._next_start[slot] = time.monotonic() + delay
            process.close()
