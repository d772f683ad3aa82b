"""The service's two ASGI layers in front of FastAPI: Guard (the API token, the security headers
on every response) and Lane (plain document requests straight to their route's function)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import SECURITY_HEADERS, Problem, problem_response

OPEN_PATHS = frozenset({"/health", "/ready"})  # probes carry no token; /metrics does (no record data either way)


class Guard:
    """Every request but the probes carries the API token (when one is set); every response gets
    SECURITY_HEADERS. Plain ASGI, not Starlette's BaseHTTPMiddleware, which costs a task and a
    stream per request."""

    def __init__(self, app: ASGIApp, token: bytes | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.token is not None and scope["path"] not in OPEN_PATHS:
            given = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
            scheme, _, value = given.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(value, self.token):
                problem = Problem(401, "Unauthorized", "send the API token as 'Authorization: Bearer TOKEN'")
                await problem_response(problem)(scope, receive, send)
                return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_secured)


Handler = Callable[..., Awaitable[Response]]


class Lane:
    """POST /documents/{type} with plain query parameters, straight to the route's own function:
    FastAPI's routing, parameter checking and exception layers cost more of the service's CPU per
    document than the rest of the HTTP stack together (measured: bench/http_speed.py). Anything
    else (another path, an encoded or repeated parameter, a flag FastAPI would have to refuse)
    goes on to FastAPI, which answers it as before. FastAPI still describes the route in OpenAPI."""

    def __init__(self, app: ASGIApp, handlers: dict[str, Handler]) -> None:
        self.app, self.handlers = app, handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" and scope["method"] == "POST" else ""
        plain = path.startswith(_DOCUMENTS) and not scope.get("root_path")
        handler = self.handlers.get(path[len(_DOCUMENTS):]) if plain else None
        params = plain_parameters(scope["query_string"]) if handler is not None else None
        if handler is None or params is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await handler(Request(scope, receive), **params)
        except Problem as problem:  # as the exception handler on_problem; any other error goes on up
            response = problem_response(problem)
        await response(scope, receive, send)


_DOCUMENTS = "/documents/"
_TEXT_PARAMETERS = frozenset({"lang", "format"})
_FLAGS = {"true": True, "false": False, "1": True, "0": False}


def plain_parameters(query: bytes) -> dict[str, Any] | None:
    """render_document's arguments from a query string of known names, each once, unencoded, with
    flags as true/false/1/0; None for anything else (FastAPI then parses and checks it)."""
    found: dict[str, Any] = {}
    if not query:
        return found
    if b"%" in query or b"+" in query:
        return None
    for pair in query.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        if name in found or not value:
            return None
        if name in _TEXT_PARAMETERS:
            found[name] = value
        elif name in ("archive_copy", "translate", "metadata") and value in _FLAGS:
            found[name] = _FLAGS[value]
        else:
            return None
    return found
