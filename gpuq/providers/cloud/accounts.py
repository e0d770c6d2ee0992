"""Saved cloud accounts: a token and a server URL, in a file only its owner can read.

The file is ``accounts.json`` in ``$GPUQ_CONFIG_DIR`` (default ``~/.gpuq``),
mode 0600 in a directory of mode 0700. It is replaced atomically, so a crash
never leaves half a file, and it is never readable by others, not even for
an instant: the new file is created with mode 0600 before anything is written.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ...exceptions import AccountError

CONFIG_DIR_ENV = "GPUQ_CONFIG_DIR"
ACCOUNTS_FILE = "accounts.json"
DEFAULT_NAME = "default"


@dataclass(frozen=True)
class Account:
    """A server URL and the token for it."""

    token: str
    url: str

    def masked_token(self) -> str:
        """The token with all but its first and last few characters hidden."""
        return self.token[:9] + "…" + self.token[-4:] if len(self.token) > 16 else "…"


def config_dir() -> Path:
    """``$GPUQ_CONFIG_DIR``, else ``~/.gpuq``."""
    return Path(os.environ.get(CONFIG_DIR_ENV) or Path.home() / ".gpuq")


def accounts_path() -> Path:
    """Where accounts are saved."""
    return config_dir() / ACCOUNTS_FILE


def check_account(token: str, url: str) -> Account:
    """Validate a token and URL as typed by a person.

    Raises:
        AccountError: an empty token, or a URL that is not http(s).
    """
    token = (token or "").strip()
    url = (url or "").strip().rstrip("/")
    if not token or any(ch.isspace() for ch in token):
        raise AccountError("the token is empty or contains spaces; pass the token printed by 'gpuq server add-user'")
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise AccountError(f"the URL {url!r} is not an http:// or https:// address, e.g. http://lab-gpu:8000")
    return Account(token=token, url=url)


def read_accounts() -> dict[str, Account]:
    """Every saved account by name (empty when none is saved).

    Raises:
        AccountError: the file exists but cannot be read.
    """
    path = accounts_path()
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return {
            name: Account(token=entry["token"], url=entry["url"]) for name, entry in data.get("accounts", {}).items()
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AccountError(f"cannot read the saved accounts in {path}: {exc}; fix or delete the file") from exc


def save_account(account: Account, name: str = DEFAULT_NAME, overwrite: bool = False) -> Path:
    """Save an account under ``name``; returns the file's path.

    Raises:
        AccountError: an account of that name exists and ``overwrite`` is False.
    """
    accounts = read_accounts()
    if name in accounts and not overwrite and accounts[name] != account:
        raise AccountError(
            f"an account named {name!r} is already saved (for {accounts[name].url}); "
            "pass overwrite=True (or --overwrite) to replace it"
        )
    accounts[name] = account
    return _write(accounts)


def delete_account(name: str = DEFAULT_NAME) -> Path:
    """Delete the saved account ``name``; returns the file's path.

    Raises:
        AccountError: no account of that name is saved.
    """
    accounts = read_accounts()
    if name not in accounts:
        raise AccountError(f"no saved account named {name!r} in {accounts_path()}")
    del accounts[name]
    return _write(accounts)


def _write(accounts: dict[str, Account]) -> Path:
    path = accounts_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = json.dumps({"accounts": {name: asdict(acc) for name, acc in sorted(accounts.items())}}, indent=2)
    # mkstemp creates the file with mode 0600 before a byte of the token is in it.
    handle, temporary = tempfile.mkstemp(prefix=".accounts-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            os.fchmod(stream.fileno(), stat.S_IRUSR | stat.S_IWUSR)
            stream.write(text + "\n")
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path
