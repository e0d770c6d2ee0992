"""How long a run spent compiling kernels, kept apart from simulation time.

Numba compiles a kernel the first time a job needs it on a machine (then
loads it from its on-disk cache). That can take tens of seconds on a fresh
machine, and a user who sees it counted as "simulation" time is misled. A
Numba event listener, installed once per process, adds up the seconds each
thread spends in top-level compilations; ``CompileClock`` reads that for the
thread running a job, and can announce the first compilation of a run.
The listener is installed when the CPU kernels are first imported (``install``),
not by the clock: a job on a small state never imports Numba at all.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable

log = logging.getLogger("gpuq.progress")

_local = threading.local()
_install_lock = threading.Lock()
_installed = False


def _thread_state() -> threading.local:
    if not hasattr(_local, "depth"):
        _local.depth = 0
        _local.started = 0.0
        _local.seconds = 0.0
        _local.on_start = None
    return _local


def install() -> None:
    """Register the process-wide listener on Numba's compile events (once); call it when Numba is imported."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from numba.core import event

        class _Listener(event.Listener):
            def on_start(self, _event) -> None:
                state = _thread_state()
                state.depth += 1
                if state.depth == 1:
                    state.started = time.perf_counter()
                    if state.on_start is not None:
                        callback, state.on_start = state.on_start, None
                        callback()

            def on_end(self, _event) -> None:
                state = _thread_state()
                state.depth -= 1
                if state.depth == 0:
                    state.seconds += time.perf_counter() - state.started

        event.register("numba:compile", _Listener())
        _installed = True


class CompileClock:
    """Measures the compile seconds of the current thread between ``start()`` and ``seconds``.

    Args:
        announce: called once, in the compiling thread, when the first
            compilation of the run begins (the command line prints a line).
    """

    def __init__(self, announce: Callable[[], None] | None = None):
        if "numba" in sys.modules:  # else the CPU kernels install it when they are first imported
            install()
        state = _thread_state()
        self._base = state.seconds
        state.on_start = announce or _log_first_compile

    @property
    def seconds(self) -> float:
        """Seconds spent compiling in this thread since the clock was made."""
        return _thread_state().seconds - self._base

    def stop(self) -> float:
        """Stop announcing, and return the seconds spent compiling."""
        _thread_state().on_start = None
        return self.seconds


def _log_first_compile() -> None:
    log.info("compiling CPU kernels for this machine (first run only; they are cached on disk afterwards)")
