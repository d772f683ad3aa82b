"""JSON in, validated model out: parsing, type and language resolution, plain-word errors."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from pydantic import BaseModel, ValidationError

from .doctypes import DOCTYPES, doctype
from .errors import InputError, Issue, RecordError
from .models.common import Document

if TYPE_CHECKING:
    from .profile import Profile

Record = Mapping[str, Any] | str | bytes | Document


@dataclass
class Report:
    """The outcome of validating one record."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    document: Document | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_json(data: str | bytes, source: str = "input") -> dict[str, Any]:
    """Parse one JSON record; refuse duplicate keys, which would silently lose data."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not UTF-8 text; save the file as UTF-8") from None
    data = data.removeprefix("\ufeff")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise InputError(f"{source}: the key '{key}' appears twice in one object")
            seen[key] = value
        return seen

    try:
        value = json.loads(data, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(value, dict):
        raise InputError(f"{source}: a record must be a JSON object ({{...}}), not {_json_kind(value)}")
    return value


def _json_kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(type(value), "a number")


def format_path(loc: tuple[int | str, ...]) -> str:
    """('measures', 2, 'evaluation_date') -> 'measures[2].evaluation_date'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


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


def _message(error: Mapping[str, Any], model: type[BaseModel]) -> str:
    """Plain words for a pydantic error; never the input value (it may be personal data)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = tuple(error["loc"])
    if kind == "missing":
        if loc == ("lang",):
            return "is required: set \"lang\" in the record (nb, nn or da) or pass --lang"
        return "is required but missing"
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _known_fields(model, loc[:-1]), n=1)
        if close:
            return f"is not a known field; did you mean '{close[0]}'?"
        return "is not a known field here; check the spelling"
    if kind == "date_range":
        return str(error.get("msg"))
    if kind.startswith("date_") or kind == "date_type":
        return "must be a date written as YYYY-MM-DD, e.g. 2026-11-22"
    if kind.startswith("datetime_"):
        return "must be a date and time written as YYYY-MM-DDTHH:MM, e.g. 2026-11-25T14:00"
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
    return str(error.get("msg", "is not valid"))


def resolve_type(data: Mapping[str, Any], type_name: str | None) -> str:
    declared = data.get("type")
    if type_name:
        doctype(type_name)
    if type_name and declared and declared != type_name:
        raise InputError(f"the record is a '{declared}' but '{type_name}' was asked for")
    name = type_name or declared
    if not name:
        known = ", ".join(DOCTYPES)
        raise InputError(f"the record does not say which document it is: add \"type\" ({known}) or name the type")
    if not isinstance(name, str):
        raise InputError("type: must be text naming a document type")
    doctype(name)
    return name


def validate(
    record: Record,
    type: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    profile: "Profile | None" = None,
) -> Report:
    """Validate a record (dict, JSON text or model) and report every error and warning.

    With a school `profile`, its school facts and language fill what the record
    leaves out, and `custom` is checked against the fields it declares.
    """
    if isinstance(record, Document):
        document = record if lang in (None, record.lang) else record.model_copy(update={"lang": lang})
        return _check(document, profile)
    data = parse_json(record, source or "input") if isinstance(record, (str, bytes)) else dict(record)
    if profile is not None:
        data = profile.apply(data)
    name = resolve_type(data, type)
    data["type"] = name
    if lang is not None:
        data["lang"] = lang
    model = doctype(name).model
    try:
        document = model.model_validate(data)
    except ValidationError as exc:
        issues = [Issue(format_path(tuple(e["loc"])), _message(e, model)) for e in exc.errors()]
        return Report(errors=issues)
    if document.lang not in doctype(name).languages:
        return Report(errors=[Issue("lang", f"'{name}' is not available in '{document.lang}'")])
    return _check(document, profile)


def _check(document: Document, profile: "Profile | None" = None) -> Report:
    issues = list(document.rules())
    if profile is not None:
        issues += profile.check_custom(document.custom)
    elif document.custom:
        issues.append(Issue("custom", "custom fields need a school profile (--profile) that declares them"))
    return Report(
        errors=[i for i in issues if i.severity == "error"],
        warnings=[i for i in issues if i.severity == "warning"],
        document=document,
    )


def load(
    record: Record,
    type: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    profile: "Profile | None" = None,
) -> Document:
    """The validated model of a record, or RecordError listing every problem."""
    report = validate(record, type=type, lang=lang, source=source, profile=profile)
    if not report.ok:
        raise RecordError(report.errors, source)
    assert report.document is not None
    return report.document
