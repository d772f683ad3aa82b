"""The Python API, and the one place that composes the pipeline:

    record (JSON, dict or model) → validated model → template context → .docx → PDF/PDF-A

The CLI, batches, the HTTP service and `templates check` all go through a
`Pipeline`, so an option means the same everywhere.

    import docgen
    data = docgen.render({"type": "activity_plan", "lang": "nb", ...})
    report = docgen.validate(record)
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import archive
from .engine import Logo, context, load_template
from .errors import InputError, RecordError
from .formats import DEFAULT_TIMEOUT, FORMATS, NAMES, Format
from .models.common import Document
from .profile import Profile, load_profile
from .records import Record, Report
from .records import validate as validate_record
from .templates import find_template, override_folders

if TYPE_CHECKING:
    from .convert import ConverterPool

__all__ = ["Options", "Pipeline", "Rendered", "Result", "render", "validate", "load", "Report"]


@dataclass(frozen=True)
class Options:
    """How records become documents. The same options exist on every front end."""

    type: str | None = None  # the document type, for records that do not name one
    lang: str | None = None  # for records that name none (with translate: any record)
    profile: Path | str | None = None  # the school profile; None: $DOCGEN_PROFILE or the user's profile.toml
    templates: Path | str | None = None  # a school's template folder, searched before the built-in ones
    template: Path | str | None = None  # one template file, used outright
    format: str = "docx"
    archive_copy: bool = False  # best_interest: the copy for the pupil's file, without internal notes
    translate: bool = False  # allow `lang` to differ from the record's own language
    pdf_timeout: float = DEFAULT_TIMEOUT
    case: Path | str | None = None  # the case file for records without their own `case`
    files: bool = True  # records may name files (their case file, a plan); the HTTP service says no


_PER_RECORD = frozenset({"type", "lang", "format", "archive_copy", "translate", "pdf_timeout"})


@dataclass(frozen=True)
class Rendered:
    """A record's .docx, and the archive metadata that does not depend on the final file."""

    content: bytes
    metadata: dict[str, Any]


@dataclass
class Result:
    """What one record became: its validation report, and the document when it had no errors,
    with its archive metadata (docgen.archive; the file's name is left for the caller)."""

    report: Report
    content: bytes | None
    format: Format
    metadata: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.content is not None


class Pipeline:
    """Options resolved once: the school profile read, its logo checked, the template folders
    found. Keep one for many records (a batch, a service). Validating and rendering are safe
    from several threads at once; `convert` keeps LibreOffice processes and serves one caller.

    `profile` passes an already loaded school profile instead of `options.profile`.
    """

    def __init__(self, options: Options = Options(), profile: Profile | None = None) -> None:
        if options.format not in FORMATS:
            raise InputError(f"unknown format '{options.format}'; choose one of {', '.join(NAMES)}")
        self.options = options
        self.format = FORMATS[options.format]
        self.profile = profile if profile is not None else load_profile(options.profile)
        self._pool: ConverterPool | None = None

    def per_record(self, **changes: object) -> Pipeline:
        """This pipeline with other per-record options (type, lang, format, archive_copy,
        pdf_timeout), keeping the profile, logo and folders already read: a service's request."""
        unknown = set(changes) - _PER_RECORD
        if unknown:
            raise TypeError(f"not a per-record option: {', '.join(sorted(unknown))}")
        clone = copy.copy(self)
        clone.options = dataclasses.replace(self.options, **changes)  # type: ignore[arg-type]
        if clone.options.format not in FORMATS:
            raise InputError(f"unknown format '{clone.options.format}'; choose one of {', '.join(NAMES)}")
        clone.format = FORMATS[clone.options.format]
        clone._pool = None
        return clone

    @cached_property
    def folders(self) -> list[Path]:
        """The school's template folders, checked on first use (validation needs none)."""
        return override_folders(self.options.templates, self.profile.template_folder if self.profile else None)

    @cached_property
    def logo(self) -> Logo | None:
        """The profile's logo, read and checked on first use, then kept."""
        path = self.profile.logo_path if self.profile else None
        return _logo(path) if path else None

    def validate(self, record: Record, source: str | None = None) -> Report:
        return validate_record(record, type=self.options.type, lang=self.options.lang, source=source,
                               profile=self.profile, archive_copy=self.options.archive_copy,
                               translate=self.options.translate, case=self.options.case, files=self.options.files)

    def document(self, report: Report) -> Rendered:
        """The .docx of a record that passed validation, with its archive metadata. The file's
        properties are docgen.archive's: the public title, no name of the pupil or a guardian."""
        document = report.document
        if document is None or not report.ok:
            raise RecordError(report.issues)
        if self.options.template is not None:
            path = Path(self.options.template)
        else:
            path = find_template(document.type, document.lang, self.folders)
        extras = self.profile.context(document.custom) if self.profile is not None else None
        template = load_template(path)
        ctx = context(document, extras)
        properties = archive.file_properties(document, template.properties(ctx), self.profile)
        content = template.render(ctx, self.logo, properties=properties)
        return Rendered(content, archive.describe(document, properties, self.format, self.profile))

    def docx(self, report: Report) -> bytes:
        """The .docx of a record that passed validation."""
        return self.document(report).content

    def render_report(self, report: Report) -> bytes:
        """The document of a record that passed validation, in the format asked for
        (a cold LibreOffice start for PDF)."""
        return self._finished(report)[0]

    def render(self, record: Record, source: str | None = None) -> Result:
        """Validation and the document in the format asked for, when the record has no errors."""
        report = self.validate(record, source)
        if not report.ok:
            return Result(report, None, self.format)
        content, metadata = self._finished(report)
        return Result(report, content, self.format, metadata)

    def _finished(self, report: Report) -> tuple[bytes, dict[str, Any]]:
        rendered = self.document(report)
        content = rendered.content
        if self.format.filter is not None:
            from .convert import convert_one

            content = convert_one(content, self.format.name, self.options.pdf_timeout)
        return content, archive.complete(rendered.metadata, content)

    def convert(self, contents: Sequence[bytes], converters: int = 1) -> list[bytes | str]:
        """Many finished .docx in the format asked for, by a few LibreOffice processes that stay
        warm for the pipeline's life; a failed document gets a message instead of bytes."""
        if self.format.filter is None:
            return list(contents)
        if self._pool is None:
            from .convert import ConverterPool

            self._pool = ConverterPool(self.format.name, converters, self.options.pdf_timeout)
        return self._pool.convert(contents)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@lru_cache(maxsize=8)
def _cached_logo(path: str, mtime_ns: int, size: int) -> Logo:
    from .profile import read_logo

    return Logo.from_bytes(read_logo(Path(path)), path)


def _logo(path: Path) -> Logo:
    """The profile's logo, read and checked once per file version."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the logo ({(exc.strerror or str(exc)).lower()})") from None
    return _cached_logo(str(path), stat.st_mtime_ns, stat.st_size)


def _pipeline(profile: Profile | str | Path | None, **options: object) -> Pipeline:
    """A pipeline for one call of the module-level functions; `profile` may be loaded already."""
    if isinstance(profile, Profile):
        return Pipeline(Options(**options), profile)  # type: ignore[arg-type]
    return Pipeline(Options(profile=profile, **options))  # type: ignore[arg-type]


def render(
    record: Record,
    lang: str | None = None,
    type: str | None = None,
    template: str | Path | None = None,
    profile: Profile | str | Path | None = None,
    templates: str | Path | None = None,
    format: str = "docx",
    archive_copy: bool = False,
    translate: bool = False,
    case: str | Path | None = None,
    source: str | None = None,
) -> bytes:
    """A record (dict, JSON or YAML text, or model) as .docx bytes, or another format (needs
    LibreOffice): "pdf" (tagged), "pdfa" (PDF/A-2a), "pdfua" (PDF/A-2a declaring PDF/UA-1),
    "pdfa1" (PDF/A-1b), "odt" (OpenDocument text). For the archive metadata as well, use
    `Pipeline(Options(...)).render(record)`: its Result has `.metadata`.

    `lang` is the language for a record that names none; a record in another
    language is refused unless `translate` says its text is in `lang` already.
    `type` must match the record's own
    `type` if it has one. `profile` is a school profile (or the path of its
    TOML file); without one, $DOCGEN_PROFILE or the user's profile.toml is used
    when there is one, as on the command line. `templates` is a folder of the
    school's templates (DIR/<lang>/<type>.docx) searched before the built-in
    ones; `template` names one file outright. `archive_copy` renders the
    best-interest assessment without its internal notes. `case` is the case file for a record
    without its own case; `source` the record's file name (files the record names, like its
    case file, are relative to it; errors name it).
    Raises RecordError (listing every issue), TemplateError, InputError or ConversionError.
    """
    pipeline = _pipeline(profile, type=type, lang=lang, template=template, templates=templates, format=format,
                         archive_copy=archive_copy, translate=translate, case=case)
    result = pipeline.render(record, source)
    if result.content is None:
        raise RecordError(result.report.issues)
    return result.content


def validate(
    record: Record,
    type: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    profile: Profile | str | Path | None = None,
    archive_copy: bool = False,
    translate: bool = False,
    case: str | Path | None = None,
) -> Report:
    """Every error and warning of a record, by field path; the same checks as render()."""
    return _pipeline(profile, type=type, lang=lang, archive_copy=archive_copy, translate=translate,
                     case=case).validate(record, source)


def load(
    record: Record,
    type: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    profile: Profile | str | Path | None = None,
    translate: bool = False,
    case: str | Path | None = None,
) -> Document:
    """The validated model of a record (docgen.models.ActivityPlan, …), or RecordError listing every problem."""
    report = validate(record, type=type, lang=lang, source=source, profile=profile, translate=translate, case=case)
    if report.document is None or not report.ok:
        raise RecordError(report.issues, source)
    return report.document
