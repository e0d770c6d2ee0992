"""Every error gpuq raises.

::

    GpuqError
    ├── CircuitError               a circuit that cannot be built (bad qubit, gate, parameter)
    │   └── QasmError              OpenQASM 2 text that cannot be read (line, column, expected)
    ├── QobjValidationError        a Qobj or option that breaks the schema (path of the field)
    ├── NoiseError                 a quantum or readout error, or a noise model, that is not valid
    ├── BackendNotFoundError       no backend of that name (lists the names that exist)
    ├── BackendUnavailableError    the backend's device is not usable here (says why)
    ├── InsufficientMemoryError    the state does not fit (bytes needed and free), raised before allocating
    ├── SimulationError            the engine failed while running an experiment
    ├── JobError                   a job failed or its result is not available
    │   ├── JobTimeoutError        result(timeout) ran out; the job goes on
    │   └── JobCancelledError      the job was cancelled before it finished
    ├── CloudError                 the job server answered with an error (HTTP status, message)
    │   └── AccountError           no account, or a bad token or URL
    ├── Rejection                  the job server refuses a request (field at fault, reason)
    │   ├── MalformedRequestError  a body that is missing or not a JSON object
    │   ├── NotAuthenticatedError  no bearer token, or one the server does not know
    │   ├── JobNotFoundError       no job of that id for this user
    │   ├── NoResultError          the job has no result (yet, or ever)
    │   ├── NoWorkerError          no connected worker can run the job
    │   ├── RequestTimeoutError    a request body that stopped arriving
    │   ├── ClientGoneError        a client that hung up before the end of its request body
    │   └── LimitExceeded          a request over one of the server's caps (field, limit, value)
    │       ├── RequestTooLargeError   a body over the size cap
    │       └── TooManyJobsError       a user with as many jobs waiting as the server allows
    ├── StoreError                 the job store cannot be opened or used
    ├── UserError                  a server user cannot be made (name)
    │   └── UserExistsError        the name is taken
    └── CliError                   a command-line mistake that is no other error (a bad --plot path)

The job server answers a ``Rejection`` with the HTTP status that
``gpuq.server.errors`` chooses for its class, and a body naming the field.
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
        reason: what is wrong, without the place.
        line: 1-based line of the problem, or None when unknown.
        column: 1-based column of the problem, or None when unknown.
        source: the file the text came from, or None.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None, source: str | None = None):
        self.line = line
        self.column = column
        self.source = source
        self.reason = message
        where = [str(part) for part in (source, line, column) if part is not None]
        super().__init__(":".join(where) + ": " + message if where else message)


class QobjValidationError(GpuqError):
    """Raised when a Qobj, an option or a payload does not match the schema.

    Attributes:
        reason: what is wrong, without the path.
        path: dotted path of the offending field (e.g. ``experiments.0.instructions.3.qubits``).
    """

    def __init__(self, message: str, path: str = ""):
        self.reason = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class NoiseError(GpuqError):
    """Raised when a noise error or model is invalid: not completely positive and trace preserving,
    probabilities that are negative or do not sum to 1, or an error whose size does not fit its qubits."""


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
        precision: the run's precision, when known ("single" is not advised to a run already in it).
    """

    def __init__(
        self, needed: int, available: int, device: str, what: str = "statevector", precision: str | None = None
    ):
        self.needed = needed
        self.available = available
        self.device = device
        self.precision = precision
        advice = "use fewer qubits" + (" or single precision" if precision != "single" else "")
        super().__init__(
            f"{what} needs {_human_bytes(needed)} ({needed} bytes) but only "
            f"{_human_bytes(available)} ({available} bytes) is available on the {device}; {advice}"
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
        field: the field of the request the server named as at fault, when it named one.
        limit: the server's cap that the request went over, when it did.
    """

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        server_message: str | None = None,
        field: str | None = None,
        limit: int | None = None,
    ):
        self.status_code = status_code
        self.server_message = server_message
        self.field = field
        self.limit = limit
        parts = [message]
        if status_code is not None:
            parts.append(f"(HTTP {status_code})")
        if server_message:
            parts.append(f": {server_message}")
        super().__init__(" ".join(parts[:2]) + (parts[2] if len(parts) > 2 else ""))


class AccountError(CloudError):
    """Raised when there is no usable account: none saved, a bad token, or an unreachable URL."""


class Rejection(GpuqError):
    """Raised by the job server for a request it will not accept; the HTTP status depends on the class.

    Attributes:
        field: dotted path of the field at fault (``qobj.config.shots``), or None when no one field is.
        reason: what is wrong, without the field.
        limit: the cap at stake, when one is.
    """

    def __init__(self, reason: str, field: str | None = None, limit: int | None = None):
        self.field = field
        self.reason = reason
        self.limit = limit
        super().__init__(f"{field}: {reason}" if field else reason)


class MalformedRequestError(Rejection):
    """Raised when a request body is missing, is not JSON, or is not a JSON object."""


class NotAuthenticatedError(Rejection):
    """Raised when a request has no bearer token, or one the server does not know."""

    def __init__(self) -> None:
        super().__init__(
            "missing or invalid bearer token: send 'Authorization: Bearer <token>' "
            "with a token from 'gpuq server add-user'"
        )


class JobNotFoundError(Rejection):
    """Raised when the user has no job of that id (someone else's job counts as none).

    Attributes:
        job_id: the id asked for.
        user: the name of the user who asked.
    """

    def __init__(self, job_id: str, user: str):
        self.job_id = job_id
        self.user = user
        super().__init__(f"no job {job_id!r} for user {user!r}")


class NoResultError(Rejection):
    """Raised when a job's result is asked for while it has none: not finished, cancelled or failed.

    Attributes:
        job_id: the job.
        status: its status now.
        error: why it failed, when it did.
    """

    def __init__(self, job_id: str, status: str, error: str | None = None):
        self.job_id = job_id
        self.status = status
        self.error = error
        super().__init__(f"job {job_id} is {status}; it has no result" + (f": {error}" if error else ""))


class NoWorkerError(Rejection):
    """Raised when no connected worker can run a job (a GPU backend with no GPU worker).

    Attributes:
        backend: the backend asked for.
    """

    def __init__(self, backend: str):
        self.backend = backend
        super().__init__(
            f"{backend} needs a GPU, and no worker with a usable GPU is connected to this server; "
            "use a backend that is not pinned to the GPU, or ask its administrator",
            "backend",
        )


class RequestTimeoutError(Rejection):
    """Raised when a request body stops arriving for longer than the server waits.

    Attributes:
        timeout: the seconds the server waited for more of the body.
    """

    def __init__(self, timeout: float):
        self.timeout = timeout
        super().__init__(f"no data for {timeout:g} s; send the whole body without pausing", "body")


class ClientGoneError(Rejection):
    """Raised when a client disconnects before the end of its request body (nobody reads the answer).

    Attributes:
        received: bytes of the body that arrived.
    """

    def __init__(self, received: int):
        self.received = received
        super().__init__(f"the client disconnected after {received} bytes", "body")


class LimitExceeded(Rejection):
    """Raised when a request is over one of the server's caps.

    Attributes:
        field: dotted path of the field over the cap (``experiments.0.config.n_qubits``).
        limit: the cap.
        value: what the request asked for.
        what: what is counted (``qubits``, ``shots``).
    """

    def __init__(self, field: str, limit: int, value: int, what: str):
        self.value = value
        self.what = what
        super().__init__(f"{what} {value} is over this server's limit of {limit}", field, limit)


class RequestTooLargeError(LimitExceeded):
    """Raised when a request body is over the size cap, before it is parsed."""

    def __init__(self, field: str, limit: int, value: int):
        super().__init__(field, limit, value, "request size in bytes")


class TooManyJobsError(LimitExceeded):
    """Raised when a user already has as many jobs waiting as the server allows; they may submit again later.

    Attributes:
        user: the user's name.
    """

    def __init__(self, user: str, limit: int):
        self.user = user
        self.value = limit + 1
        self.what = "jobs waiting"
        Rejection.__init__(
            self,
            f"{user!r} already has {limit} jobs waiting, this server's limit; submit again once some have run",
            "user",
            limit,
        )


class StoreError(GpuqError):
    """Raised when the job store cannot be opened or used (a bad URL, a missing driver, a newer schema)."""


class UserError(GpuqError):
    """Raised by ``gpuq server add-user`` when the user cannot be made: a name with characters it refuses.

    Attributes:
        name: the user name given.
    """

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"user {name!r}: {reason}")


class UserExistsError(UserError):
    """Raised when a user of that name exists and no new token was asked for."""

    def __init__(self, name: str):
        super().__init__(name, "already exists; pass --new-token to replace its token")


class CliError(GpuqError):
    """Raised for a command-line mistake that is not a gpuq error elsewhere (a bad --plot path, no matplotlib)."""


def _human_bytes(count: int) -> str:
    """Format a byte count with a binary unit, e.g. ``16.0 GiB``."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"
