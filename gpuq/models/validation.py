"""Turn foreign input (dicts, JSON text, pydantic errors) into validated models or clear gpuq errors."""

from __future__ import annotations

from typing import Any

import pydantic

from ..exceptions import QobjValidationError
from .options import unknown_option
from .qobj import Qobj


def qobj_error(exc: pydantic.ValidationError) -> QobjValidationError:
    """The first problem of a pydantic error as a ``QobjValidationError`` naming the field's path."""
    first = exc.errors()[0]
    path = ".".join(str(part) for part in first.get("loc", ()))
    more = len(exc.errors()) - 1
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    location = first.get("loc", ())
    if first.get("type") == "extra_forbidden" and len(location) >= 2 and location[-2] == "config":
        message = unknown_option(str(location[-1]))
    message += f" (and {more} more problem(s))" if more else ""
    return QobjValidationError(message, path)


def load_qobj(data: Qobj | dict[str, Any] | str | bytes) -> Qobj:
    """Validate a Qobj given as a model, a dict or JSON text.

    Raises:
        QobjValidationError: with the path of the first bad field.
    """
    if isinstance(data, Qobj):
        return data
    try:
        if isinstance(data, (str, bytes)):
            return Qobj.model_validate_json(data)
        if isinstance(data, dict):
            return Qobj.model_validate(data)
    except pydantic.ValidationError as exc:
        raise qobj_error(exc) from exc
    raise QobjValidationError(f"expected a Qobj, a dict or JSON text, got {type(data).__name__}")
