"""The backends a server offers: the local simulators, described with the server's caps and queue.

Describing a backend reads its configuration (gates, the device it is pinned
to); it never runs the engine. Whether a backend is operational depends on
the workers connected to the store, wherever they run: one pinned to the GPU
needs a live worker with a usable GPU.
"""

from __future__ import annotations

from ..exceptions import BackendNotFoundError
from ..models.api import BackendInfo
from ..models.backend import BackendConfiguration, BackendStatus
from ..providers.local import Local
from ..providers.local.backends import LocalSimulator
from .limits import BackendLimits, Limits


class Catalog:
    """Local simulators by name, with their caps."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self._backends = {b.name(): b for b in Local.backends() if isinstance(b, LocalSimulator)}
        self._configs = {name: self._configuration(name) for name in self._backends}

    def names(self) -> list[str]:
        """Every backend name, sorted."""
        return sorted(self._backends)

    def backend(self, name: str) -> LocalSimulator:
        """The simulator of that name.

        Raises:
            BackendNotFoundError: no such backend; lists the names that exist.
        """
        try:
            return self._backends[name]
        except KeyError:
            raise BackendNotFoundError(name, self._backends) from None

    def limits_for(self, name: str) -> BackendLimits:
        """The caps of the backend ``name``."""
        return self.limits.for_backend(name, self.backend(name).method)

    def largest_request(self) -> int:
        """The largest body any backend accepts."""
        return self.limits.largest_request((name, b.method) for name, b in self._backends.items())

    def _configuration(self, name: str) -> BackendConfiguration:
        """The configuration clients see: the server's caps in place of this host's memory.

        It is read from the CPU-pinned twin, whose description never probes a
        GPU: the API process must not open a CUDA context it will never use.
        """
        backend = self.backend(name)
        twin = self._backends.get(f"{backend.base_name}_cpu", backend)
        caps = self.limits_for(name)
        config = twin.configuration()
        return config.model_copy(
            update={
                "backend_name": name,
                "device": backend.device,
                "local": False,
                "n_qubits": caps.max_qubits,
                "max_qubits": {precision: caps.max_qubits for precision in ("single", "double")},
                "max_shots": min(config.max_shots, caps.max_shots),
                "max_experiments": caps.max_experiments,
                "extra": {
                    **config.extra,
                    "max_request_bytes": caps.max_request_bytes,
                    "max_result_bytes": caps.max_result_bytes,
                },
            }
        )

    def info(self, name: str, pending_jobs: int, workers: dict[str, bool]) -> BackendInfo:
        """Configuration, properties and status of one backend, as the server offers it.

        Args:
            name: the backend.
            pending_jobs: jobs queued for it.
            workers: the live workers, and whether each has a usable GPU.
        """
        backend = self.backend(name)
        config = self._configs[name]
        if backend.device == "gpu":
            operational = any(workers.values())
            message = "active" if operational else "not operational: no worker with a usable GPU is connected"
        else:
            operational = True
            message = "active" if workers else "active; no worker is connected now, so jobs wait in the queue"
        status = BackendStatus(
            backend_name=name,
            backend_version=config.backend_version,
            operational=operational,
            pending_jobs=pending_jobs,
            status_msg=message,
        )
        return BackendInfo(name=name, configuration=config, properties=backend.properties(), status=status)
