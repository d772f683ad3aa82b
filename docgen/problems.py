"""What the HTTP service answers when a request fails: RFC 9457 problem details
(`application/problem+json`), with record problems by field path, and the headers every
response carries."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from . import metrics

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` lists record problems by field path.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Issue"}},
        "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Issue"}},
    },
    "required": ["title", "status"],
}
ISSUE_SCHEMA = {
    "type": "object",
    "properties": {"path": {"type": "string"}, "message": {"type": "string"},
                   "severity": {"type": "string", "enum": ["error", "warning"]}},
    "required": ["path", "message", "severity"],
}


# On every response: nothing is cached on the way (documents hold pupils' data), nothing sniffed.
SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None,
                 kind: str | None = None, **extra: Any) -> None:
        self.status, self.title, self.detail, self.extra = status, title, detail, extra
        self.headers = headers or {}
        self.kind = kind or metrics.STATUS_KINDS.get(status, "internal")  # the metrics' error label


def problem_response(problem: Problem) -> JSONResponse:
    metrics.ERRORS.labels(problem.kind).inc()
    body = {"type": "about:blank", "title": problem.title, "status": problem.status, **problem.extra}
    if problem.detail:
        body["detail"] = problem.detail
    headers = {**SECURITY_HEADERS, **problem.headers}
    if problem.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM, headers=headers)
