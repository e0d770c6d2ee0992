"""Connections that misbehave: a body that stops arriving, a client that hangs up mid-upload."""

from __future__ import annotations

import socket

import pytest

from .helpers import add_user, wait_until

pytestmark = pytest.mark.cloud


def test_paused_and_abandoned_uploads_are_answered_and_logged_in_one_line(sqlite_url, servers):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=0, extra=["--request-timeout", "1"])
    head = (
        f"POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    ).encode()

    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head + b'{"backend"')  # ... and then nothing more
        sock.settimeout(60)  # only a guard against hanging forever
        answer = _response(sock)
    assert answer.startswith("HTTP/1.1 408") and '"field":"body"' in answer, answer

    for _ in range(3):
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(head + b'{"backend"')  # hangs up mid-upload
    wait_until(
        lambda: server.log().count("disconnected after sending") >= 3,
        timeout=60,
        message=lambda: f"three one-line notes of a client gone; log:\n{server.log()}",
    )
    assert "Traceback" not in server.log() and " ERROR " not in server.log(), server.log()
    assert server.healthy()


def _response(sock: socket.socket) -> str:
    """One whole HTTP response (headers and a body of Content-Length bytes), however the segments arrive."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0
