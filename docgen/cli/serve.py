"""`docgen serve`: the HTTP service, for integrations."""

from __future__ import annotations

from pathlib import Path

import click

from ..settings import DEFAULT_MAX_BODY
from . import EPILOG, cli, profile_option, templates_option


@cli.command(epilog=EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1), help="Server processes.")
@click.option("--max-body", default=DEFAULT_MAX_BODY, show_default=True, type=click.IntRange(min=1024),
              help="Largest request body, in bytes; larger gets 413.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Log lines as text or as one JSON object each (default: $DOCGEN_LOG_FORMAT, else text).")
@templates_option
@profile_option
def serve(host: str, port: int, workers: int, max_body: int, log_format: str | None, templates_dir: Path | None,
          profile_path: Path | None) -> None:
    """Serve documents over HTTP for integrations (needs: pip install 'docgen[server]').

    \b
      POST /documents/{type}?lang=nb&format=docx|pdf|pdfa&archive_copy=false   the record as JSON -> the file
      POST /validate/{type}?lang=nb&archive_copy=false   -> errors and warnings by field path
      GET  /document-types, /schemas/{type}, /openapi.json, /docs
      GET  /health (liveness), /ready (converters up), /metrics (Prometheus)

    Each worker keeps DOCGEN_PDF_CONVERTERS LibreOffice converters running
    (default 1; needs python3-uno, else LibreOffice starts per document).
    SIGTERM stops accepting, lets requests in flight finish (up to
    DOCGEN_SHUTDOWN_TIMEOUT s, default 20), then stops the converters.
    With DOCGEN_API_TOKEN set, every request but /health and /ready needs
    'Authorization: Bearer TOKEN'. Errors are application/problem+json.
    Record contents are never logged.
    """
    try:
        from ..serving import run
    except ImportError:
        from ..errors import ExtraMissing

        raise ExtraMissing("the HTTP service needs its extra: pip install 'docgen[server]'") from None
    click.echo(f"docgen: serving on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''})", err=True)
    run(host, port, workers, max_body, profile_path, templates_dir, log_format)
