"""``gpuq account save|list|delete``: the cloud accounts saved on this machine."""

from __future__ import annotations

import argparse
import getpass
import os
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``account`` command and its actions."""
    parser = subparsers.add_parser(
        "account",
        help="save, list or delete cloud accounts",
        description="Manage the gpuq server accounts saved on this machine "
        "(in $GPUQ_CONFIG_DIR, else ~/.gpuq, readable by you only).",
    )
    actions = parser.add_subparsers(dest="account_command", required=True, metavar="ACTION")

    save = actions.add_parser(
        "save",
        help="save a token and server URL",
        description="Save an account. The token is read from --token, else from "
        "$GPUQ_TOKEN, else asked for without echo (or read from stdin).",
    )
    save.add_argument("--url", required=True, help="the server, e.g. http://lab-gpu:8000")
    save.add_argument(
        "--token", help="the bearer token (prefer $GPUQ_TOKEN or the prompt: command lines end up in shell history)"
    )
    save.add_argument("--name", default="default", help="save under this name (default: default)")
    save.add_argument("--overwrite", action="store_true", help="replace an account saved under the same name")
    save.add_argument("--check", action="store_true", help="connect to the server to check the token first")
    save.set_defaults(handler=_save)

    listing = actions.add_parser("list", help="list the saved accounts (tokens masked)")
    listing.set_defaults(handler=_list)

    delete = actions.add_parser("delete", help="delete a saved account")
    delete.add_argument("--name", default="default", help="the account to delete (default: default)")
    delete.set_defaults(handler=_delete)


def _token(args: argparse.Namespace) -> str:
    if args.token:
        return args.token
    if os.environ.get("GPUQ_TOKEN"):
        return os.environ["GPUQ_TOKEN"]
    if sys.stdin.isatty():
        return getpass.getpass("token: ")
    return sys.stdin.readline().strip()


def _save(args: argparse.Namespace) -> int:
    from ..providers.cloud import CloudProvider

    token = _token(args)
    if args.check:
        user = CloudProvider().enable_account(token, args.url).active_account()
        print(f"the server at {args.url} knows this token as user {user['user'] if user else '?'}")
    path = CloudProvider.save_account(token, args.url, overwrite=args.overwrite, name=args.name)
    print(f"saved account {args.name!r} for {args.url.rstrip('/')} in {path}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from ..providers.cloud import CloudProvider
    from ..providers.cloud.accounts import accounts_path

    saved = CloudProvider.saved_accounts()
    if not saved:
        print(f"no saved accounts (in {accounts_path()})")
        return 0
    width = max(len(name) for name in saved)
    for name, account in saved.items():
        print(f"{name.ljust(width)}  {account['url']}  {account['token']}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from ..providers.cloud import CloudProvider

    CloudProvider.delete_account(args.name)
    print(f"deleted account {args.name!r}")
    return 0
