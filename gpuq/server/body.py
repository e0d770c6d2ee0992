"""Read a request body within a size cap and a time limit, and notice a client that went away.

The submission route reads its body itself, so that an oversized one is
refused (413) before it is held in memory, a client that stops sending is
answered 408 instead of holding a connection forever, and a client that hangs
up mid-upload is one line in the log, not an internal error with a traceback.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import Request
from starlette.requests import ClientDisconnect

from ..exceptions import ClientGoneError, RequestTimeoutError, RequestTooLargeError

log = logging.getLogger("gpuq.server")

DRAIN_LIMIT = 64 * 2**20
"""After a body goes over its cap, read and drop up to this much more, so the client sees the 413."""


async def read_body(request: Request, cap: int, timeout: float) -> bytes:
    """The request body, refused once it is over ``cap`` bytes or when ``timeout`` seconds pass without data.

    Raises:
        RequestTooLargeError: over ``cap``.
        RequestTimeoutError: no data for ``timeout`` seconds.
        ClientGoneError: the client disconnected before the end of the body.
    """
    declared = request.headers.get("content-length")
    size = int(declared) if declared is not None and declared.isdigit() else None
    body = bytearray()
    try:
        if size is None or size <= cap:
            async for chunk in _chunks(request, timeout):
                body += chunk
                if len(body) > cap:
                    break
        if (size or 0) > cap or len(body) > cap:
            drained = len(body)
            if size is None or size <= DRAIN_LIMIT:
                async for chunk in _chunks(request, timeout):
                    drained += len(chunk)
                    if drained > DRAIN_LIMIT:
                        break
            raise RequestTooLargeError("body", cap, size if size is not None else drained)
    except ClientDisconnect:
        log.info(
            "a client at %s disconnected after sending %d bytes of its request body",
            request.client.host if request.client else "?",
            len(body),
        )
        raise ClientGoneError(len(body)) from None
    return bytes(body)


async def _chunks(request: Request, timeout: float):
    """The body's chunks, each awaited at most ``timeout`` seconds."""
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), timeout)
        except StopAsyncIteration:
            return
        except asyncio.TimeoutError:
            raise RequestTimeoutError(timeout) from None
        yield chunk
