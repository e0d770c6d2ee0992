"""The ``gpuq`` command line.

Each command group lives in its own module with a ``register(subparsers)``
function that adds its parser and sets ``handler``; this module only wires
them together and turns gpuq errors into a one-line message and exit code 1
(no traceback for a user mistake).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..exceptions import GpuqError

COMMAND_MODULES = ("run", "backends", "doctor", "serve", "account")
"""Modules of ``gpuq.cli`` that each register one or more commands."""


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command registered."""
    parser = argparse.ArgumentParser(prog="gpuq", description="Simulate quantum circuits on the CPU or a GPU.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except GpuqError as exc:
        print(f"gpuq: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gpuq: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
