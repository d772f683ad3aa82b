"""The one error tree, and the one kind of finding. Every message is written for the person at the keyboard.

Messages never contain record contents: only field paths, template locations
and a short reason, because records describe children.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One finding: where (a record's field path, or a place in a template) and what is wrong.

    The same type serves `validate`, `templates check`, batch reports and the
    HTTP problem documents.
    """

    path: str
    message: str
    severity: Severity = "error"
    line: int | None = None  # the line in a YAML record or case file
    file: str | None = None  # the file the value came from, when not the record's own (a case file)

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.place, self.path) if p)
        return f"{where}: {self.message}" if where else self.message

    @property
    def place(self) -> str:
        """'sak.yaml line 7', 'line 42' or '' — the file is named when it is not the record's own."""
        line = f"line {self.line}" if self.line is not None else ""
        return " ".join(p for p in (self.file, line) if p)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "message": self.message, "severity": self.severity}
        if self.line is not None:
            out["line"] = self.line
        if self.file is not None:
            out["file"] = self.file
        return out


class DocgenError(Exception):
    """Base class: anything the CLI reports as one clear message with exit code 1."""


class InputError(DocgenError):
    """The input could not be read: missing file, not JSON, not an object, an unknown type."""


class RecordError(DocgenError):
    """The record failed validation; carries every error (and the warnings), not just the first."""

    def __init__(self, issues: Iterable[Issue], source: str | None = None) -> None:
        issues = list(issues)
        self.issues = [i for i in issues if i.severity == "error"]
        self.warnings = [i for i in issues if i.severity == "warning"]
        self.source = source
        where = f"{source}: " if source else ""
        count = len(self.issues)
        head = f"{where}the record has {count} error{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  {issue}" for issue in self.issues)]))


class TemplateError(DocgenError):
    """A template is broken, hostile or cannot be rendered with this record."""

    def __init__(self, message: str, template: str | None = None, where: str | None = None) -> None:
        self.template = template
        self.where = where
        self.reason = message
        prefix = ", ".join(p for p in (template, where) if p)
        super().__init__(f"{prefix}: {message}" if prefix else message)

    def issue(self) -> Issue:
        """The finding without the file name (the caller names the file)."""
        return Issue(self.where or "", self.reason)


class OutputError(DocgenError):
    """The result could not be written where it was asked to go."""


class ExtraMissing(DocgenError):
    """An optional part of docgen is not installed (the HTTP service's `docgen[server]`)."""


class ConversionError(DocgenError):
    """LibreOffice could not turn the document into the format asked for."""


class Busy(ConversionError):
    """Every converter is taken and the queue in front of them is full (or the service is stopping):
    the same request may succeed `retry_after` seconds later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConverterMissing(ConversionError):
    """A format that needs LibreOffice was asked for, but there is no LibreOffice to make it."""
