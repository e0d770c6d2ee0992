"""The ``gpuq`` command line.

Each command group lives in its own module with a ``register(subparsers)``
function that adds its parser and sets ``handler``; this module only wires
them together and turns gpuq errors into a one-line message and exit code 1
(no traceback for a user mistake).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import NoReturn

from .._version import __version__
from ..exceptions import GpuqError

COMMAND_MODULES = ("run", "backends", "doctor", "serve", "account")
"""Modules of ``gpuq.cli`` that each register one or more commands."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one ``gpuq: error:`` line and exit status 1, as gpuq errors are."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"gpuq: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command registered."""
    parser = _Parser(prog="gpuq", description="Simulate quantum circuits on the CPU or a GPU.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    _show_progress_notes()
    try:
        return int(args.handler(args) or 0)
    except GpuqError as exc:
        print(f"gpuq: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gpuq: interrupted", file=sys.stderr)
        return 130


def _show_progress_notes() -> None:
    """Print gpuq's progress notes (e.g. "compiling CPU kernels ...") as ``gpuq: ...`` lines on stderr."""
    logger = logging.getLogger("gpuq.progress")
    if logger.handlers:  # main() may run more than once in a process (tests, embedding): one handler only
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("gpuq: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


if __name__ == "__main__":
    sys.exit(main())
