"""The Python API integrations call; the CLI is a thin layer over it.

    import docgen
    data = docgen.render({"type": "activity_plan", "lang": "nb", ...})
    report = docgen.validate(record)
"""

from __future__ import annotations

from pathlib import Path

from .engine import render_document
from .errors import RecordError
from .models.common import Document
from .records import Record, Report, load, validate
from .templates import find_template

__all__ = ["render", "validate", "load", "Report", "render_report"]


def render(
    record: Record,
    lang: str | None = None,
    type: str | None = None,
    template: str | Path | None = None,
) -> bytes:
    """A record (dict, JSON text or model) as .docx bytes.

    `lang` overrides the record's language; `type` must match the record's own
    `type` if it has one; `template` replaces the built-in template. Raises
    RecordError (listing every issue) or TemplateError.
    """
    return render_report(validate(record, type=type, lang=lang), template)


def render_report(report: Report, template: str | Path | None = None) -> bytes:
    """Render the document of a validation report (so callers can show warnings first)."""
    if not report.ok or report.document is None:
        raise RecordError(report.errors)
    document: Document = report.document
    path = Path(template) if template is not None else find_template(document.type, document.lang)
    return render_document(document, path)
