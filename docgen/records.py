"""Records in (JSON or YAML, with their case file), validated models out: parsing, type and
language resolution, cross-field rules."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from . import casefile
from .doctypes import DOCTYPES, doctype
from .errors import InputError, Issue
from .languages import LANGUAGES
from .messages import MAX_SUGGESTIONS, format_path, message, suggest
from .models.base import SKELETON_MARK, is_skeleton_placeholder
from .models.common import Document
from .sources import Source, check_limits, read

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


MAX_ISSUES = 100  # reported per record; the rest are counted


def capped(issues: list[Issue], severity: str = "error") -> list[Issue]:
    """At most MAX_ISSUES findings, then one that counts the rest."""
    if len(issues) <= MAX_ISSUES:
        return issues
    more = len(issues) - MAX_ISSUES
    return [*issues[:MAX_ISSUES], Issue("", f"and {more} more {severity}s not shown", issues[0].severity)]


def resolve_type(data: Mapping[str, Any], type_name: str | None) -> str:
    """The record's document type: `type_name` when given (the record's own "type" must agree),
    else the record's. Only a known type's name is ever repeated in a message."""
    declared = data.get("type")
    known = ", ".join(DOCTYPES)
    if type_name:
        doctype(type_name)
    if declared is not None and not isinstance(declared, str):
        raise InputError("type: must be text naming a document type")
    if type_name and declared and declared != type_name:
        if declared in DOCTYPES:
            raise InputError(f"the record is a '{declared}' but '{type_name}' was asked for")
        raise InputError(f"type: the record names an unknown document type, but '{type_name}' was asked for")
    name = type_name or declared
    if not name:
        raise InputError(f"the record does not say which document it is: add \"type\" ({known}) or name the type")
    if name not in DOCTYPES:
        close = suggest(name, list(DOCTYPES))
        hint = f" Did you mean '{close}'?" if close else ""
        raise InputError(f"type: an unknown document type.{hint} Known types: {known}.")
    return name


def validate(
    record: Record,
    type: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    profile: Profile | None = None,
    archive_copy: bool = False,
    translate: bool = False,
    case: str | Path | Mapping[str, Any] | None = None,
    files: bool = True,
) -> Report:
    """Validate a record (dict, JSON or YAML text, or model) and report every error and warning.

    With a school `profile`, its school facts and language fill what the record
    leaves out, and `custom` is checked against the fields it declares.
    `lang` sets the language of a record that has none; to render a record in
    another language than its own, `translate` must say that its text was
    translated too (otherwise the reader would get a mixed document).
    `archive_copy` asks for the copy for the pupil's file (best_interest only).
    `case` is the case file (a path, or its contents) for a record without its own `case`;
    a record may also name its case file (`"case": "sak.yaml"`) and a best-interest
    assessment its plan (`"plan": "plan.yaml"`), relative to the record's file. With
    `files=False` (the HTTP service) a record may not name files.
    """
    located = Located()
    if isinstance(record, Document):
        model = record.__class__
        data = record.model_dump(round_trip=True)  # computed fields (at every level) left out
    else:
        if isinstance(record, (str, bytes)):
            loaded = read(record, source or "input")
            data, located.own = loaded.data, loaded
        else:
            check_limits(record, source)
            data = dict(record)
        located.source = source
        try:
            data["type"] = resolve_type(data, type)
        except InputError as exc:
            raise InputError(f"{source}: {exc}" if source else str(exc)) from None
        model = doctype(data["type"]).model
        linked = _link(data, case, _base(source), files, located, set(model.model_fields))
        if isinstance(linked, Report):
            return linked
        data = linked
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
    left = placeholders(data)
    if left:
        return Report(errors=capped(located.place(left)), lang=reader)
    data, unshown = _without_surplus_keys(data, model)
    try:
        document = model.model_validate(data)
    except ValidationError as exc:
        found = exc.errors(include_url=False, include_context=True, include_input=True)
        unknown = sum(1 for e in found if e["type"] == "extra_forbidden") + unshown
        suggestions = unknown <= MAX_SUGGESTIONS
        errors = [Issue(format_path(tuple(e["loc"])), message(e, model, suggestions)) for e in found[:MAX_ISSUES + 1]]
        if len(found) + unshown > MAX_ISSUES:
            errors[MAX_ISSUES:] = [Issue("", f"and {len(found) + unshown - MAX_ISSUES} more errors not shown")]
        return Report(errors=located.place(errors), lang=reader)
    if document.lang not in doctype(document.type).languages:
        return Report(errors=[Issue("lang", f"'{document.type}' is not available in '{document.lang}'")],
                      lang=document.lang)
    issues = list(document.rules()) + located.warnings
    if profile is not None:
        issues += profile.check_custom(document.custom)
    elif document.custom:
        issues.append(Issue("custom", "custom fields need a school profile (--profile) that declares them"))
    issues = located.place(issues)
    return Report(
        errors=capped([i for i in issues if i.severity == "error"]),
        warnings=capped([i for i in issues if i.severity == "warning"], "warning"),
        document=document,
        lang=document.lang,
    )


def _without_surplus_keys(data: dict[str, Any], model: type[Document]) -> tuple[dict[str, Any], int]:
    """The record without the unknown top-level keys beyond those a report can show, and how many
    were left out. A body of 60,000 unknown keys would otherwise make pydantic build 60,000 errors
    in one call that holds the GIL (the service's event loop waits that long)."""
    known = _known_keys(model)
    unknown = [key for key in data if key not in known]
    if len(unknown) <= MAX_ISSUES + 1:
        return data, 0
    surplus = set(unknown[MAX_ISSUES + 1:])
    return {k: v for k, v in data.items() if k not in surplus}, len(surplus)


@functools.cache
def _known_keys(model: type[Document]) -> frozenset[str]:
    return frozenset(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}


@dataclass
class Located:
    """Where a record's values came from, so a finding can name the file and line."""

    source: str | None = None
    own: Source | None = None  # the record's own text (YAML keeps lines)
    case_file: str | None = None
    case: Source | None = None
    taken: dict[str, str] = field(default_factory=dict)  # document key -> the case file's key it came from
    warnings: list[Issue] = field(default_factory=list)

    def place(self, issues: list[Issue]) -> list[Issue]:
        out = []
        for issue in issues:
            head = issue.path.split(".")[0].split("[")[0]
            if self.case is not None and head in self.taken:
                inner = self.taken[head]
                path = issue.path[len(head):].lstrip(".") if inner == "" else inner + issue.path[len(head):]
                out.append(dataclasses.replace(issue, file=self.case_file, line=self.case.line(path)))
            elif self.own is not None:
                out.append(dataclasses.replace(issue, line=self.own.line(issue.path)))
            else:
                out.append(issue)
        return out


def _base(source: str | None) -> Path | None:
    """The folder files named in a record are relative to: the record file's own. None for a
    record that was not read from a file of its own (the API's dicts, standard input, a line of
    JSON Lines from another system): such a record may not name files at all."""
    if not source or source in ("input", "<stdin>") or re.search(r":\d+$", source):
        return None
    return Path(source).parent


def _link(data: dict[str, Any], case: str | Path | Mapping[str, Any] | None, base: Path | None, files: bool,
          located: Located, fields: set[str]) -> dict[str, Any] | Report:
    """The record with its case file merged in and a best-interest assessment's plan measures."""
    own_lang = data.get("lang")
    lang = own_lang if isinstance(own_lang, str) and own_lang in LANGUAGES else None
    if "case" not in fields:
        if case is not None:
            return Report(errors=[Issue("case", "this document type has no case; leave out --case")], lang=lang)
        return data
    own = data.get("case")
    if isinstance(own, str) and not own.strip():
        own = data["case"] = None
    if isinstance(own, str) and isinstance(case, (str, Path)) and _same_file(casefile.resolve(own, base), Path(case)):
        own = None  # the record names the very file --case gives
    if case is not None and own is not None:
        return Report(errors=[Issue("case", "the record has its own case or names another case file; "
                                            "leave out --case")], lang=lang)
    given = case if case is not None else own
    if isinstance(given, (str, Path)):
        if not files or (case is None and base is None):
            return Report(errors=[Issue("case", "must be the case itself (an object); files cannot be named here")],
                          lang=lang)
        path = casefile.resolve(given, base if case is None else None)
        loaded = casefile.load(path)
        located.case_file, located.case = str(path), loaded
        data, located.taken = casefile.merged(data, loaded.data, fields)
    elif isinstance(given, Mapping) and any(key in given for key in casefile.LIFTED):
        check_limits(given, "case")
        data = casefile.merge(data, given, fields)
    plan = data.get("plan")
    if isinstance(plan, str) and "plan" in fields and plan.strip():
        if not files or base is None:
            return Report(errors=[Issue("plan", "files cannot be named here; send chosen_measures instead")],
                          lang=lang)
        planned = casefile.plan_measures(casefile.load(casefile.resolve(plan, base), "plan").data)
        if planned is None:
            return Report(errors=[Issue("plan", "the plan has no measures to take the chosen measures from")],
                          lang=lang)
        chosen = data.get("chosen_measures")
        if not chosen:
            data["chosen_measures"] = planned
        else:
            warning = casefile.compare_measures(list(chosen), planned)
            if warning is not None:
                located.warnings.append(warning)
    return data


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def placeholders(value: Any) -> list[Issue]:
    """Values still holding a skeleton's placeholder (`docgen new`): each must be filled in.

    Runs on every record: a quick look for the mark first, field paths only when there is one."""
    if not _marked(value):
        return []
    found: list[Issue] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if item[:1] == SKELETON_MARK and is_skeleton_placeholder(item):
                found.append(Issue(format_path(path), PLACEHOLDER_LEFT))
        elif isinstance(item, Mapping):
            stack.extend(((*path, key), child) for key, child in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend(((*path, index), child) for index, child in reversed(list(enumerate(item))))
    return found


def _marked(value: Any) -> bool:
    """Whether a string anywhere in `value` starts with the placeholders' mark (or a mapping other
    than a dict is found: the full walk decides then). One loop over a stack, not a call per value:
    it runs on every record."""
    kind = type(value)
    if kind is str:
        return value[:1] == SKELETON_MARK
    if kind is not dict and kind is not list:
        return isinstance(value, Mapping)  # another kind of mapping: the full walk decides
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is str:
                if child[:1] == SKELETON_MARK:
                    return True
            elif kind is dict or kind is list:
                stack.append(child)
            elif isinstance(child, Mapping):
                return True
    return False


PLACEHOLDER_LEFT = "still holds the skeleton's placeholder; fill it in (or delete the line if the field is optional)"


def _mixed_language(own: object, asked: str) -> str:
    if not isinstance(own, str) or own not in LANGUAGES:
        return f"the record's language is not one of {', '.join(LANGUAGES)}"
    same_country = LANGUAGES[str(own)].country == LANGUAGES[asked].country
    what = "in the other written standard" if same_country else "for the other country"
    return (f"the record is written in '{own}'; '{asked}' would put its text under headings {what}. "
            "Translate the record and change its \"lang\", or give --translate if its text "
            "already is in that language")
