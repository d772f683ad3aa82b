"""The Python API integrations call; the CLI is a thin layer over it.

    import docgen
    data = docgen.render({"type": "activity_plan", "lang": "nb", ...})
    report = docgen.validate(record)
"""

from __future__ import annotations

from pathlib import Path

from .errors import RecordError
from .models.common import Document
from .records import Record, Report, load, validate
from .engine import render_document
from .templates import find_template

__all__ = ["render", "validate", "load", "Report"]


def render(
    record: Record,
    lang: str | None = None,
    type: str | None = None,
    template: str | Path | None = None,
) -> bytes:
    """A record (dict, JSON text or model) as .docx bytes.

    `lang` overrides the record's language; `type` must match the record's own
    `type` if it has one; `template` replaces the built-in template. Raises
    RecordError (with every issue) or TemplateError.
    """
    document = load(record, type=type, lang=lang)
    return render_validated(document, template)


def render_validated(document: Document, template: str | Path | None = None) -> bytes:
    """Render a model that already passed `load`, without validating twice."""
    report_errors = [i for i in document.rules() if i.severity == "error"]
    if report_errors:
        raise RecordError(report_errors)
    path = Path(template) if template is not None else find_template(document.type, document.lang)
    return render_document(document, path)
