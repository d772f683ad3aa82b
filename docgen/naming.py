"""File names from records: safe on every file system, never two records onto one file."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any, Protocol

from .errors import InputError, OutputError

DEFAULT_PATTERN = "{type}-{name}-{document_date}"
# With --shard and no --name: the default with the record's position in front. Shards cannot see
# each other's names, so only the position keeps them apart; a single run gives the same names with
# --shard 1/1 (or --name SHARD_PATTERN).
SHARD_PATTERN = "{n}-" + DEFAULT_PATTERN
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
        current = field_value(fields, m.group(1))
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


def uses_position(pattern: str) -> bool:
    """Whether the pattern holds {n} (the record's position in the input, with any format)."""
    return any(m.group(1) == "n" for m in _FIELD.finditer(pattern))


def field_value(fields: dict[str, Any], path: str) -> Any:
    """The value at a dotted path ('case.reference') in the fields; None when absent."""
    current: Any = fields
    for part in path.split("."):
        current = current.get(part) if isinstance(current, dict) else None
    return current


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


class Names(Protocol):
    """The case-folded names given so far: a set, or a NameSet."""

    def __contains__(self, name: object, /) -> bool: ...

    def add(self, name: str, /) -> None: ...


class NameSet:
    """The names given in a run, for `unique`, in a flat amount of memory: the first `memory`
    names in a set, then all of them in a private temporary SQLite database on disk (deleted when
    closed, or when the process dies), so 50,000 or 5 million names cost the same few MB."""

    def __init__(self, memory: int = 4096) -> None:
        self._memory: set[str] | None = set()
        self._limit = memory
        self._db: sqlite3.Connection | None = None
        self._count = 0

    def __contains__(self, name: object) -> bool:
        if self._memory is not None:
            return name in self._memory
        assert self._db is not None
        try:
            return self._db.execute("SELECT 1 FROM names WHERE name = ?", (name,)).fetchone() is not None
        except sqlite3.Error as exc:
            raise _failed(exc) from None

    def add(self, name: str) -> None:
        if self._memory is not None:
            if name in self._memory:
                return
            self._memory.add(name)
            self._count += 1
            if len(self._memory) > self._limit:
                self._spill()
            return
        assert self._db is not None
        try:
            self._count += self._db.execute("INSERT OR IGNORE INTO names VALUES (?)", (name,)).rowcount
        except sqlite3.Error as exc:
            raise _failed(exc) from None

    def __len__(self) -> int:
        return self._count

    def _spill(self) -> None:
        # '' opens a private temporary database: a file in the temp folder, unlinked at once by
        # SQLite. Nothing needs to survive a crash, so no journal and no fsync; the connection
        # stays in one open transaction (its reads see its own writes) and is never committed.
        try:
            db = sqlite3.connect("", isolation_level=None)
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("PRAGMA cache_size=-1024")  # at most 1 MB of pages in memory
            db.execute("CREATE TABLE names (name TEXT PRIMARY KEY) WITHOUT ROWID")
            db.execute("BEGIN")
            db.executemany("INSERT INTO names VALUES (?)", ((name,) for name in self._memory or ()))
        except sqlite3.Error as exc:
            raise _failed(exc) from None
        self._db, self._memory = db, None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._memory = set()
        self._count = 0

    def __enter__(self) -> NameSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _failed(exc: sqlite3.Error) -> OutputError:
    import tempfile

    return OutputError(f"{tempfile.gettempdir()}: cannot keep the list of file names given so far "
                       f"({str(exc).lower()}); free some space there, or set TMPDIR to a folder that has it")


def unique(name: str, taken: Names, extension: str = "docx") -> str:
    """'x.docx', then 'x-2.docx', 'x-3.docx'… never two records onto one file."""
    candidate, k = f"{name}.{extension}", 1
    while candidate.casefold() in taken:
        k += 1
        candidate = f"{name}-{k}.{extension}"
    taken.add(candidate.casefold())
    return candidate
