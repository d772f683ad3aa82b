"""JSON in, validated model out: parsing, type and language resolution, cross-field rules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .doctypes import DOCTYPES, doctype
from .errors import InputError, Issue
from .languages import LANGUAGES
from .messages import format_path, json_problem, message
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
    lang: str | None = None  # the reader's language when known (the record's, else the profile's): for messages

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def issues(self) -> list[Issue]:
        return [*self.errors, *self.warnings]


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
        raise InputError(f"{source}: not valid JSON: {json_problem(exc)}") from None
    if not isinstance(value, dict):
        raise InputError(f"{source}: a record must be a JSON object ({{...}}), not {_json_kind(value)}")
    return value


def _json_kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(type(value), "a number")


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
    profile: Profile | None = None,
    archive_copy: bool = False,
    translate: bool = False,
) -> Report:
    """Validate a record (dict, JSON text or model) and report every error and warning.

    With a school `profile`, its school facts and language fill what the record
    leaves out, and `custom` is checked against the fields it declares.
    `lang` sets the language of a record that has none; to render a record in
    another language than its own, `translate` must say that its text was
    translated too (otherwise the reader would get a mixed document).
    `archive_copy` asks for the copy for the pupil's file (best_interest only).
    """
    if isinstance(record, Document):
        model = record.__class__
        data = record.model_dump(exclude=set(model.model_computed_fields))
    else:
        data = parse_json(record, source or "input") if isinstance(record, (str, bytes)) else dict(record)
        data["type"] = resolve_type(data, type)
        model = doctype(data["type"]).model
        if profile is not None:
            data = profile.apply(data, set(model.model_fields))
    own = data.get("lang")
    reader = own if isinstance(own, str) and own in LANGUAGES else (profile.language if profile else None)
    if lang is not None:
        if own not in (None, lang) and not translate:
            return Report(errors=[Issue("lang", _mixed_language(own, lang))], lang=reader)
        data["lang"] = reader = lang
    if archive_copy:
        if "archive_copy" not in model.model_fields:
            kind = data["type"]
            return Report(errors=[Issue("archive_copy", f"only best_interest has an archive copy, not {kind}")],
                          lang=reader)
        data["archive_copy"] = True
    try:
        document = model.model_validate(data)
    except ValidationError as exc:
        errors = [Issue(format_path(tuple(e["loc"])), message(e, model)) for e in exc.errors()]
        return Report(errors=errors, lang=reader)
    if document.lang not in doctype(document.type).languages:
        return Report(errors=[Issue("lang", f"'{document.type}' is not available in '{document.lang}'")],
                      lang=document.lang)
    issues = list(document.rules())
    if profile is not None:
        issues += profile.check_custom(document.custom)
    elif document.custom:
        issues.append(Issue("custom", "custom fields need a school profile (--profile) that declares them"))
    return Report(
        errors=[i for i in issues if i.severity == "error"],
        warnings=[i for i in issues if i.severity == "warning"],
        document=document,
        lang=document.lang,
    )


def _mixed_language(own: object, asked: str) -> str:
    if own not in LANGUAGES:
        return f"the record's language is not one of {', '.join(LANGUAGES)}"
    same_country = LANGUAGES[str(own)].country == LANGUAGES[asked].country
    what = "in the other written standard" if same_country else "for the other country"
    return (f"the record is written in '{own}'; '{asked}' would put its text under headings {what}. "
            "Translate the record and change its \"lang\", or give --translate if its text "
            "already is in that language")
