"""Parser and validator errors in plain words, with the field path. Never the input value:
it may be personal data."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

_JSON_PROBLEMS = {
    "Expecting value": "a value is missing, or is not JSON (text needs double quotes)",
    "Expecting property name enclosed in double quotes": "a key must be in double quotes, with no comma before }",
    "Expecting ',' delimiter": "a comma is missing between two values",
    "Expecting ':' delimiter": "a colon is missing after a key",
    "Invalid control character at": "a line break or tab inside quoted text; write it as \\n or \\t",
    "Unterminated string starting at": "quoted text is never closed",
    "Extra data": "more than one JSON value; a file holds one record (use docgen batch for JSON Lines)",
    "Invalid \\escape": "a backslash that starts no escape; write \\\\ for a backslash",
}


def json_problem(exc: json.JSONDecodeError) -> str:
    """'a comma is missing between two values at line 3, column 5'."""
    words = _JSON_PROBLEMS.get(exc.msg) or exc.msg.removesuffix(" at")
    return f"{words} at line {exc.lineno}, column {exc.colno}"


# A record key is shown in a path only when it looks like a field name: a key the model does not
# know may be anything (a pupil's name, a whole sentence, control characters for the terminal).
_SHOWN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")
HIDDEN_KEY = "<key>"
# Past this many unknown keys in one record, no "did you mean": the search is O(keys × fields).
MAX_SUGGESTIONS = 200
_SUGGEST_MAX_LEN = 64


def shown_key(key: object) -> str | None:
    """`key` when it may be shown in a message, else None."""
    return key if isinstance(key, str) and _SHOWN_KEY.fullmatch(key) else None


def format_path(loc: tuple[int | str, ...]) -> str:
    """('measures', 2, 'evaluation_date') -> 'measures[2].evaluation_date'. A key that does not look
    like a field name is shown as <key>."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = shown_key(part) or HIDDEN_KEY
            out += f".{name}" if out else name
    return out


def suggest(key: object, known: list[str]) -> str | None:
    """The known field name `key` is probably a misspelling of (the name only, never the key)."""
    if not isinstance(key, str) or len(key) > _SUGGEST_MAX_LEN or not known:
        return None
    close = difflib.get_close_matches(key, known, n=1)
    return close[0] if close else None


# C0 and C1 control characters, DEL, and the bidirectional overrides: never to a terminal.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile(_CONTROL.pattern[:-1] + "\n]")


def printable(text: str, multiline: bool = True) -> str:
    """`text` safe for a terminal: control characters written out as \\xNN (a newline kept when
    `multiline`)."""
    pattern = _CONTROL if multiline else _CONTROL_OR_NEWLINE
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)


def _known_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names a record may have at `loc`, to suggest one for a misspelt key."""
    from .fields import shape_of

    shape = shape_of(model, computed=False)
    for part in loc:
        if isinstance(part, int):
            shape = shape.item if shape.kind == "list" and shape.item is not None else shape
        elif shape.kind == "group" and part in shape.fields:
            shape = shape.fields[part]
        else:
            return []
    return list(shape.fields) if shape.kind == "group" else []


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")


def _no_such_date(value: Any) -> str | None:
    """'there is no 30 February in 2026' for a well-written date the calendar does not have.

    It repeats only the impossible day and month, which cannot be anyone's real date."""
    m = _ISO_DATE.match(value) if isinstance(value, str) else None
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month}; write the date as YYYY-MM-DD"
    try:
        dt.date(year, month, day)
    except ValueError:
        name = dt.date(2000, month, 1).strftime("%B")  # English month names, as the rest of the message
        return f"is no such date: there is no {day} {name} in {year}" if day else "is no such date: days start at 01"
    return None


def message(error: Mapping[str, Any], model: type[BaseModel], suggestions: bool = True) -> str:
    """Plain words for one pydantic error, never its input. `suggestions=False` leaves out
    "did you mean" for unknown keys (a record with very many of them)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = tuple(error["loc"])
    if kind == "missing":
        if loc == ("lang",):
            return "is required: set \"lang\" in the record (nb, nn or da) or pass --lang"
        if loc == ("signatory",):
            return "is required: say who signs the letter, or give the school profile a [signature]"
        return "is required but missing"
    if kind == "extra_forbidden":
        close = suggest(loc[-1], _known_fields(model, loc[:-1])) if suggestions else None
        if close:
            return f"is not a known field; did you mean '{close}'?"
        if shown_key(loc[-1]) is None:
            return "is not a known field here (its name is not shown: it is not a plain field name)"
        return "is not a known field here; check the spelling"
    if kind == "date_range":
        return str(error.get("msg"))
    if kind.startswith(("date_", "datetime_")):
        impossible = _no_such_date(error.get("input"))
        if impossible:
            return impossible
        if kind.startswith("datetime_"):
            return "must be a date and time written as YYYY-MM-DDTHH:MM, e.g. 2026-11-25T14:00"
        return "must be a date written as YYYY-MM-DD, e.g. 2026-11-22"
    if kind in ("string_type", "str_type"):
        return "must be text (in quotes)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is longer than the {ctx.get('max_length')} characters allowed"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"needs at least {n} item{'s' if n != 1 else ''}"
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx.get('expected')}"
    if kind in ("bool_type", "bool_parsing"):
        return "must be true or false"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be an object ({...})"
    if kind == "list_type":
        return "must be a list ([...])"
    if kind in ("int_type", "int_parsing", "float_type", "float_parsing"):
        return "must be a number"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return f"must be one of {ctx.get('expected_tags')}"
    words = str(error.get("msg", "is not valid"))
    given = error.get("input")
    if isinstance(given, str) and len(given) >= 3 and given in words:
        return "is not valid"  # pydantic's words quote the value
    return words
