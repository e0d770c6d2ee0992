"""What a backend says about itself: configuration, properties and status."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field


class GateConfig(BaseModel):
    """One gate a backend accepts: name, parameter names and its qubit count (None: variable)."""

    name: str
    parameters: list[str] = Field(default_factory=list)
    qasm_def: Optional[str] = None
    num_qubits: Optional[int] = None


class BackendConfiguration(BaseModel):
    """Static description of a backend.

    ``n_qubits`` is the largest statevector that fits the memory in hand now,
    in double precision; ``max_qubits`` gives it per precision.
    """

    model_config = ConfigDict(extra="allow")

    backend_name: str
    backend_version: str
    n_qubits: int
    basis_gates: list[str]
    gates: list[GateConfig]
    local: bool = True
    simulator: bool = True
    conditional: bool = True
    open_pulse: bool = False
    memory: bool = True
    max_shots: int
    max_experiments: Optional[int] = None
    coupling_map: Optional[list[list[int]]] = None
    description: str = ""
    device: str
    max_qubits: dict[str, int] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)


class BackendProperties(BaseModel):
    """Calibration-like properties; a noiseless simulator has none, so the lists are empty."""

    backend_name: str
    backend_version: str
    last_update_date: str
    qubits: list[list[dict[str, Any]]] = Field(default_factory=list)
    gates: list[dict[str, Any]] = Field(default_factory=list)
    general: list[dict[str, Any]] = Field(default_factory=list)


class BackendStatus(BaseModel):
    """Whether a backend can take jobs now, and how many are waiting."""

    backend_name: str
    backend_version: str
    operational: bool
    pending_jobs: int = Field(ge=0)
    status_msg: str
