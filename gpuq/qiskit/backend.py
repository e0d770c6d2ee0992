"""``GpuqSimulator``: gpuq as a Qiskit ``BackendV2``, a drop-in for ``AerSimulator``.

The backend wraps one of gpuq's local simulators (``qasm_simulator`` by
default; any name of ``gpuq.Local``). ``run()`` converts the Qiskit circuits
in memory (``convert.py``), sends them to gpuq as one job, and returns a
``GpuqJob``. Options are gpuq's run options (one model, ``RunOptions``; an
unknown or bad one is a ``QobjValidationError`` naming it), with ``method``
spelt as in Aer: ``"automatic"``, ``"statevector"`` (trajectories when there
is a ``noise_model``) or ``"density_matrix"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.providers import BackendV2, Options
from qiskit.transpiler import Target

from .._version import __version__
from ..exceptions import QobjValidationError
from ..models.options import OPTION_NAMES, RunOptions, merge_options
from ..models.qobj import Qobj, QobjHeader
from ..providers.local import Local
from ..providers.local.backends import LocalSimulator
from .convert import ConvertedCircuit, convert_circuit
from .job import GpuqJob, JobPart
from .target import build_target

METHODS = {"automatic": "auto", "statevector": "trajectory", "density_matrix": "density_matrix"}
"""Aer's names of the simulation methods accepted by ``method`` -> gpuq's ``method`` option."""


class GpuqSimulator(BackendV2):
    """A gpuq local simulator behind Qiskit's ``BackendV2`` interface.

    Args:
        gpuq_backend: the ``gpuq.Local`` backend to run on: ``qasm_simulator``
            (counts, memory, ``save_statevector``), ``statevector_simulator``
            (every circuit's final statevector), ``unitary_simulator``, each
            optionally pinned with ``_cpu`` / ``_gpu``.
        provider: the ``GpuqProvider`` handing it out, if any.
        **options: default run options (as ``set_options``).

    Raises:
        BackendNotFoundError: ``gpuq_backend`` is not a name of ``gpuq.Local``.
    """

    def __init__(self, gpuq_backend: str = "qasm_simulator", provider=None, **options: Any):
        self._gpuq: LocalSimulator = Local.get_backend(gpuq_backend)  # type: ignore[assignment]
        super().__init__(
            provider=provider,
            name=self._gpuq.name(),
            backend_version=__version__,
            description=f"gpuq {self._gpuq.name()}: {self._gpuq.summary}",
        )
        self._target: Target | None = None
        if options:
            self.set_options(**options)

    @classmethod
    def _default_options(cls) -> Options:
        return Options(**dict(RunOptions().model_dump(), method="automatic"))

    def set_options(self, **fields: Any) -> None:
        """Change default run options; each is checked as ``run()`` checks it.

        Raises:
            QobjValidationError: an unknown option or a bad value, naming it and what is allowed.
        """
        super().set_options(**self._checked(fields))

    @property
    def target(self) -> Target:
        """Every native gate on any qubits (no coupling map), up to the qubits this machine holds."""
        if self._target is None:
            self._target = build_target(self._gpuq.configuration().n_qubits, self._gpuq.method)
        return self._target

    @property
    def max_circuits(self) -> None:
        """No limit on circuits per run."""
        return None

    @property
    def gpuq_backend(self) -> LocalSimulator:
        """The gpuq backend the circuits run on."""
        return self._gpuq

    def run(self, run_input: QuantumCircuit | Sequence[QuantumCircuit], **options: Any) -> GpuqJob:
        """Convert ``run_input`` and run it as one gpuq job; returns at once.

        Raises:
            UnsupportedInstructionError: a circuit uses something gpuq cannot run, naming it.
            QobjValidationError: an unknown option or a bad value, naming it.
            InsufficientMemoryError: a circuit's state cannot fit the device.
        """
        circuits = [run_input] if isinstance(run_input, QuantumCircuit) else list(run_input)
        merged = dict(self.options.items())
        merged.update(self._checked(options))
        compact = self._gpuq.method != "unitary"  # a unitary is over every qubit of the circuit
        converted = [convert_circuit(circuit, index, compact) for index, circuit in enumerate(circuits)]
        gpuq_options = dict({key: merged[key] for key in OPTION_NAMES}, method=METHODS[merged["method"]])
        parts = [
            JobPart(self._backend_for(method).run(self._qobj(converted, positions), **gpuq_options), positions)
            for method, positions in self._groups(converted).items()
        ]
        return GpuqJob(self, parts, converted, bool(merged["memory"]))

    # ------------------------------------------------------------ internals
    def _checked(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Validate options; ``device`` may be spelt as in Aer ("CPU", "GPU")."""
        fields = dict(fields)
        if isinstance(fields.get("device"), str):
            fields["device"] = fields["device"].lower()
        method = fields.pop("method", None)
        if method is not None and method not in METHODS:
            raise QobjValidationError(
                f"method {method!r} is not available; use one of {', '.join(METHODS)}",
                "method",
            )
        merge_options(RunOptions(), None, fields)
        return fields if method is None else dict(fields, method=method)

    def _groups(self, converted: list[ConvertedCircuit]) -> dict[str, tuple[int, ...]]:
        """Positions of the circuits per gpuq method: this backend's, or statevector for saved states."""
        groups: dict[str, list[int]] = {}
        for position, circuit in enumerate(converted):
            method = "statevector" if circuit.saves_statevector else self._gpuq.method
            groups.setdefault(method, []).append(position)
        return {method: tuple(positions) for method, positions in groups.items()}

    def _backend_for(self, method: str) -> LocalSimulator:
        if method == self._gpuq.method:
            return self._gpuq
        pin = f"_{self._gpuq.pin}" if self._gpuq.pin else ""
        return Local.get_backend(f"{method}_simulator{pin}")  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<GpuqSimulator('{self.name}')>"

    def _qobj(self, converted: list[ConvertedCircuit], positions: tuple[int, ...]) -> Qobj:
        return Qobj(
            header=QobjHeader(backend_name=self.name),
            experiments=[converted[position].experiment for position in positions],
        )
