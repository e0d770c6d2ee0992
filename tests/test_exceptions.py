"""The one exception tree: every class gpuq raises lives in gpuq.exceptions, derives from GpuqError, is drawn."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import gpuq.exceptions as exceptions
from gpuq.exceptions import GpuqError, LimitExceeded, QasmError, QobjValidationError, UserExistsError

PACKAGE = Path(exceptions.__file__).parent


def _classes() -> dict[str, type]:
    return {
        name: cls
        for name, cls in vars(exceptions).items()
        if inspect.isclass(cls) and cls.__module__ == exceptions.__name__
    }


def test_every_class_derives_from_gpuq_error_and_is_drawn_under_its_parent():
    drawn = exceptions.__doc__ or ""
    for name, cls in _classes().items():
        assert issubclass(cls, GpuqError), name
        line = re.search(rf"^(.*?){name}\b", drawn, re.MULTILINE)
        assert line, f"{name} is not drawn in the tree of gpuq/exceptions.py"
        if cls is not GpuqError:
            parent = cls.__bases__[0].__name__
            above = drawn[: line.start()].splitlines()
            depth = len(line.group(1))
            owner = next(text for text in reversed(above) if len(text) - len(text.lstrip(" │├└─")) < depth)
            assert parent in owner, f"{name} is drawn under {owner.strip()!r}, but derives from {parent}"


def test_no_exception_class_is_defined_outside_gpuq_exceptions():
    pattern = re.compile(r"^class (\w+)\((\w*(Error|Exception|Exceeded|Rejection))\)", re.MULTILINE)
    elsewhere = [
        f"{path.relative_to(PACKAGE)}: {match.group(1)}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "exceptions.py"
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert elsewhere == []


def test_errors_carry_their_facts_and_compose_their_message():
    over = LimitExceeded("qobj.config.shots", 5000, 5001, "shots")
    assert (over.field, over.limit, over.value, over.reason) == (
        "qobj.config.shots",
        5000,
        5001,
        "shots 5001 is over this server's limit of 5000",
    )
    assert str(over) == f"qobj.config.shots: {over.reason}"
    bad = QobjValidationError("must be positive", "config.shots")
    assert (bad.path, bad.reason, str(bad)) == ("config.shots", "must be positive", "config.shots: must be positive")
    qasm = QasmError("unknown gate 'hh'", 3, 1)
    assert (qasm.reason, qasm.line, str(qasm)) == ("unknown gate 'hh'", 3, "3:1: unknown gate 'hh'")
    assert UserExistsError("alice").name == "alice"
