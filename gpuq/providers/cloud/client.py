"""HTTP to a gpuq job server: the only module of gpuq that imports ``requests``.

Every call has a timeout. Idempotent calls (reads, and cancelling) are retried
on connection errors with a short back-off; submitting a job is not, so a job
is never queued twice. An HTTP error becomes ``AccountError`` (401, 403) or
``CloudError`` (anything else), carrying the status and the server's own
message.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests

from ...exceptions import AccountError, CloudError

DEFAULT_TIMEOUT = (5.0, 60.0)
"""Seconds to connect, and to wait for an answer."""


class CloudClient:
    """A connection to one server with one token.

    Args:
        url: the server's base URL, e.g. ``http://lab-gpu:8000``.
        token: the bearer token from ``gpuq server add-user``.
        timeout: (connect, read) seconds for each request.
        retries: further tries of an idempotent call after a connection error.
        backoff: seconds before the first retry; doubled for each further one.
    """

    def __init__(
        self,
        url: str,
        token: str,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.2,
    ):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._token = token
        self._local = threading.local()  # one Session per thread: Sessions are not thread-safe

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` and return its JSON (retried on connection errors)."""
        return self._json(self._request("GET", path, idempotent=True, params=params))

    def get_pieces(self, path: str, accept: str, piece_bytes: int = 1 << 20) -> tuple[str, Iterator[bytes]]:
        """GET ``path`` as a stream: its content type, and its body in pieces as they arrive.

        The request is retried on connection errors; a connection lost while
        the body arrives raises ``CloudError`` from the iterator.
        """
        response = self._request("GET", path, idempotent=True, stream=True, headers={"Accept": accept})

        def pieces() -> Iterator[bytes]:
            with response:
                try:
                    yield from response.iter_content(piece_bytes)
                except requests.RequestException as exc:
                    raise CloudError(f"the answer to GET {path} was cut off: {_root_cause(exc)}") from exc

        return response.headers.get("content-type", ""), pieces()

    def post(self, path: str, body: bytes | None = None, idempotent: bool = False) -> Any:
        """POST a JSON body (already encoded) and return the answer's JSON."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        return self._json(self._request("POST", path, idempotent=idempotent, data=body, headers=headers))

    # ---------------------------------------------------------------- helpers
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"Authorization": f"Bearer {self._token}", "Accept": "application/json"})
            self._local.session = session
        return session

    def _request(self, method: str, path: str, idempotent: bool, **kwargs: Any) -> requests.Response:
        url = f"{self.url}{path}"
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            try:
                response = self._session().request(method, url, timeout=self.timeout, **kwargs)
            except requests.Timeout as exc:
                raise CloudError(
                    f"the gpuq server at {self.url} did not answer {method} {path} within {self.timeout[1]:g} s"
                ) from exc
            except requests.ConnectionError as exc:
                if attempt + 1 < attempts:
                    time.sleep(self.backoff * 2**attempt)
                    continue
                tries = f" after {attempts} tries" if attempts > 1 else ""
                raise CloudError(f"cannot reach the gpuq server at {self.url}{tries}: {_root_cause(exc)}") from exc
            except requests.RequestException as exc:
                raise CloudError(f"request {method} {url} failed: {exc}") from exc
            if response.status_code >= 400:
                raise _http_error(method, path, response)
            return response
        raise AssertionError("unreachable")  # the loop returns or raises

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise CloudError(
                f"the server answered {response.request.method} {response.url} with something that "
                f"is not JSON: {response.text[:200]!r}",
                response.status_code,
            ) from exc


def _http_error(method: str, path: str, response: requests.Response) -> CloudError:
    detail, field, limit = _server_error(response)
    if response.status_code in (401, 403):
        return AccountError(
            "the server refused the token; check it, or ask for a new one with 'gpuq server add-user NAME --new-token'",
            response.status_code,
            detail,
        )
    return CloudError(f"{method} {path} failed", response.status_code, detail, field, limit)


def _server_error(response: requests.Response) -> tuple[str, str | None, int | None]:
    """The server's message, and the field and limit it named, from an error answer (an ``ErrorBody``)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500].strip() or response.reason or "", None, None
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        field = body.get("field") if isinstance(body.get("field"), str) else None
        limit = body.get("limit") if isinstance(body.get("limit"), int) else None
        return (detail if isinstance(detail, str) else json.dumps(detail)), field, limit
    return json.dumps(body)[:500], None, None


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a connection error (e.g. 'Connection refused'), not urllib3's long chain."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
