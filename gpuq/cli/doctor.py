"""``gpuq doctor``: print what gpuq sees of this machine and why the GPU is or is not used."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``doctor`` command."""
    parser = subparsers.add_parser(
        "doctor",
        help="diagnose the CPU and GPU set-up",
        description="Report versions, devices, memory and why the GPU is or is not used.",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from ..diagnose import diagnose

    report = diagnose()
    print(json.dumps(report.as_dict(), indent=2) if args.json else report)
    return 0
