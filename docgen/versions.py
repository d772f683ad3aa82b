"""Which version of a built-in template a school's copy was exported from, and what changed since.

Every built-in template carries a version stamp (a hash of its source) in its
custom document properties; Word keeps them when a school edits its copy. The
texts of earlier versions are kept in templates/history/<lang>/<type>.json, so
`docgen templates diff` can say, paragraph by paragraph, what changed in the
built-in since the school's copy was made: a school that edited the wording
must not keep an outdated complaint paragraph without knowing.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .resources import data_dir

NAME = "docgen.template"  # "<lang>/<type>"
VERSION = "docgen.version"
CUSTOM_PART = "docProps/custom.xml"
_PROPERTY = re.compile(r'<property\b[^>]*\bname="([^"]+)"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>', re.S)
_PARAGRAPH = re.compile(r"<w:p[ >].*?</w:p>", re.S)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")


@dataclass(frozen=True)
class Stamp:
    name: str | None  # "nb/activity_plan"
    version: str | None


def stamp(data: bytes) -> Stamp:
    """The version stamp a .docx carries (both None for a file made before stamps existed)."""
    try:
        xml = zipfile.ZipFile(io.BytesIO(data)).read(CUSTOM_PART).decode("utf-8", errors="replace")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return Stamp(None, None)
    properties = dict(_PROPERTY.findall(xml))
    return Stamp(properties.get(NAME), properties.get(VERSION))


def paragraphs(data: bytes) -> list[str]:
    """The visible text of every paragraph in the body, headers and footers, tags included."""
    from html import unescape

    out: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in sorted(n for n in zf.namelist() if _PARTS.match(n)):
            xml = zf.read(name).decode("utf-8", errors="replace")
            for paragraph in _PARAGRAPH.findall(xml):
                text = " ".join(unescape("".join(_TEXT.findall(paragraph))).split())
                if text:
                    out.append(text)
    return out


def _history(type_name: str, lang: str) -> dict[str, list[str]]:
    path = data_dir("templates") / "history" / lang / f"{type_name}.json"
    try:
        loaded: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return loaded


def _builtin(type_name: str, lang: str) -> bytes:
    return (data_dir("templates") / lang / f"{type_name}.docx").read_bytes()


def outdated(data: bytes, type_name: str, lang: str) -> str | None:
    """Why a school's copy may hold outdated wording, or None when it matches the built-in's version."""
    own = stamp(data)
    current = stamp(_builtin(type_name, lang)).version
    if own.name is not None and own.name != f"{lang}/{type_name}":
        return None  # made from another template: there is no built-in version to compare with
    if own.version is None:
        return ("it has no version stamp (made before docgen 0.2, or not from `docgen templates export`), so "
                "it may hold outdated wording; compare it with `docgen templates diff`")
    if own.version != current:
        return (f"it was exported from an older built-in template (version {own.version}, now {current}); "
                "`docgen templates diff` shows what changed")
    return None


def diff(data: bytes, type_name: str, lang: str) -> list[str]:
    """What changed in the built-in template since the version this copy was exported from, in words.

    Without a known earlier version, the copy itself is compared with today's built-in."""
    own = stamp(data)
    current = _builtin(type_name, lang)
    if own.version == stamp(current).version:
        return []
    earlier = _history(type_name, lang).get(own.version or "")
    if earlier is None:
        head = "No earlier built-in version is known for this copy; this is how it differs from today's built-in:"
        earlier = paragraphs(data)
    else:
        head = f"Changed in the built-in template since version {own.version}:"
    now = paragraphs(current)
    lines = [head]
    matcher = difflib.SequenceMatcher(a=earlier, b=now, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        before = f' (after "{_short(now[b1 - 1])}")' if b1 > 0 else " (at the start)"
        if op == "replace" and a2 - a1 == b2 - b1:
            for old, new in zip(earlier[a1:a2], now[b1:b2], strict=True):
                lines.append(f'  changed: "{_short(old)}"\n        to: "{_short(new, 400)}"')
            continue
        for old in earlier[a1:a2]:
            lines.append(f'  removed: "{_short(old)}"')
        for new in now[b1:b2]:
            lines.append(f'  added{before}: "{_short(new, 400)}"')
    return lines


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({(exc.strerror or str(exc)).lower()})") from None
