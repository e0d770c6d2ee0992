"""``gpuq.Cloud``: the backends of a gpuq job server, reached with a saved or given account.

::

    gpuq.Cloud.save_account(token, "http://lab-gpu:8000")   # once, on this machine
    gpuq.Cloud.load_account()                                # in every session
    backend = gpuq.Cloud.get_backend("qasm_simulator")
    job = backend.run(qobj)                                  # the same interface as gpuq.Local
"""

from __future__ import annotations

from urllib.parse import quote

from ...exceptions import AccountError, CloudError
from ...models.api import API_PREFIX, BackendInfo, BackendList, JobInfo, UserInfo
from ..base import BaseBackend, BaseProvider, JobStatus
from . import accounts
from .backend import CloudBackend, fetch_job, list_jobs
from .client import DEFAULT_TIMEOUT, CloudClient
from .job import CloudJob


class CloudProvider(BaseProvider):
    """The backends of one gpuq server, for the account enabled on it."""

    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT, retries: int = 3):
        self._timeout = timeout
        self._retries = retries
        self._client: CloudClient | None = None
        self._account: accounts.Account | None = None
        self._user: str | None = None

    # --------------------------------------------------------------- accounts
    def enable_account(self, token: str, url: str) -> CloudProvider:
        """Use this token and server for this session (nothing is saved); checks both with the server.

        Raises:
            AccountError: the token was refused, or the server cannot be reached.
        """
        account = accounts.check_account(token, url)
        client = CloudClient(account.url, account.token, timeout=self._timeout, retries=self._retries)
        try:
            user = UserInfo.model_validate(client.get(f"{API_PREFIX}/user"))
        except AccountError:
            raise
        except CloudError as exc:
            if exc.status_code is None:
                raise AccountError(str(exc)) from exc
            raise AccountError(
                f"{account.url} answered GET {API_PREFIX}/user with an error; is it a gpuq server?",
                exc.status_code,
                exc.server_message,
            ) from exc
        self._client, self._account, self._user = client, account, user.name
        return self

    @staticmethod
    def save_account(token: str, url: str, overwrite: bool = False, name: str = accounts.DEFAULT_NAME) -> str:
        """Save a token and server URL for later sessions, in a file only you can read; returns its path.

        Nothing is sent to the server. The directory is ``$GPUQ_CONFIG_DIR``, else ``~/.gpuq``.

        Raises:
            AccountError: an account is already saved under ``name`` and ``overwrite`` is False.
        """
        return str(accounts.save_account(accounts.check_account(token, url), name, overwrite))

    def load_account(self, name: str = accounts.DEFAULT_NAME) -> CloudProvider:
        """Enable the saved account ``name``.

        Raises:
            AccountError: none is saved, the token was refused, or the server cannot be reached.
        """
        saved = accounts.read_accounts()
        if name not in saved:
            raise AccountError(
                f"no saved account named {name!r} in {accounts.accounts_path()}; save one with "
                "gpuq.Cloud.save_account(token, url) or 'gpuq account save'"
            )
        return self.enable_account(saved[name].token, saved[name].url)

    @staticmethod
    def delete_account(name: str = accounts.DEFAULT_NAME) -> None:
        """Delete the saved account ``name`` (the session's enabled account stays enabled).

        Raises:
            AccountError: no account of that name is saved.
        """
        accounts.delete_account(name)

    @staticmethod
    def saved_accounts() -> dict[str, dict[str, str]]:
        """Every saved account by name: its URL and its token, masked."""
        return {name: {"url": acc.url, "token": acc.masked_token()} for name, acc in accounts.read_accounts().items()}

    def active_account(self) -> dict[str, str] | None:
        """The enabled account (URL, token, user name), or None."""
        if self._account is None:
            return None
        return {"url": self._account.url, "token": self._account.token, "user": self._user or ""}

    def disable_account(self) -> None:
        """Forget the enabled account for this session (the saved one stays saved)."""
        self._client = self._account = self._user = None

    # --------------------------------------------------------------- backends
    def _all_backends(self) -> list[BaseBackend]:
        client = self._require_client()
        listing = BackendList.model_validate(client.get(f"{API_PREFIX}/backends"))
        return [CloudBackend(self, client, info) for info in listing.backends]

    def jobs(
        self, limit: int = 10, status: JobStatus | str | None = None, backend_name: str | None = None
    ) -> list[CloudJob]:
        """Your jobs, newest first: at most ``limit``, optionally of one status and one backend."""
        infos = list_jobs(self._require_client(), limit, status, backend_name)
        backends: dict[str, CloudBackend] = {}
        return [CloudJob(self._backend_for(info, backends), info) for info in infos]

    def retrieve_job(self, job_id: str) -> CloudJob:
        """One of your jobs, by id, on whichever backend it ran.

        Raises:
            CloudError: no such job for this user (HTTP 404).
        """
        info = fetch_job(self._require_client(), job_id)
        return CloudJob(self._backend_for(info, {}), info)

    def _backend_for(self, info: JobInfo, cache: dict[str, CloudBackend]) -> CloudBackend:
        if info.backend not in cache:
            client = self._require_client()
            data = client.get(f"{API_PREFIX}/backends/{quote(info.backend, safe='')}")
            cache[info.backend] = CloudBackend(self, client, BackendInfo.model_validate(data))
        return cache[info.backend]

    def _require_client(self) -> CloudClient:
        if self._client is None:
            raise AccountError(
                "no cloud account is enabled; call gpuq.Cloud.load_account() (after "
                "save_account(token, url)) or gpuq.Cloud.enable_account(token, url)"
            )
        return self._client

    def __repr__(self) -> str:
        where = self._account.url if self._account else "no account"
        return f"<CloudProvider({where})>"


Cloud = CloudProvider()
"""The cloud provider; enable an account on it before asking for backends."""
