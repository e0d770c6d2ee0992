"""``gpuq backends``: list the simulators on this machine, and the cloud ones when an account is saved.

Each row gives the backend's name, its device (``auto``, ``cpu`` or ``gpu``),
the largest qubit count whose state fits the memory free now (double /
single precision, from ``configuration().max_qubits``) and its status. The
cloud section appears only when ``gpuq.providers.cloud`` imports and an
account is saved; otherwise nothing is said about the cloud. Cloud backends
are listed as ``cloud:<name>``, the name ``gpuq run --backend`` takes.
"""

from __future__ import annotations

import argparse
import sys

from ..exceptions import AccountError, CloudError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``backends`` command."""
    parser = subparsers.add_parser(
        "backends",
        help="list the backends and their status",
        description="List local backends (and cloud ones when an account is saved) "
        "with their device, largest qubit count and status.",
    )
    parser.set_defaults(handler=backends_command)


CLOUD_PREFIX = "cloud:"
"""Cloud backends are named ``cloud:<name>`` on the command line (their names are the local ones)."""


def cloud_provider(required: bool = False):
    """The cloud provider with the saved default account, or None.

    Without ``required``: None, silently, when the cloud client does not
    import or no default account is saved (``gpuq account save``); when one
    is saved but cannot be used (refused token, server unreachable), one line
    on stderr says why, and None.

    Raises:
        AccountError: ``required`` and no usable account.
    """
    try:
        from ..providers.cloud import Cloud
        from ..providers.cloud.accounts import DEFAULT_NAME
    except ImportError as exc:
        if required:
            raise AccountError(f"the cloud client is not available: {exc}") from exc
        return None
    try:
        if DEFAULT_NAME not in Cloud.saved_accounts():
            if required:
                raise AccountError("no cloud account is saved; save one with: gpuq account save --url URL")
            return None
        provider = Cloud.load_account()
    except (AccountError, OSError) as exc:
        if required:
            raise
        print(f"gpuq: cloud backends not available: {exc}", file=sys.stderr)
        return None
    return provider if provider is not None else Cloud


def backends_command(args: argparse.Namespace) -> int:
    """Print the table; returns the exit code."""
    from ..providers.local import Local

    rows = [_row(backend) for backend in Local.backends()]
    cloud = cloud_provider()
    cloud_rows = []
    if cloud is not None:
        try:
            cloud_rows = [(CLOUD_PREFIX + row[0],) + row[1:] for row in map(_row, cloud.backends())]
        except CloudError as exc:
            print(f"gpuq: cloud backends not listed: {exc}", file=sys.stderr)
    _print_table("local", rows)
    if cloud_rows:
        print()
        _print_table("cloud", cloud_rows)
    return 0


def _row(backend) -> tuple[str, str, str, str]:
    config = backend.configuration()
    status = backend.status()
    limits = config.max_qubits or {}
    if status.operational and limits:
        qubits = f"{limits.get('double', config.n_qubits)} / {limits.get('single', config.n_qubits)}"
    elif status.operational:
        qubits = str(config.n_qubits)
    else:
        qubits = "-"
    state = "operational" if status.operational else "not operational"
    message = status.status_msg
    if message and message not in ("active", state):
        state = message if message.startswith(state) else f"{state}: {message}"
    return backend.name(), getattr(config, "device", "?"), qubits, state


def _print_table(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    header = (f"{title} backend", "device", "max qubits (double / single)", "status")
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(3)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)) + "  " + header[3])
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[3])
