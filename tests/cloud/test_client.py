"""The cloud client on its own: saved accounts, status mapping, timeouts, and which calls are retried."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest

from gpuq import AccountError, CloudError, JobStatus
from gpuq.providers.cloud import CloudProvider
from gpuq.providers.cloud.client import CloudClient
from gpuq.providers.cloud.job import SERVER_STATUS, job_status

pytestmark = pytest.mark.cloud


class Listener:
    """A loopback socket that counts connections and either hangs up at once or never answers."""

    def __init__(self, answer: bool = False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self._hold = not answer
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self._hold:
                self._held.append(conn)  # read nothing, answer nothing
            else:
                conn.recv(65536)
                conn.close()  # hang up without an answer: a connection error

    def close(self) -> None:
        self.sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def hangup():
    listener = Listener(answer=True)
    yield listener
    listener.close()


@pytest.fixture
def silent():
    listener = Listener(answer=False)
    yield listener
    listener.close()


def test_every_server_status_is_mapped_and_unknown_ones_are_errors():
    assert {job_status(text) for text in SERVER_STATUS} == set(JobStatus)
    with pytest.raises(CloudError, match="'PAUSED'"):
        job_status("PAUSED")


def test_reads_are_retried_and_submissions_are_not(hangup):
    client = CloudClient(hangup.url, "gpuq_token", timeout=(2, 2), retries=3, backoff=0.01)
    with pytest.raises(CloudError, match="after 4 tries") as caught:
        client.get("/api/v1/jobs")
    assert caught.value.status_code is None
    assert hangup.connections == 4
    with pytest.raises(CloudError, match="cannot reach"):
        client.post("/api/v1/jobs", b"{}")
    assert hangup.connections == 5  # one try only: a job is never queued twice


def test_every_call_has_a_timeout(silent):
    client = CloudClient(silent.url, "gpuq_token", timeout=(1, 0.3), retries=0)
    with pytest.raises(CloudError, match="did not answer"):
        client.get("/api/v1/backends")


def test_unreachable_server_is_an_account_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    provider = CloudProvider(timeout=(1, 1), retries=1)
    with pytest.raises(AccountError, match="cannot reach") as caught:
        provider.enable_account("gpuq_token", f"http://127.0.0.1:{port}")
    assert provider.active_account() is None
    assert str(caught.value).endswith(": Connection refused"), caught.value  # the root cause, not urllib3's chain


def test_no_account_means_an_account_error(config_dir):
    provider = CloudProvider()
    with pytest.raises(AccountError, match="no cloud account is enabled"):
        provider.backends()
    with pytest.raises(AccountError, match="no saved account"):
        provider.load_account()


def test_accounts_are_saved_overwritten_and_deleted(config_dir):
    path = CloudProvider.save_account("gpuq_first_token_abcdef", "http://lab:8000/")
    assert path == str(config_dir / "accounts.json")
    CloudProvider.save_account("gpuq_first_token_abcdef", "http://lab:8000")  # the same again: fine
    with pytest.raises(AccountError, match="already saved"):
        CloudProvider.save_account("gpuq_other_token_abcdef", "http://lab:8000")
    CloudProvider.save_account("gpuq_other_token_abcdef", "http://lab2:8000", overwrite=True)
    CloudProvider.save_account("gpuq_third_token_abcdef", "https://far:443", name="far")
    saved = CloudProvider.saved_accounts()
    assert saved["default"]["url"] == "http://lab2:8000" and saved["far"]["url"] == "https://far:443"
    assert all("token_abc" not in entry["token"] for entry in saved.values())
    CloudProvider.delete_account()
    assert list(CloudProvider.saved_accounts()) == ["far"]
    with pytest.raises(AccountError, match="no saved account"):
        CloudProvider.delete_account()


@pytest.mark.parametrize(
    "token,url,words",
    [
        ("", "http://lab:8000", "token is empty"),
        ("two words", "http://lab:8000", "spaces"),
        ("gpuq_token", "lab:8000", "not an http"),
        ("gpuq_token", "ftp://lab", "not an http"),
    ],
)
def test_bad_accounts_are_refused(config_dir, token, url, words):
    with pytest.raises(AccountError, match=words):
        CloudProvider.save_account(token, url)
    assert not (config_dir / "accounts.json").exists()


def test_the_client_never_imports_the_server():
    code = (
        "import sys, gpuq, gpuq.providers.cloud, gpuq.providers.cloud.backend, gpuq.providers.cloud.job; "
        "print(sorted(m for m in sys.modules if m.startswith('gpuq.server') or m in ('fastapi', 'sqlalchemy')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
