"""One case, many documents: the case file and how a document takes its shared facts from it.

A case file holds what the receipt, the plan and the assessment share: the pupil,
the guardians, the concern, the case reference, and optionally the school, the
language and the family's contact person at school. A document names it in one
way everywhere:

    case: sak-2026-0412.yaml        # in the document (relative to the document's file)
    docgen render plan.yaml --case sak-2026-0412.yaml     # or on the command line

or carries the same object inline under `case` (what integrations and the HTTP
API send). The document's own values win over the case file's.
"""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from .errors import InputError, Issue, RecordError
from .languages import LangCode
from .messages import format_path, message
from .models.common import Case, School, Staff
from .sources import Source, read

# Keys a case file may hold besides the case itself; they go to the document's top level.
LIFTED = ("lang", "school", "contact")
# The document fields the case file's contact person fills when the document names none.
CONTACT_FIELDS = ("contact", "coordinator")


class CaseFile(Case):
    """A case as its own file: the `case` part of every document, plus what the documents share."""

    lang: LangCode | None = Field(None, description="Written language of the case's documents: nb, nn or da.")
    school: School | None = Field(None, description="The school; leave it out when the school profile has it.")
    contact: Staff | None = Field(
        None, description="The family's contact person at school: the receipt's contact and the plan's coordinator."
    )


def is_case_file(name: str | None, data: Mapping[str, Any]) -> bool:
    """NAME.case.yaml (the name `docgen new case` suggests), or a record with no type that has a pupil
    and a concern: what `docgen validate` checks as a case file rather than a document."""
    if name and Path(name).stem.lower().endswith(".case"):
        return True
    return "type" not in data and "pupil" in data and "concern" in data


def merge(document: dict[str, Any], case: Mapping[str, Any], fields: set[str]) -> dict[str, Any]:
    """The document with the case file's facts: `case` from it, and the lifted keys where the
    document has none of its own. `fields` are the document type's fields."""
    return merged(document, case, fields)[0]


def merged(document: dict[str, Any], case: Mapping[str, Any],
           fields: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """merge(), and which of the document's keys came from the case file: {document key: case
    file key} ('case' is the case file's whole top level, so it maps to '')."""
    data = dict(document)
    data["case"] = {k: v for k, v in case.items() if k not in LIFTED}
    taken = {"case": ""}
    for key in ("lang", "school"):
        if key in case and data.get(key) is None:
            data[key] = case[key]
            taken[key] = key
    contact = case.get("contact")
    if contact is not None:
        for name in CONTACT_FIELDS:
            if name in fields and data.get(name) is None:
                data[name] = contact
                taken[name] = "contact"
    return data, taken


def resolve(path: str | Path, base: Path | None, what: str = "case file") -> Path:
    """A file a record names, relative to the record's own folder."""
    target = Path(path)
    if not target.is_absolute() and base is not None:
        target = base / target
    return target


MAX_BYTES = 2 * 1024 * 1024  # a case file or a plan is a few kB; refuse what cannot be one


def load(path: Path, what: str = "case file") -> Source:
    """A case file (or a plan a document refers to), read as JSON or YAML: a regular file, at most
    2 MB (a record naming /dev/zero or a FIFO must not hang or exhaust docgen)."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{path}: is a folder, not a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: is not a regular file, so it cannot be a {what}")
        if info.st_size > MAX_BYTES:
            raise InputError(f"{path}: is larger than 2 MB, so it cannot be a {what}")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({(exc.strerror or str(exc)).lower()})") from None
    source = read(data, str(path))
    if what == "case file" and "type" in source.data:
        raise InputError(f"{path}: is a document (it names its \"type\"), not a case file")
    return source


def plan_measures(plan: Mapping[str, Any]) -> list[str] | None:
    """The measure names of an activity plan record, or None when it has none to give."""
    measures = plan.get("measures")
    if not isinstance(measures, list):
        return None
    names = [m.get("name") for m in measures if isinstance(m, Mapping)]
    return [n for n in names if isinstance(n, str) and n.strip()] or None


def compare_measures(chosen: list[Any], planned: list[str]) -> Issue | None:
    """A warning when the assessment's chosen measures are not the plan's (names are never echoed)."""
    mine = [c.strip() for c in chosen if isinstance(c, str)]
    if mine == planned:
        return None
    return Issue("chosen_measures", "differ from the plan's measures; make the assessment and the plan agree, "
                                    "or leave chosen_measures out to take the plan's", "warning")


def check(source: Source, name: str) -> CaseFile:
    """The case file as a validated CaseFile, or a RecordError with every error by field path and
    line (never a value): placeholders of `docgen new case` left in, the model's checks, the
    case's own rules (a school_aware_date after received_date, …)."""
    from .records import placeholders

    issues = placeholders(source.data)
    case: CaseFile | None = None
    if not issues:
        try:
            case = CaseFile.model_validate(source.data)
        except ValidationError as exc:
            issues = [Issue(format_path(tuple(e["loc"])), message(e, CaseFile)) for e in exc.errors()]
        else:
            issues = [dataclasses.replace(i, path=i.path.removeprefix("case.")) for i in case.rules()]
    issues = [dataclasses.replace(i, line=source.line(i.path)) for i in issues]
    if case is None or any(i.severity == "error" for i in issues):
        raise RecordError(issues, name)
    return case
