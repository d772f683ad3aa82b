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
from .profile import Profile, load_profile
from .templates import find_template, override_folders

__all__ = ["render", "validate", "load", "Report", "render_report"]


def render(
    record: Record,
    lang: str | None = None,
    type: str | None = None,
    template: str | Path | None = None,
    profile: Profile | str | Path | None = None,
    templates: str | Path | None = None,
    format: str = "docx",
) -> bytes:
    """A record (dict, JSON text or model) as .docx bytes, or PDF with format="pdf" / "pdfa"
    (PDF/A-2b, tagged; needs LibreOffice).

    `lang` overrides the record's language; `type` must match the record's own
    `type` if it has one. `profile` is a school profile (or the path of its
    TOML file): school facts, logo, signature, custom fields, template folder.
    `templates` is a folder of the school's templates (DIR/<lang>/<type>.docx)
    searched before the built-in ones; `template` names one file outright.
    Raises RecordError (listing every issue), TemplateError or InputError.
    """
    if profile is not None and not isinstance(profile, Profile):
        profile = load_profile(profile)
    report = validate(record, type=type, lang=lang, profile=profile)
    content = render_report(report, template, profile=profile, templates=templates)
    if format == "docx":
        return content
    from .pdf import FORMATS, convert_one

    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return convert_one(content, format)


def render_report(
    report: Report,
    template: str | Path | None = None,
    profile: Profile | None = None,
    templates: str | Path | None = None,
) -> bytes:
    """Render the document of a validation report (so callers can show warnings first)."""
    if not report.ok or report.document is None:
        raise RecordError(report.errors)
    document: Document = report.document
    if template is not None:
        path = Path(template)
    else:
        folders = override_folders(templates, profile.template_folder if profile else None)
        path = find_template(document.type, document.lang, folders)
    extras = profile.context(document.custom) if profile is not None else {}
    return render_document(document, path, extras, profile.logo_bytes() if profile else None)
