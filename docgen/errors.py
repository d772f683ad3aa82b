"""The one error hierarchy. Every message is written for the person at the keyboard.

Messages never contain record contents: only field paths, template locations
and a short reason, because records describe children.
"""

from __future__ import annotations

from dataclasses import dataclass


class DocgenError(Exception):
    """Base class: anything the CLI reports as one clear message with exit code 1."""


@dataclass(frozen=True)
class Issue:
    """One finding about a record: where (a field path) and what is wrong."""

    path: str
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputError(DocgenError):
    """The input could not be read: missing file, not JSON, not an object."""


class RecordError(DocgenError):
    """The record failed validation; carries every issue, not just the first."""

    def __init__(self, issues: list[Issue], source: str | None = None) -> None:
        self.issues = [i for i in issues if i.severity == "error"]
        self.source = source
        lines = [f"  {issue}" for issue in self.issues]
        where = f"{source}: " if source else ""
        count = len(self.issues)
        head = f"{where}the record has {count} error{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *lines]))


class TemplateError(DocgenError):
    """A template is broken, hostile or cannot be rendered with this record."""

    def __init__(self, message: str, template: str | None = None, where: str | None = None) -> None:
        self.template = template
        self.where = where
        parts = [p for p in (template, where) if p]
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class OutputError(DocgenError):
    """The result could not be written where it was asked to go."""
