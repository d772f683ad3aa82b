"""Running the HTTP service (docgen.server's app) under uvicorn: its worker processes, the
settings they share, log lines, and the HTTP protocol with docgen's bounds (TCP_NODELAY, the
header timeout and size limit). Imported by `docgen serve` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
from pathlib import Path
from typing import Any

import uvicorn

from . import logs, settings
from .server import create_app


def run(host: str, port: int, workers: int, max_body: int, profile: Path | None, templates: Path | None,
        log_format: str | None = None) -> None:
    """Serve until stopped. Options reach uvicorn's worker processes through the environment."""
    import tempfile

    from .profile import load_profile

    create_app(load_profile(profile), templates, max_body)  # a broken profile or folder fails now, not in each worker
    settings.export_service(profile, templates, max_body)
    bounds = settings.limits()
    with contextlib.ExitStack() as stack:
        if workers > 1 and not settings.metrics_dir():  # /metrics sums all workers
            settings.export_metrics_dir(stack.enter_context(tempfile.TemporaryDirectory(prefix="docgen-metrics-")))
        uvicorn.run("docgen.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level="info", access_log=True, server_header=False,
                    log_config=logs.config(log_format or settings.log_format()),
                    http="docgen.serving:HeaderTimeoutProtocol",  # uvicorn waits for headers forever otherwise
                    limit_concurrency=bounds.max_connections, timeout_keep_alive=int(max(1, bounds.keep_alive)),
                    h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                    timeout_graceful_shutdown=int(bounds.shutdown_timeout) or None)


MAX_HEADER_BYTES = 16 * 1024  # request line and headers; a larger request is refused


def _no_delay(transport: asyncio.Transport) -> None:
    """Send small responses at once. asyncio sets TCP_NODELAY only on sockets whose Python object says
    IPPROTO_TCP, and with --workers N uvicorn creates the listener with protocol 0 (uvicorn issue
    #3149): Nagle's algorithm then meets the client's delayed ACK, ~40 ms per response."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


@functools.cache
def _header_timeout_protocol() -> type:
    """uvicorn's HTTP protocol (httptools where installed, else h11) that sets TCP_NODELAY and closes
    a connection whose request headers do not arrive within DOCGEN_HEADER_TIMEOUT of its opening or
    of the previous response (a slowloris client); with httptools, headers over MAX_HEADER_BYTES get
    400 (h11 has its own limit, set in `run`)."""
    base: type
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol as base

    class HeaderTimeoutProtocol(base):
        _header_timer: asyncio.TimerHandle | None = None
        _armed_cycle: object = None
        _header_bytes = 0
        _header_timeout: float

        def _arm(self) -> None:
            self._disarm()
            self._armed_cycle = self.cycle
            self._header_timer = self.loop.call_later(self._header_timeout, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.cycle is self._armed_cycle and not self.transport.is_closing():
                self.transport.close()  # no request started since the timer was set

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._header_timeout = settings.limits().header_timeout  # read once a connection, not a request
            _no_delay(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:  # h11 only
            super().handle_events()
            if self._header_timer is not None and self.cycle is not self._armed_cycle:
                self._disarm()  # a request's headers arrived

        def on_message_begin(self) -> None:  # httptools only, as the three below
            self._header_bytes = 0
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value) + 4)
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def _count(self, size: int) -> None:
            self._header_bytes += size
            if self._header_bytes > MAX_HEADER_BYTES:
                raise ValueError("request headers too large")  # httptools answers 400 and closes

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

    return HeaderTimeoutProtocol


def __getattr__(name: str) -> Any:
    if name == "HeaderTimeoutProtocol":  # built on first use: uvicorn is only needed to serve
        return _header_timeout_protocol()
    raise AttributeError(name)
