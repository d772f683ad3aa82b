"""The service's Prometheus metrics, served at /metrics.

Labels come from closed sets only — document type, language, format, error
kind — never from a record, so no pupil's data reaches a monitoring system.
With several worker processes (`docgen serve --workers N`) each writes its
samples into $PROMETHEUS_MULTIPROC_DIR (set by `serve`), and /metrics adds
them up, whichever worker answers (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from . import settings

ERROR_KINDS = ("bad_request", "unauthorized", "not_found", "too_large", "timeout", "unsupported_media_type",
               "invalid_record", "template", "conversion", "busy", "internal")

DOCUMENTS = Counter("docgen_documents", "Documents rendered", ["type", "lang", "format"])
ERRORS = Counter("docgen_errors", "Requests answered with an error, by kind", ["kind"])
RENDER_SECONDS = Histogram("docgen_render_seconds", "Validating and rendering one .docx", ["type"],
                           buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
CONVERSION_SECONDS = Histogram("docgen_conversion_seconds", "LibreOffice conversion of one document, waiting included",
                               ["format"], buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30, 120))
CONVERTERS = Gauge("docgen_converters", "LibreOffice converters running", multiprocess_mode="livesum")
CONVERTER_SLOTS = Gauge("docgen_converter_slots", "LibreOffice converters configured", multiprocess_mode="livesum")
QUEUE = Gauge("docgen_conversion_queue", "Conversions waiting for a converter", multiprocess_mode="livesum")
CONVERTER_RESTARTS = Counter("docgen_converter_restarts", "LibreOffice converters restarted after a crash or hang")

STATUS_KINDS = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "not_found", 408: "timeout",
                413: "too_large", 415: "unsupported_media_type", 422: "invalid_record", 503: "busy"}


def exposition() -> tuple[bytes, str]:
    """The metrics text and its content type; summed over the worker processes when there are several."""
    if settings.metrics_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Drop a finished worker's live gauges (multiprocess mode only)."""
    if settings.metrics_dir():
        multiprocess.mark_process_dead(pid)
