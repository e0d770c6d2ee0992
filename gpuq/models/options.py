"""Run options: one model, one merge, one way to report a bad option.

``RunOptions`` holds every option of a run with its type, bounds, default
and meaning; it is the only place an option is declared. ``QobjConfig`` (the
Qobj's ``config``) is the same model with every field optional, so a Qobj
carries only what its author set. ``merge_options`` resolves the layers
(backend options, then the Qobj's config, then ``run()`` keywords) and is
used by the local ``run()``, the cloud ``run()``, the server's admission and
its worker alike.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Optional

import numpy as np
import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..exceptions import QobjValidationError

Precision = Literal["single", "double"]
"""Amplitude precision: complex64 ("single") or complex128 ("double")."""

DeviceName = Literal["auto", "cpu", "gpu"]
"""Where a run may execute."""

MAX_SHOTS = 100_000_000
"""Most shots one experiment may ask for."""


def _strict_integer(value: Any) -> Any:
    """Accept Python and NumPy integers; refuse booleans, strings and floats (``"100"``, ``True``, ``100.0``)."""
    if isinstance(value, bool) or isinstance(value, (str, bytes, float)):
        raise ValueError(f"should be a valid integer, got {type(value).__name__} {value!r}")
    if value is not None and hasattr(value, "__index__"):
        return operator.index(value)
    return value


def _strict_boolean(value: Any) -> Any:
    """Accept ``True`` / ``False`` (and NumPy booleans) only; refuse ``1``, ``"yes"``."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    raise ValueError(f"expected true or false, got {type(value).__name__} {value!r}")


def _noise_model_data(value: Any) -> Any:
    """A ``gpuq.noise.NoiseModel`` or its ``to_dict`` data, checked and written as that data (the wire form)."""
    from ..exceptions import NoiseError
    from ..noise import NoiseModel

    if value is None:
        return None
    try:
        model = value if isinstance(value, NoiseModel) else NoiseModel.from_dict(value)
    except NoiseError as exc:
        raise ValueError(str(exc)) from None
    return model.to_dict()


Integer = Annotated[int, BeforeValidator(_strict_integer)]
Boolean = Annotated[bool, BeforeValidator(_strict_boolean)]
NoiseModelData = Annotated[dict[str, Any], BeforeValidator(_noise_model_data)]
NoiseMethod = Literal["auto", "trajectory", "density_matrix"]
"""How a noisy run is simulated: statevector trajectories, the density matrix, or the cheaper of the two."""


class RunOptions(BaseModel):
    """Every option of a run, resolved: the defaults, then what the backend, Qobj and caller set."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    shots: Integer = Field(1024, ge=1, le=MAX_SHOTS, description="Shots per experiment (qasm simulators).")
    memory: Boolean = Field(False, description="Also return every shot's outcome, in order.")
    seed_simulator: Optional[Integer] = Field(
        None, ge=0, lt=2**63, description="Seed of the run; experiment i uses seed + i."
    )
    precision: Precision = Field("double", description="complex64 or complex128 amplitudes.")
    device: Optional[DeviceName] = Field(
        None, description="Where to run; None defers to the backend's pin, then GPUQ_DEVICE, then auto."
    )
    fusion_enable: Boolean = Field(True, description="Merge runs of gates into fewer passes over the state.")
    fusion_max_qubits: Optional[Integer] = Field(
        None, ge=1, le=6, description="Largest fused block; None lets the device choose."
    )
    gradient: Boolean = Field(
        False,
        description="Also return the gradients of the observables' expectation "
        "values with respect to every parameter (adjoint method).",
    )
    noise_model: Optional[NoiseModelData] = Field(
        None, description="A gpuq.noise.NoiseModel (or its to_dict data) applied to every experiment."
    )
    method: NoiseMethod = Field(
        "auto",
        description="Noisy runs: 'trajectory' (statevector, one noise draw per shot group), "
        "'density_matrix' (exact), or 'auto' (the cheaper).",
    )
    max_memory_mb: Optional[Integer] = Field(
        None,
        ge=1,
        description="Most memory a run may use, in MiB; None: the device's free memory "
        "(or GPUQ_MAX_MEMORY_MB when set).",
    )
    mpi: Boolean = Field(
        False,
        description="Split each statevector over the MPI ranks this script runs on "
        "(mpiexec -n 2**g; docs/distributed.md).",
    )


OPTION_NAMES = tuple(RunOptions.model_fields)
"""The names of every run option."""


def _optional_fields() -> dict[str, Any]:
    """``RunOptions``' fields with the same types and bounds but a default of None."""
    fields: dict[str, Any] = {}
    for name, info in RunOptions.model_fields.items():
        optional = copy.copy(info)
        optional.default = None
        fields[name] = (Optional[info.annotation], optional)
    return fields


class _PartialOptions(BaseModel):
    """Base of ``QobjConfig``: an unknown key is refused (``unknown_option`` words the error)."""

    model_config = ConfigDict(extra="forbid")


def unknown_option(name: str) -> str:
    """The message for an option that does not exist, with the ones that do."""
    return f"unknown option {name!r}; options are: {', '.join(sorted(OPTION_NAMES))}"


QobjConfig = pydantic.create_model(
    "QobjConfig",
    __base__=_PartialOptions,
    __module__=__name__,
    __doc__="The Qobj's run options: those of ``RunOptions`` that its author set (the rest are None).\n\n"
    "``n_qubits`` and ``memory_slots`` are accepted for compatibility with Qiskit's Qobj and ignored.",
    n_qubits=(Optional[Integer], Field(None, ge=0)),
    memory_slots=(Optional[Integer], Field(None, ge=0)),
    **_optional_fields(),
)


def options_error(exc: pydantic.ValidationError, prefix: str = "") -> QobjValidationError:
    """The first problem of a validation error as a ``QobjValidationError`` naming the option and what is allowed."""
    first = exc.errors()[0]
    location = [str(part) for part in first.get("loc", ()) if not str(part).startswith("function-")]
    name = ".".join(location)
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if first.get("type") == "extra_forbidden":
        message = unknown_option(location[-1])
    if first.get("type") in ("literal_error", "greater_than_equal", "less_than_equal", "less_than", "greater_than"):
        message += f", got {first.get('input')!r}"
    path = ".".join(part for part in (prefix, name) if part)
    return QobjValidationError(message[:1].lower() + message[1:], path)


def validate_options(fields: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Check option names and values given as keywords; returns those that are not None.

    Raises:
        QobjValidationError: an unknown option or a bad value, naming it and what is allowed.
    """
    given = {key: value for key, value in fields.items() if value is not None}
    try:
        return QobjConfig.model_validate(given).model_dump(exclude_none=True)
    except pydantic.ValidationError as exc:
        raise options_error(exc, prefix) from exc


def merge_options(
    backend_options: RunOptions, qobj_config: Any = None, run_options: Mapping[str, Any] | None = None
) -> RunOptions:
    """Resolve a run's options: ``run()`` keywords, then the Qobj's config, then the backend's options.

    Each layer contributes only the options it sets (None means "not set").

    Raises:
        QobjValidationError: an unknown option or a bad value, naming it.
    """
    merged = backend_options.model_dump()
    if qobj_config is not None:
        merged.update(qobj_config.model_dump(exclude_none=True, exclude={"n_qubits", "memory_slots"}))
    merged.update(validate_options(run_options or {}))
    try:
        return RunOptions(**merged)
    except pydantic.ValidationError as exc:
        raise options_error(exc, "config") from exc
