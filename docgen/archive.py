"""What an archive files with each document, and file properties that name no pupil.

Norwegian Noark 5 archives and Danish ESDH systems register a document with a
title, a public title (Noark 5 offentligTittel), the case number, the document's
date, an access restriction with its legal basis, and the file's format and
checksum. docgen writes these as a JSON sidecar, in the batch report and in
the HTTP API's JSON answer; README, "For archive integrators", maps each
field to its Noark 5 element.

A document's own title property travels further than its text: into the PDF's
XMP, file listings, digital mail and archive indexes. So by default it is the
public title ("Aktivitetsplan – elev ved Lyngåsen skole"), and no property
names the pupil or a guardian; a school profile may ask for the template's
full title on internal copies (`[archive] title = "full"`).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .doctypes import DOCTYPES
from .languages import language
from .version import __version__

if TYPE_CHECKING:
    from .formats import Format
    from .models.common import Document
    from .profile import Profile

METADATA_VERSION = 1
SUFFIX = ".metadata.json"
CHECKSUM_ALGORITHM = "SHA-256"  # as Noark 5's service interface and deposit example spell it


def public_title(document: Document) -> str:
    """The document's name and, for a case document, "pupil at <school>" instead of the pupil's name."""
    name = DOCTYPES[document.type].titles[document.lang]
    if _case(document) is None:
        return f"{name} – {document.school.name}"
    return f"{name} – {language(document.lang).pupil_at.format(school=document.school.name)}"


def file_properties(document: Document, rendered: dict[str, str], profile: Profile | None) -> dict[str, str]:
    """The properties the file carries: by default the public title, and no property that names
    the pupil or a guardian (a school's template may put a name in its subject or keywords)."""
    if profile is not None and profile.archive.title == "full":
        return rendered
    names = _names(document)
    kept = {prop: text for prop, text in rendered.items() if prop != "title" and not (names and names.search(text))}
    return {"title": public_title(document), **kept}


def describe(document: Document, properties: dict[str, str], fmt: Format, profile: Profile | None) -> dict[str, Any]:
    """The metadata that does not depend on the finished file (complete() adds those)."""
    case = _case(document)
    settings = profile.archive if profile is not None else None
    restricted = case is not None
    basis = settings.access_basis if settings and settings.access_basis else _basis(document) if restricted else None
    if basis is not None:
        basis = basis.replace("\u00a0", " ")  # the law table keeps "§ 30" together for print; archives want text
    return {
        "metadata_version": METADATA_VERSION,
        "generator": f"docgen {__version__}",
        "document_type": document.type,
        "document_type_name": DOCTYPES[document.type].titles[document.lang],
        "title": properties.get("title") or public_title(document),
        "public_title": public_title(document),
        "case_reference": getattr(case, "reference", None),
        "their_reference": getattr(case, "their_reference", None),
        "document_date": document.document_date.isoformat(),
        "language": document.lang,
        "school": {"name": document.school.name, "org_number": document.school.org_number,
                   "municipality": document.school.municipality},
        "access": {
            "restricted": restricted,
            "code": settings.access_code if restricted and settings else None,
            "basis": basis if restricted else None,
        },
        "file": {"format": fmt.name, "standard": fmt.standard, "content_type": fmt.content_type},
    }


def complete(described: dict[str, Any], content: bytes, name: str | None = None) -> dict[str, Any]:
    """The metadata with the finished file's name, size and checksum."""
    file = {**described["file"], "name": name, "size": len(content),
            "checksum": hashlib.sha256(content).hexdigest(), "checksum_algorithm": CHECKSUM_ALGORITHM}
    return {**described, "file": file}


def sidecar(path: Path) -> Path:
    """NAME.docx -> NAME.metadata.json, beside the document."""
    return path.with_name(path.stem + SUFFIX)


def dumps(metadata: dict[str, Any]) -> bytes:
    return (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _case(document: Document) -> Any:
    return getattr(document, "case", None)


def _basis(document: Document) -> str | None:
    """The law table's screening basis for the document's country and language, if it has one."""
    from .law import for_language

    law = for_language(document.lang)
    if document.country == "NO":
        return str(law["screening_basis"]) if "screening_basis" in law else None
    # Denmark: offentlighedsloven covers the public school (folkeskole), not free and private schools.
    if document.school.kind == "public" and "access_exemption_basis" in law:
        return str(law["access_exemption_basis"])
    return None


def _names(document: Document) -> re.Pattern[str] | None:
    """Every word of the pupil's and the guardians' names, as whole words in any case."""
    case = _case(document)
    if case is None:
        return None
    words = {word for person in (case.pupil, *case.guardians) for word in re.split(r"[\s,]+", person.name)
             if len(word) > 1}
    if case.pupil.first_name:
        words.add(case.pupil.first_name)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")(?!\w)",
                      re.IGNORECASE)
