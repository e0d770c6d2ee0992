"""Worker identity and liveness: who holds a job, and whether that process still exists.

A worker is named ``host:pid:random``, and ``host:pid:random-ppid`` when a
``gpuq serve`` of pid ``ppid`` supervises it (a worker that died with its
server did not fail on its own). Its *process space* says where that
pid means something: the kernel boot and the pid namespace (two containers on
one host share a boot id but not pids). A process in the same space can tell
at once whether the worker's pid is gone; from anywhere else, only a missed
heartbeat tells.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import socket
from functools import lru_cache


@lru_cache(maxsize=1)
def process_space() -> str:
    """A key shared exactly by the processes whose pids are comparable with ours."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            boot = handle.read().strip()
        return f"{boot}/{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return f"host:{socket.gethostname()}"


def new_worker_id(supervisor: int | None = None) -> str:
    """A fresh name for this process as a worker: ``host:pid:random``, with ``-supervisor`` when it has one."""
    tail = f"-{supervisor}" if supervisor is not None else ""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}{tail}"


def worker_pid(worker_id: str) -> int | None:
    """The pid inside a worker name, or None when the name has none."""
    parts = worker_id.rsplit(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def supervisor_pid(worker_id: str) -> int | None:
    """The pid of the ``gpuq serve`` that supervises the worker of this name, or None when none does."""
    parts = worker_id.rsplit(":", 2)
    _, _, supervisor = parts[-1].partition("-")
    return int(supervisor) if len(parts) == 3 and supervisor.isdigit() else None


def pid_alive(pid: int) -> bool:
    """True while a process of that pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            state = handle.read().rsplit(")", 1)[-1].split()[0]
        return state not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exit_reason(exitcode: int | None) -> str:
    """Explain a worker process's exit code (negative: the signal that killed it)."""
    if exitcode is None:
        return "is still running"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the kernel's out-of-memory killer also sends it)" if -exitcode == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with status {exitcode}"


def die_with_parent(parent_pid: int) -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False when the parent is already gone.

    Where ``prctl`` is missing, callers fall back to watching ``os.getppid()``.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    return os.getppid() == parent_pid
