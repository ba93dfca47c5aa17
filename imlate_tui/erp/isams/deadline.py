"""An overall deadline for each HTTP request, which httpx's own time-outs do not give.

httpx's read time-out is per socket read: a server that trickles one header line every two seconds
never trips a ten-second read time-out and can hold a caller for ever (issue 13, item 9). This
transport wraps httpcore's socket streams so that every connect, read and write waits at most until
the deadline of the request in progress on this thread, then fails as a time-out.

The deadline is set as each request starts by ``IsamsClient`` (``set_deadline``, from its request hook). Built on
httpx's ``HTTPTransport`` with its connection pool swapped for one using this network backend (the pool
is ``HTTPTransport._pool`` in the pinned httpx 0.28); TLS, keep-alive and limits are unchanged.
"""

from __future__ import annotations

import threading
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend

_local = threading.local()


def set_deadline(seconds: float) -> None:
    """From now on (until set again), socket operations on this thread end by ``now + seconds``.

    Set by the client's request hook as each request starts, so it covers the response body too.
    """
    _local.deadline = time.monotonic() + seconds


@contextmanager
def request_deadline(seconds: float) -> Iterator[None]:
    """Every socket operation on this thread inside the block ends by ``now + seconds``."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def _clamp(timeout: float | None, exc: type[Exception]) -> float | None:
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise exc("the request's overall deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(SyncBackend):
    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Any = None) -> httpcore.NetworkStream:
        stream = super().connect_tcp(host, port, _clamp(timeout, httpcore.ConnectTimeout), local_address,
                                     socket_options)
        return _DeadlineStream(stream)


class DeadlineTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` whose sockets honour ``request_deadline``."""

    def __init__(self, verify: typing.Any = True) -> None:   # noqa: D107 - HTTPTransport's init only sets _pool
        # Not super().__init__(): it would build a second SSL context (the CA bundle, ~26 ms) and a pool.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(verify=verify),
                                             max_connections=10, max_keepalive_connections=5,
                                             keepalive_expiry=5.0, network_backend=_DeadlineBackend())
