"""HTTP service for integrations: one POST with a JSON record, the document back.

A thin FastAPI layer over the same API the CLI uses. It is stateless (any
number of copies behind a load balancer), reads and parses request bodies
itself so that every error is `application/problem+json` (RFC 9457) with the
same plain-word field paths as the CLI, renders in worker threads so the event
loop (and `/health`) stays responsive, and logs no record contents.

Needs the optional extra: pip install 'docgen[server]'.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from .api import Options, Pipeline
from .doctypes import DOCTYPES, DocType
from .errors import DocgenError, InputError, Issue, RecordError, TemplateError
from .formats import FORMATS, NAMES
from .profile import Profile
from .records import Report, parse_json
from .settings import DEFAULT_MAX_BODY
from .version import __version__

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


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(problem: Problem) -> JSONResponse:
    body = {"type": "about:blank", "title": problem.title, "status": problem.status, **problem.extra}
    if problem.detail:
        body["detail"] = problem.detail
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM, headers=headers)


def _issues(issues: list[Issue]) -> list[dict[str, str]]:
    return [i.as_dict() for i in issues]


def create_app(
    profile: Profile | None = None,
    templates: str | Path | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    token: str | None = None,
) -> FastAPI:
    """The application. `profile` is a loaded school profile (or None), `templates` a folder of
    the school's templates, `token` the bearer token every request but /health must carry.
    Each request goes through a `Pipeline` with these options and the request's own."""
    base = Pipeline(Options(templates=templates, files=False), profile)  # a request never names files
    _ = base.folders, base.logo  # read once: a missing folder or a bad logo fails now, not per request
    app = FastAPI(
        title="docgen",
        version=__version__,
        description="Norwegian and Danish school-environment documents from validated JSON records.",
        docs_url="/docs",
        redoc_url=None,
    )
    token_bytes = token.encode() if token else None

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        try:
            if token_bytes is not None and request.url.path != "/health":
                given = request.headers.get("authorization", "")
                scheme, _, value = given.partition(" ")
                if scheme.lower() != "bearer" or not hmac.compare_digest(value.encode(), token_bytes):
                    raise Problem(401, "Unauthorized", "send the API token as 'Authorization: Bearer TOKEN'")
            return await call_next(request)
        except Problem as problem:
            return problem_response(problem)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, problem: Problem) -> JSONResponse:
        return problem_response(problem)

    @app.exception_handler(404)
    async def on_not_found(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(Problem(404, "Not Found", "no such endpoint"))

    @app.exception_handler(405)
    async def on_method(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(Problem(405, "Method Not Allowed"))

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        # Never echo the exception: it could hold record contents.
        return problem_response(Problem(500, "Internal Server Error", f"unexpected {type(exc).__name__}"))

    @app.get("/health", summary="Liveness: answers at once, even while documents render")
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/document-types", summary="Document types, their languages, and links to their schemas")
    async def document_types(request: Request) -> dict[str, Any]:
        return {
            "document_types": [
                {
                    "type": info.name,
                    "summary": info.summary,
                    "languages": list(info.languages),
                    "titles": info.titles,
                    "schema": str(request.url_for("record_schema", type_name=info.name)),
                    "render": str(request.url_for(f"render_{info.name}")),
                    "validate": str(request.url_for(f"validate_{info.name}")),
                }
                for info in DOCTYPES.values()
            ]
        }

    @app.get("/schemas/{type_name}", name="record_schema", summary="The JSON Schema of a record type")
    async def record_schema(type_name: str) -> dict[str, Any]:
        from .schema import json_schema

        _doctype(type_name)
        return json_schema(type_name)

    async def read_record(request: Request) -> dict[str, Any]:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise Problem(415, "Unsupported Media Type", "send the record as JSON (Content-Type: application/json)")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body:
            raise Problem(413, "Content Too Large", f"the body is larger than {max_body} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body:
                raise Problem(413, "Content Too Large", f"the body is larger than {max_body} bytes")
        try:
            return parse_json(bytes(body), "body")
        except InputError as exc:
            raise Problem(400, "Bad Request", str(exc)) from None

    def pipeline(type_name: str, lang: str | None, fmt: str = "docx", archive_copy: bool = False,
                 translate: bool = False) -> Pipeline:
        info = _doctype(type_name)
        if lang is not None and lang not in info.languages:
            raise Problem(404, "Not Found", f"'{type_name}' is not available in '{lang}'; languages: "
                                            f"{', '.join(info.languages)}")
        if fmt not in FORMATS:
            raise Problem(400, "Bad Request", f"format must be one of {', '.join(NAMES)}")
        return base.per_record(type=type_name, lang=lang, format=fmt, archive_copy=archive_copy, translate=translate)

    def checked(pipeline: Pipeline, data: dict[str, Any]) -> Report:
        try:
            return pipeline.validate(data)
        except InputError as exc:
            raise Problem(422, "Unprocessable Content", str(exc)) from None

    for info in DOCTYPES.values():
        _add_routes(app, info.name, read_record, pipeline, checked)

    @app.api_route("/documents/{type_name}", methods=["POST"], include_in_schema=False)
    @app.api_route("/validate/{type_name}", methods=["POST"], include_in_schema=False)
    async def unknown_type(type_name: str) -> Response:
        _doctype(type_name)  # a known type matched its own route first
        raise Problem(404, "Not Found")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _doctype(type_name: str) -> DocType:
    info = DOCTYPES.get(type_name)
    if info is None:
        raise Problem(404, "Not Found", f"unknown document type '{type_name}'; known: {', '.join(DOCTYPES)}")
    return info


def _add_routes(app: FastAPI, type_name: str, read_record: Any, pipeline: Any, checked: Any) -> None:
    async def render_document(request: Request, lang: str | None = None, format: str = "docx",
                              archive_copy: bool = False, translate: bool = False) -> Response:
        chosen: Pipeline = pipeline(type_name, lang, format, archive_copy, translate)
        report = checked(chosen, await read_record(request))
        if not report.ok:
            raise Problem(422, "Unprocessable Content", "the record has errors", errors=_issues(report.errors),
                          warnings=_issues(report.warnings))
        try:
            content = await run_in_threadpool(chosen.render_report, report)
        except RecordError as exc:
            raise Problem(422, "Unprocessable Content", "the record has errors", errors=_issues(exc.issues)) from None
        except TemplateError as exc:
            raise Problem(500, "Template Error", str(exc)) from None
        except DocgenError as exc:
            raise Problem(503, "Service Unavailable", str(exc)) from None
        document = report.document
        assert document is not None
        filename = f"{type_name}-{document.lang}-{document.document_date.isoformat()}.{chosen.format.extension}"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        if report.warnings:
            headers["X-Docgen-Warnings"] = str(len(report.warnings))
        return Response(content, media_type=chosen.format.content_type, headers=headers)

    async def validate_record(request: Request, lang: str | None = None, archive_copy: bool = False,
                              translate: bool = False) -> dict[str, Any]:
        report = checked(pipeline(type_name, lang, archive_copy=archive_copy, translate=translate),
                         await read_record(request))
        return {"ok": report.ok, "errors": _issues(report.errors), "warnings": _issues(report.warnings)}

    app.add_api_route(
        f"/documents/{type_name}", render_document, methods=["POST"], name=f"render_{type_name}",
        summary=f"Render a {type_name} record into a document",
        response_class=Response, openapi_extra={"x-docgen-type": type_name},
    )
    app.add_api_route(
        f"/validate/{type_name}", validate_record, methods=["POST"], name=f"validate_{type_name}",
        summary=f"Validate a {type_name} record: errors and warnings by field path",
        openapi_extra={"x-docgen-type": type_name},
    )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with each record's JSON Schema as the request body of its routes."""
    from .doctypes import doctype

    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["Issue"] = ISSUE_SCHEMA
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            type_name = operation.pop("x-docgen-type", None)
            if type_name is None:
                continue
            model = doctype(type_name).model
            schema = model.model_json_schema(mode="validation", ref_template="#/components/schemas/{model}")
            components.update(schema.pop("$defs", {}))
            components[model.__name__] = schema
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
            }
            responses = operation["responses"] = {}
            shared = [
                {"name": "lang", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(doctype(type_name).languages)},
                 "description": "Language for a record that names none (with translate: any record)."},
                {"name": "archive_copy", "in": "query", "required": False,
                 "schema": {"type": "boolean", "default": False},
                 "description": "best_interest: the copy for the pupil's file, without internal notes."},
                {"name": "translate", "in": "query", "required": False,
                 "schema": {"type": "boolean", "default": False},
                 "description": "Allow lang to differ from the record's own language."},
            ]
            if path.startswith("/documents/"):
                operation["parameters"] = [*shared, {"name": "format", "in": "query", "required": False,
                                                     "schema": {"type": "string", "enum": list(NAMES),
                                                                "default": "docx"}}]
                responses["200"] = {
                    "description": "The document",
                    "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                for media in dict.fromkeys(f.content_type for f in FORMATS.values())},
                }
            else:
                operation["parameters"] = shared
                responses["200"] = {"description": "Errors and warnings", "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"ok": {"type": "boolean"},
                                   "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Issue"}},
                                   "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Issue"}}},
                    "required": ["ok", "errors", "warnings"]}}}}
            for status, text in (("400", "Malformed JSON"), ("401", "Missing or wrong API token"),
                                 ("404", "Unknown type or language"), ("413", "Body too large"),
                                 ("415", "Body is not JSON"), ("422", "The record has errors"),
                                 ("503", "PDF converter unavailable")):
                responses[status] = {"description": text, "content": problem}
    for operations in spec["paths"].values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault("401", {"description": "Missing or wrong API token",
                                                                     "content": problem})
    return spec


def app_from_env() -> FastAPI:
    """The factory `docgen serve` hands to uvicorn: every worker process builds the same
    application from the settings `serve` exported."""
    from . import settings
    from .profile import load_profile

    service = settings.service()
    return create_app(profile=load_profile(service.profile), templates=service.templates, max_body=service.max_body,
                      token=service.token)


def run(host: str, port: int, workers: int, max_body: int, profile: Path | None, templates: Path | None) -> None:
    """Serve until stopped. Options reach uvicorn's worker processes through the environment."""
    import uvicorn

    from . import settings
    from .profile import load_profile

    create_app(load_profile(profile), templates, max_body)  # a broken profile or folder fails now, not in each worker
    settings.export_service(profile, templates, max_body)
    uvicorn.run("docgen.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=True, server_header=False)
