"""Every error gpuq raises.

::

    GpuqError
    ├── CircuitError               a circuit that cannot be built (bad qubit, gate, parameter)
    │   └── QasmError              OpenQASM 2 text that cannot be read (line, column, expected)
    ├── QobjValidationError        a Qobj or option that breaks the schema (path of the field)
    ├── BackendNotFoundError       no backend of that name (lists the names that exist)
    ├── BackendUnavailableError    the backend's device is not usable here (says why)
    ├── InsufficientMemoryError    the state does not fit (bytes needed and free), raised before allocating
    ├── SimulationError            the engine failed while running an experiment
    ├── JobError                   a job failed or its result is not available
    │   ├── JobTimeoutError        result(timeout) ran out; the job goes on
    │   └── JobCancelledError      the job was cancelled before it finished
    └── CloudError                 the job server answered with an error (HTTP status, message)
        └── AccountError           no account, or a bad token or URL
"""

from __future__ import annotations

from collections.abc import Iterable


class GpuqError(Exception):
    """Base class of every error raised by gpuq."""


class CircuitError(GpuqError):
    """Raised when a circuit operation is invalid: unknown gate, qubit out of range, wrong parameters."""


class QasmError(CircuitError):
    """Raised when OpenQASM 2 text cannot be parsed or uses an unsupported feature.

    The message reads ``file:line:column: problem`` as compilers write it
    (``line:column: problem`` for text that came from no file).

    Attributes:
        line: 1-based line of the problem, or None when unknown.
        column: 1-based column of the problem, or None when unknown.
        source: the file the text came from, or None.
        reason: the problem alone, without the position.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 source: str | None = None):
        self.line = line
        self.column = column
        self.source = source
        self.reason = message
        where = [str(part) for part in (source, line, column) if part is not None]
        super().__init__(":".join(where) + ": " + message if where else message)


class QobjValidationError(GpuqError):
    """Raised when a Qobj, an option or a payload does not match the schema.

    Attributes:
        path: dotted path of the offending field (e.g. ``experiments.0.instructions.3.qubits``).
    """

    def __init__(self, message: str, path: str = ""):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class BackendNotFoundError(GpuqError):
    """Raised when no backend has the requested name.

    Attributes:
        name: the name asked for.
        available: the names that exist.
    """

    def __init__(self, name: str, available: Iterable[str]):
        self.name = name
        self.available = sorted(available)
        super().__init__(f"no backend named {name!r}; available: {', '.join(self.available) or 'none'}")


class BackendUnavailableError(GpuqError):
    """Raised when a backend's device cannot be used on this machine; the message says why."""


class InsufficientMemoryError(GpuqError):
    """Raised before allocating a state that does not fit in the memory in hand.

    Attributes:
        needed: bytes the state would take.
        available: bytes free on the device.
        device: "cpu" or "gpu".
    """

    def __init__(self, needed: int, available: int, device: str, what: str = "statevector"):
        self.needed = needed
        self.available = available
        self.device = device
        super().__init__(
            f"{what} needs {_human_bytes(needed)} ({needed} bytes) but only "
            f"{_human_bytes(available)} ({available} bytes) is available on the {device}; "
            "use fewer qubits or single precision"
        )


class SimulationError(GpuqError):
    """Raised when the engine fails while running an experiment (a device error, a kernel failure)."""


class JobError(GpuqError):
    """Raised when a job failed, was cancelled, or its result cannot be produced."""


class JobTimeoutError(JobError):
    """Raised when ``result(timeout)`` runs out of time; the job itself goes on."""


class JobCancelledError(JobError):
    """Raised by ``result()`` of a cancelled job, and inside the engine to stop at a gate boundary."""


class CloudError(GpuqError):
    """Raised when the job server answers with an error or cannot be reached.

    Attributes:
        status_code: the HTTP status, or None when the server was not reached.
        server_message: the server's own explanation, when it gave one.
    """

    def __init__(self, message: str, status_code: int | None = None, server_message: str | None = None):
        self.status_code = status_code
        self.server_message = server_message
        parts = [message]
        if status_code is not None:
            parts.append(f"(HTTP {status_code})")
        if server_message:
            parts.append(f": {server_message}")
        super().__init__(" ".join(parts[:2]) + (parts[2] if len(parts) > 2 else ""))


class AccountError(CloudError):
    """Raised when there is no usable account: none saved, a bad token, or an unreachable URL."""


def _human_bytes(count: int) -> str:
    """Format a byte count with a binary unit, e.g. ``16.0 GiB``."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"
