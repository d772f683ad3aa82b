"""Configuration from the environment and the user's folders: the only module that reads them.

    DOCGEN_PROFILE     the school profile (TOML); else <config>/docgen/profile.toml if it exists
    DOCGEN_TEMPLATES   school template folders, separated by ':' (os.pathsep)
    DOCGEN_CACHE_DIR   where compiled templates are kept; empty turns the cache off
    DOCGEN_SOFFICE     LibreOffice's soffice program, when it is not on PATH
    DOCGEN_UNO_PYTHON  a Python that can `import uno` (the service's resident LibreOffice);
                       default: LibreOffice's own program/python, else /usr/bin/python3;
                       'none': start LibreOffice for each document instead
    DOCGEN_API_TOKEN   the bearer token the HTTP service requires
    DOCGEN_MESSAGES    the language of messages (nb, nn, da, or en for English), whatever the record's

The HTTP service's limits (per worker process; whole numbers, seconds may have decimals):

    DOCGEN_PDF_CONVERTERS   LibreOffice conversions running at once (default 1)
    DOCGEN_PDF_QUEUE        PDF requests waiting for a converter; beyond: 503 with Retry-After (default 8)
    DOCGEN_BODY_TIMEOUT     seconds a client may take to send a request body; then 408 (default 30)
    DOCGEN_HEADER_TIMEOUT   seconds a client may take to send a request's headers; then the
                            connection is closed (default 10)
    DOCGEN_MAX_CONNECTIONS  open connections and requests at once; beyond: 503 (default 100)
    DOCGEN_SHUTDOWN_TIMEOUT seconds requests in flight may take to finish after SIGTERM (default 20)
    DOCGEN_LOG_FORMAT       text (default) or json: one JSON object per log line, access lines included

The HTTP service's worker processes get their options through the
environment too (DOCGEN_SERVE_*), written by `export_service` below.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROFILE = "DOCGEN_PROFILE"
TEMPLATES = "DOCGEN_TEMPLATES"
CACHE_DIR = "DOCGEN_CACHE_DIR"
SOFFICE = "DOCGEN_SOFFICE"
UNO_PYTHON = "DOCGEN_UNO_PYTHON"
LOG_FORMAT = "DOCGEN_LOG_FORMAT"
API_TOKEN = "DOCGEN_API_TOKEN"
MESSAGES = "DOCGEN_MESSAGES"
PDF_CONVERTERS = "DOCGEN_PDF_CONVERTERS"
PDF_QUEUE = "DOCGEN_PDF_QUEUE"
BODY_TIMEOUT = "DOCGEN_BODY_TIMEOUT"
HEADER_TIMEOUT = "DOCGEN_HEADER_TIMEOUT"
MAX_CONNECTIONS = "DOCGEN_MAX_CONNECTIONS"
SHUTDOWN_TIMEOUT = "DOCGEN_SHUTDOWN_TIMEOUT"
_SERVE_TEMPLATES = "DOCGEN_SERVE_TEMPLATES"
_SERVE_MAX_BODY = "DOCGEN_SERVE_MAX_BODY"

DEFAULT_MAX_BODY = 1024 * 1024


def profile_path() -> Path | None:
    """$DOCGEN_PROFILE, else the user's profile.toml if there is one."""
    configured = os.environ.get(PROFILE)
    if configured:
        return Path(configured)
    from platformdirs import user_config_path

    path = user_config_path("docgen") / "profile.toml"
    return path if path.is_file() else None


def template_folders() -> list[Path]:
    """The folders named in $DOCGEN_TEMPLATES, in order."""
    return [Path(p) for p in os.environ.get(TEMPLATES, "").split(os.pathsep) if p]


def cache_dir() -> Path | None:
    """Where compiled templates are kept; None when the cache is turned off."""
    configured = os.environ.get(CACHE_DIR)
    if configured is not None:
        return Path(configured) if configured else None
    from platformdirs import user_cache_path

    return user_cache_path("docgen")


def messages_language() -> str | None:
    """The language every message is shown in, when the user chose one ('en': untranslated)."""
    return os.environ.get(MESSAGES) or None


def soffice() -> str | None:
    """The soffice program named in $DOCGEN_SOFFICE, if any."""
    return os.environ.get(SOFFICE) or None


def uno_python() -> str | None:
    """The Python named in $DOCGEN_UNO_PYTHON, if any."""
    return os.environ.get(UNO_PYTHON) or None


def log_format() -> str:
    """'json' or 'text', from $DOCGEN_LOG_FORMAT."""
    return "json" if os.environ.get(LOG_FORMAT, "").strip().lower() == "json" else "text"


@dataclass(frozen=True)
class Limits:
    """The HTTP service's bounds, per worker process."""

    pdf_converters: int = 1
    pdf_queue: int = 8
    body_timeout: float = 30.0
    header_timeout: float = 10.0
    max_connections: int = 100
    keep_alive: float = 5.0
    shutdown_timeout: float = 20.0


def _number(name: str, default: float, least: float) -> float:
    """A positive number from the environment; a missing, malformed or too small value gives the default
    (or the least allowed)."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    if value != value or value in (float("inf"), float("-inf")):
        return default
    return max(least, value)


def limits() -> Limits:
    """The HTTP service's limits from $DOCGEN_PDF_CONVERTERS, $DOCGEN_PDF_QUEUE, $DOCGEN_BODY_TIMEOUT,
    $DOCGEN_HEADER_TIMEOUT and $DOCGEN_MAX_CONNECTIONS."""
    base = Limits()
    return Limits(
        pdf_converters=int(_number(PDF_CONVERTERS, base.pdf_converters, 1)),
        pdf_queue=int(_number(PDF_QUEUE, base.pdf_queue, 0)),
        body_timeout=_number(BODY_TIMEOUT, base.body_timeout, 0.01),
        header_timeout=_number(HEADER_TIMEOUT, base.header_timeout, 0.01),
        max_connections=int(_number(MAX_CONNECTIONS, base.max_connections, 1)),
        shutdown_timeout=_number(SHUTDOWN_TIMEOUT, base.shutdown_timeout, 0),
    )


@dataclass(frozen=True)
class Service:
    """What every worker process of the HTTP service needs to build the same application."""

    profile: Path | None
    templates: Path | None
    max_body: int
    token: str | None


def service() -> Service:
    max_body = os.environ.get(_SERVE_MAX_BODY, "")
    templates = os.environ.get(_SERVE_TEMPLATES)
    return Service(
        profile=profile_path(),
        templates=Path(templates) if templates else None,
        max_body=int(max_body) if max_body.isdigit() else DEFAULT_MAX_BODY,
        token=os.environ.get(API_TOKEN) or None,
    )


def export_service(profile: Path | None, templates: Path | None, max_body: int) -> None:
    """Hand the service's options to the worker processes uvicorn starts (they read `service()`)."""
    if profile is not None:
        os.environ[PROFILE] = str(profile.resolve())
    if templates is not None:
        os.environ[_SERVE_TEMPLATES] = str(templates.resolve())
    os.environ[_SERVE_MAX_BODY] = str(max_body)


METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own name; it reads it at import


def metrics_dir() -> str | None:
    """Where the service's worker processes share their metrics (set by `serve` for --workers N)."""
    return os.environ.get(METRICS_DIR) or None


def export_metrics_dir(folder: str) -> None:
    """Hand the worker processes the folder they share metrics in (before any imports prometheus_client)."""
    os.environ[METRICS_DIR] = folder
