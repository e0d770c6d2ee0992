"""Run options of the local simulators, and their precedence.

One pydantic model holds every option with its default, type and meaning;
it forbids unknown fields, so a misspelt option fails and names itself.
Precedence (the Qobj's config, then the backend's options, then defaults) is
resolved in ``resolve_options`` and nowhere else.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from ...exceptions import QobjValidationError
from ...models.qobj import QobjConfig
from ...models.validation import qobj_error

MAX_SHOTS = 100_000_000
"""Most shots one experiment may ask for."""


class SimulatorOptions(BaseModel):
    """Options of a local simulator run."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    shots: int = Field(1024, ge=1, le=MAX_SHOTS, description="Shots per experiment (qasm simulators).")
    memory: bool = Field(False, description="Also return every shot's outcome, in order.")
    seed_simulator: Optional[int] = Field(None, ge=0, lt=2**63,
                                          description="Seed of the run; experiment i uses seed + i.")
    precision: Literal["single", "double"] = Field("double", description="complex64 or complex128 amplitudes.")
    device: Optional[Literal["auto", "cpu", "gpu"]] = Field(
        None, description="Where to run; None defers to the backend's pin, then GPUQ_DEVICE, then auto.")
    fusion_enable: bool = Field(True, description="Merge runs of gates into fewer passes over the state.")
    fusion_max_qubits: Optional[int] = Field(
        None, ge=1, le=6, description="Largest fused block; None lets the device choose.")


def check_option_names(options: dict[str, Any]) -> None:
    """Raise ``QobjValidationError`` naming the first unknown option."""
    for key in options:
        if key not in SimulatorOptions.model_fields:
            known = ", ".join(sorted(SimulatorOptions.model_fields))
            raise QobjValidationError(f"unknown option {key!r}; options are: {known}", f"config.{key}")


def resolve_options(qobj_config: QobjConfig, backend_options: SimulatorOptions,
                    run_options: dict[str, Any] | None = None) -> SimulatorOptions:
    """Merge options: ``run()`` keywords, then the Qobj's config, then the backend's options.

    Raises:
        QobjValidationError: an unknown option or a bad value, naming it.
    """
    merged = backend_options.model_dump()
    config = {k: v for k, v in qobj_config.model_dump().items() if v is not None}
    config.pop("n_qubits", None)
    config.pop("memory_slots", None)
    for layer in (config, run_options or {}):
        check_option_names(layer)
        merged.update({k: v for k, v in layer.items() if v is not None})
    try:
        return SimulatorOptions(**merged)
    except pydantic.ValidationError as exc:
        error = qobj_error(exc)
        raise QobjValidationError(str(error).split(": ", 1)[-1], f"config.{error.path}") from exc
