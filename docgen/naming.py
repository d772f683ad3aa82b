"""File names from records: safe on every file system, never two records onto one file."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

from .errors import InputError

DEFAULT_PATTERN = "{type}-{name}-{document_date}"
MAX_NAME_BYTES = 200
_MAX_SPEC = 40  # a format in a name pattern: '%Y-%m', '03d'
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^{}]*))?\}")


def safe_name(text: str) -> str:
    """A file name every file system accepts; Danish and Norwegian letters kept."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"\s+", " ", text).strip(" .-")
    encoded = text.encode("utf-8")[:MAX_NAME_BYTES]
    text = encoded.decode("utf-8", errors="ignore").rstrip(" .-")
    if not text:
        text = "document"
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    return text


def name_fields(record: dict[str, Any], n: int, line: int | None, source: str) -> dict[str, Any]:
    """What a name pattern may use: the record's own keys, plus shortcuts. `source` is where the
    record came from ("cases.jsonl:12", "folder/x.json"); `n` its position in the input."""
    def group(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    case = group(record.get("case"))
    pupil = group(case.get("pupil"))
    school = group(record.get("school"))
    return {
        **record,
        "n": n,
        "line": line or n,
        "source": Path(source.rsplit(":", 1)[0] if line else source).stem,
        "pupil": pupil,
        "reference": case.get("reference"),
        "name": pupil.get("name") or school.get("name") or "",
    }


def format_name(pattern: str, fields: dict[str, Any]) -> str:
    """'{type}-{pupil.name}-{document_date}' filled in; a field that is absent gives ''."""

    def value(m: re.Match[str]) -> str:
        current: Any = fields
        for part in m.group(1).split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if current is None or isinstance(current, (dict, list)):
            return ""
        spec = m.group(2)
        if not spec:
            return str(current)
        if "%" in spec:  # a date's format, e.g. {document_date:%Y}
            day = _as_date(current)
            if day is None:
                raise InputError(f"name pattern: the field {m.group(1)} is formatted as a date, but it is not "
                                 "a date in this record")
            return day.strftime(spec)
        try:
            return format(current, spec)
        except (ValueError, TypeError):
            raise InputError(f"name pattern: the format '{spec}' does not fit the field {m.group(1)} "
                             "in this record") from None

    return safe_name(_FIELD.sub(value, pattern))


def _as_date(value: Any) -> dt.date | None:
    """A date (or date and time) as the record has it: a date object, or ISO text."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?", value):
        try:
            return dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def check_pattern(pattern: str) -> None:
    leftover = _FIELD.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        raise InputError(
            f"name pattern {pattern!r}: fields are written {{field}} or {{field.sub}}, e.g. {DEFAULT_PATTERN}"
        )
    if not _FIELD.search(pattern):
        raise InputError(f"name pattern {pattern!r} has no fields, so every record would get the same name")
    for m in _FIELD.finditer(pattern):
        spec = m.group(2) or ""
        if len(spec) > _MAX_SPEC or re.search(r"\d{4}", spec):
            raise InputError(f"name pattern {pattern!r}: the format ':{spec}' is too long or too wide "
                             f"for a file name")
        if "%" in spec:
            try:
                dt.date(2026, 1, 1).strftime(spec)
            except ValueError:
                raise InputError(f"name pattern {pattern!r}: ':{spec}' is not a date format "
                                 "(e.g. {document_date:%Y-%m})") from None
        elif spec:
            try:
                format("x", spec)
            except ValueError:
                try:
                    format(1, spec)
                except ValueError:
                    raise InputError(f"name pattern {pattern!r}: ':{spec}' is not a format "
                                     "(e.g. {n:03d} or {document_date:%Y})") from None


def unique(name: str, taken: set[str], extension: str = "docx") -> str:
    """'x.docx', then 'x-2.docx', 'x-3.docx'… never two records onto one file."""
    candidate, k = f"{name}.{extension}", 1
    while candidate.casefold() in taken:
        k += 1
        candidate = f"{name}-{k}.{extension}"
    taken.add(candidate.casefold())
    return candidate
