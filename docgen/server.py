"""HTTP service for integrations: one POST with a JSON record, the document back.

A thin FastAPI layer over the same API the CLI uses. It is stateless (any
number of copies behind a load balancer), reads and parses request bodies
itself so that every error is `application/problem+json` (RFC 9457) with the
same plain-word field paths as the CLI, parses, validates and renders in a
worker thread so the event loop (and `/health`) stays responsive, and logs no
record contents. /ready and /metrics are for the orchestrator and monitoring.

Bounded against one heavy or slow client (limits in `settings.Limits`): a body
must arrive within DOCGEN_BODY_TIMEOUT (else 408) and request headers within
DOCGEN_HEADER_TIMEOUT (else the connection is closed; see serving.py); PDF
requests share DOCGEN_PDF_CONVERTERS running LibreOffice converters (at most
DOCGEN_PDF_QUEUE waiting, beyond that 503 with Retry-After). Every
response says `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`.
With an API token the interactive /docs page (which loads its script from a
CDN) is off.

Needs the optional extra: pip install 'docgen[server]'.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from . import archive, metrics, settings
from .api import Options, Pipeline, Rendered
from .doctypes import DOCTYPES, DocType
from .errors import Busy, DocgenError, InputError, Issue, RecordError, TemplateError
from .formats import FORMATS, NAMES
from .middleware import Guard, Handler, Lane
from .pool import PdfConverters
from .problems import ISSUE_SCHEMA, PROBLEM, PROBLEM_SCHEMA, SECURITY_HEADERS, Problem, problem_response
from .profile import Profile
from .records import Report
from .settings import DEFAULT_MAX_BODY, Limits
from .sources import parse_json
from .version import __version__

log = logging.getLogger("docgen.server")

@functools.cache
def cpu_threads() -> anyio.CapacityLimiter:
    """The thread that parses, validates and renders, one per worker process: the work holds the
    GIL, so more threads only add switching (measured at 16 connections: 4.2 ms of CPU per
    document with two threads, 2.8 ms with one). Scale with --workers instead."""
    return anyio.CapacityLimiter(1)


def _issues(issues: list[Issue]) -> list[dict[str, str]]:
    return [i.as_dict() for i in issues]


def create_app(
    profile: Profile | None = None,
    templates: str | Path | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    token: str | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """The application. `profile` is a loaded school profile (or None), `templates` a folder of
    the school's templates, `token` the bearer token every request but /health must carry,
    `limits` the service's bounds (default: from the environment, see `settings.limits`).
    Each request goes through a `Pipeline` with these options and the request's own."""
    base = Pipeline(Options(templates=templates, files=False), profile)  # a request never names files
    _ = base.folders, base.logo  # read once: a missing folder or a bad logo fails now, not per request
    bounds = limits if limits is not None else settings.limits()
    converters = PdfConverters(bounds.pdf_converters, bounds.pdf_queue)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        starting = asyncio.get_running_loop().run_in_executor(None, converters.start)  # /ready waits for it
        try:
            yield
        finally:
            await run_in_threadpool(converters.close)
            await asyncio.wait([starting], timeout=5)
            metrics.worker_exited(os.getpid())

    app = FastAPI(
        title="docgen",
        version=__version__,
        description="Norwegian and Danish school-environment documents from validated JSON records.",
        docs_url=None if token else "/docs",  # the page loads Swagger UI from a CDN: not with a token
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.pdf_converters = converters

    lanes: dict[str, Handler] = {}  # filled by _add_routes below
    app.add_middleware(Lane, handlers=lanes)
    app.add_middleware(Guard, token=token.encode() if token else None)  # the outer one: every request

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

    @app.get("/ready", summary="Readiness: 200 once the PDF converters are up (or PDF is not served), else 503")
    async def ready() -> JSONResponse:
        body = {"status": "ready" if converters.ready else "starting", "pdf": converters.mode,
                "converters": converters.size}
        return JSONResponse(body, status_code=200 if converters.ready else 503, headers=SECURITY_HEADERS)

    @app.get("/metrics", summary="Prometheus metrics (no personal data in any label)")
    async def metrics_text() -> Response:
        text, content_type = metrics.exposition()
        return Response(text, media_type=content_type, headers=SECURITY_HEADERS)

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

    async def read_body(request: Request) -> bytes:
        """The request body, within the size limit and the body timeout (a slow client gets 408)."""
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise Problem(415, "Unsupported Media Type", "send the record as JSON (Content-Type: application/json)")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body:
            raise Problem(413, "Content Too Large", f"the body is larger than {max_body} bytes")
        body = bytearray()
        try:
            async with asyncio.timeout(bounds.body_timeout):
                async for chunk in request.stream():
                    body.extend(chunk)
                    if len(body) > max_body:
                        raise Problem(413, "Content Too Large", f"the body is larger than {max_body} bytes")
        except TimeoutError:
            raise Problem(408, "Request Timeout", f"the body did not arrive within {bounds.body_timeout:g} s",
                          headers={"Connection": "close"}) from None
        return bytes(body)

    async def read_record(request: Request, chosen: Pipeline) -> Report:
        """The request's record, parsed and validated in a worker thread (a big body must not
        stop the event loop)."""
        body = await read_body(request)
        return await anyio.to_thread.run_sync(parse_and_check, chosen, body, limiter=cpu_threads())

    def parse_and_check(chosen: Pipeline, body: bytes) -> Report:
        try:
            data = parse_json(body, "body")
        except InputError as exc:
            raise Problem(400, "Bad Request", str(exc)) from None
        return checked(chosen, data)

    chosen_pipelines: dict[tuple[str, str | None, str, bool, bool], Pipeline] = {}  # a few hundred at most

    def pipeline(type_name: str, lang: str | None, fmt: str = "docx", archive_copy: bool = False,
                 translate: bool = False) -> Pipeline:
        key = (type_name, lang, fmt, archive_copy, translate)
        found = chosen_pipelines.get(key)
        if found is not None:
            return found
        info = _doctype(type_name)
        if lang is not None and lang not in info.languages:
            raise Problem(404, "Not Found", f"'{type_name}' is not available in '{lang}'; languages: "
                                            f"{', '.join(info.languages)}")
        if fmt not in FORMATS:
            raise Problem(400, "Bad Request", f"format must be one of {', '.join(NAMES)}")
        chosen_pipelines[key] = found = base.per_record(type=type_name, lang=lang, format=fmt,
                                                        archive_copy=archive_copy, translate=translate)
        return found

    def checked(pipeline: Pipeline, data: dict[str, Any]) -> Report:
        try:
            return pipeline.validate(data)
        except InputError as exc:
            raise Problem(422, "Unprocessable Content", str(exc)) from None

    def check_and_render(chosen: Pipeline, body: bytes) -> tuple[Report, Rendered | None]:
        """Parse, validate and render in one worker thread (one hop off the event loop, not two)."""
        report = parse_and_check(chosen, body)
        if not report.ok:
            return report, None
        started = time.perf_counter()
        rendered = chosen.document(report)
        metrics.RENDER_SECONDS.labels(chosen.options.type or "unknown").observe(time.perf_counter() - started)
        return report, rendered

    async def render(request: Request, chosen: Pipeline) -> tuple[Report, bytes, dict[str, Any]]:
        """The record, its document and the archive metadata: the .docx in a worker thread, then the
        other formats through the shared converters. The document is empty if the record has errors."""
        body = await read_body(request)
        report, rendered = await anyio.to_thread.run_sync(check_and_render, chosen, body, limiter=cpu_threads())
        if rendered is None:
            return report, b"", {}
        content = rendered.content
        if chosen.format.filter is not None:
            started = time.perf_counter()
            try:
                content = await converters.convert(content, chosen.format.name, chosen.options.pdf_timeout)
            finally:
                metrics.CONVERSION_SECONDS.labels(chosen.format.name).observe(time.perf_counter() - started)
        return report, content, rendered.metadata

    for info in DOCTYPES.values():
        lanes[info.name] = _add_routes(app, info.name, read_record, pipeline, render)

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


def _add_routes(app: FastAPI, type_name: str, read_record: Any, pipeline: Any, render: Any) -> Handler:
    """The type's two routes; returns the one that renders, for the Lane."""
    async def render_document(request: Request, lang: str | None = None, format: str = "docx",
                              archive_copy: bool = False, translate: bool = False, metadata: bool = False) -> Response:
        chosen: Pipeline = pipeline(type_name, lang, format, archive_copy, translate)
        try:
            report, content, described = await render(request, chosen)
        except RecordError as exc:
            raise Problem(422, "Unprocessable Content", "the record has errors", errors=_issues(exc.issues)) from None
        except TemplateError as exc:
            raise Problem(500, "Template Error", str(exc), kind="template") from None
        except Busy as exc:
            raise Problem(503, "Service Unavailable", str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
        except DocgenError as exc:
            raise Problem(503, "Service Unavailable", str(exc), kind="conversion") from None
        if not report.ok:
            raise Problem(422, "Unprocessable Content", "the record has errors", errors=_issues(report.errors),
                          warnings=_issues(report.warnings))
        document = report.document
        assert document is not None
        metrics.DOCUMENTS.labels(type_name, document.lang, chosen.format.name).inc()
        filename = f"{type_name}-{document.lang}-{document.document_date.isoformat()}.{chosen.format.extension}"
        headers = dict(SECURITY_HEADERS)
        if report.warnings:
            headers["X-Docgen-Warnings"] = str(len(report.warnings))
        if metadata:  # one JSON answer: the archive metadata and the file, for integrations that file both
            body = {"metadata": archive.complete(described, content, filename), "filename": filename,
                    "content_type": chosen.format.content_type, "content": base64.b64encode(content).decode("ascii")}
            return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), media_type="application/json",
                            headers=headers)
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return Response(content, media_type=chosen.format.content_type, headers=headers)

    async def validate_record(request: Request, lang: str | None = None, archive_copy: bool = False,
                              translate: bool = False) -> dict[str, Any]:
        report = await read_record(request, pipeline(type_name, lang, archive_copy=archive_copy,
                                                     translate=translate))
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
    return render_document


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
                operation["parameters"] = [
                    *shared,
                    {"name": "format", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": list(NAMES), "default": "docx"},
                     "description": "; ".join(f"{f.name}: {f.summary}" for f in FORMATS.values())},
                    {"name": "metadata", "in": "query", "required": False,
                     "schema": {"type": "boolean", "default": False},
                     "description": "Answer with JSON: the archive metadata, and the file in base64."},
                ]
                content: dict[str, Any] = {media: {"schema": {"type": "string", "format": "binary"}}
                                           for media in dict.fromkeys(f.content_type for f in FORMATS.values())}
                content["application/json"] = {"schema": {
                    "type": "object",
                    "properties": {"metadata": {"type": "object"}, "filename": {"type": "string"},
                                   "content_type": {"type": "string"},
                                   "content": {"type": "string", "contentEncoding": "base64"}},
                    "required": ["metadata", "filename", "content_type", "content"]}}
                responses["200"] = {"description": "The document (with metadata=true: JSON)", "content": content}
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
                                 ("408", "The body arrived too slowly"),
                                 ("503", "PDF converters busy (see Retry-After) or unavailable")):
                responses[status] = {"description": text, "content": problem}
    for operations in spec["paths"].values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault("401", {"description": "Missing or wrong API token",
                                                                     "content": problem})
    return spec


def app_from_env() -> FastAPI:
    """The factory `docgen serve` hands to uvicorn: every worker process builds the same
    application from the settings `serve` exported."""
    from . import logs, settings
    from .profile import load_profile

    logs.quicker()
    service = settings.service()
    return create_app(profile=load_profile(service.profile), templates=service.templates, max_body=service.max_body,
                      token=service.token)
