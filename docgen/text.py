"""Clean text from records so that it always fits in a Word document.

Text pasted from Word carries characters XML 1.0 cannot hold: a vertical tab
(Word's manual line break) and a form feed (page or section break). They would
corrupt the file, so they become a line break and a paragraph break.
"""

from __future__ import annotations

import re

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 on,
# except the surrogates and U+FFFE/U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_SPACES = re.compile(r"\s+")

# Inside a rendered run, "\n" becomes a line break and this a new paragraph
# with the same formatting (docxtpl's convention, resolved in engine.py).
PARAGRAPH_BREAK = "\a"


def clean_text(value: str) -> str:
    """Normalise multi-line text: one kind of newline, no XML-illegal characters."""
    if value.isprintable():  # one line, no control, surrogate or non-character: only the ends to trim
        return value.strip()
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\x0b", "\n").replace("\x0c", "\n\n")
    value = _ILLEGAL.sub("", value)
    lines = [line.rstrip() for line in value.split("\n")]
    return "\n".join(lines).strip()


def clean_line(value: str) -> str:
    """Normalise a one-line value (a name, a title): all whitespace becomes one space."""
    if value.isprintable() and "  " not in value:  # printable text has no whitespace but U+0020
        return value.strip()
    return _SPACES.sub(" ", _ILLEGAL.sub("", value)).strip()


def to_docx_text(value: str) -> str:
    """Mark line and paragraph breaks the way docxtpl resolves them in a run."""
    if value.isprintable():  # no breaks, tabs or control characters: nothing to do
        return value
    value = clean_text(value)
    value = _BLANK_LINES.sub(PARAGRAPH_BREAK, value)
    return value
