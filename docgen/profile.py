"""A school's profile: its letterhead facts, logo, default language, signature,
template folder and its own extra fields, kept once in a TOML file.

    language = "nb"
    templates = "maler"            # relative to this file
    logo = "logo.png"

    [school]
    name = "Lyngåsen skole"
    address = "Skolebakken 4\\n1350 Lyngåsen"

    [signature]
    name = "Anne Holm"
    title = "rektor"

    [letters]
    approval_line = "Dokumentet er elektronisk godkjent og har derfor ingen signatur."
    logo_decorative = false

    [fields.kommunenummer]
    description = "Kommunenummeret i brevhodet"
    required = true

Records may then leave out `school` (values in the record win over the
profile) and supply the declared fields under `custom`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator

from .errors import InputError, Issue
from .languages import LangCode
from .messages import MAX_SUGGESTIONS, format_path, message, suggest
from .models.base import Line, OptLine, Record
from .models.common import School, Staff
from .sources import MAX_DEPTH, check_limits

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# In a template, custom.items is the dictionary's method, not the field: such names cannot be used.
_DICT_NAMES = frozenset(name for name in dir(dict) if _NAME.match(name))
MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_PROFILE_BYTES = 1024 * 1024


class FieldSpec(Record):
    description: Line = Field(description="What the field is, for the school's cheat sheet.")
    kind: Literal["text", "date", "number", "yes_no"] = Field("text", description="text, date, number or yes_no.")
    required: bool = Field(False, description="Every record must supply it.")


class Letters(Record):
    """How the school's letters are signed and how their letterhead is read aloud."""

    approval_line: OptLine = Field(
        None,
        description="Printed instead of room for a handwritten signature when the school approves letters "
        "electronically, e.g. 'Dokumentet er elektronisk godkjent og har derfor ingen signatur.'",
    )
    logo_decorative: bool = Field(
        False,
        description="true: the logo is marked decorative, so screen readers skip it (the school's name is "
        "printed beside it); false: the logo's alternative text is the school's name.",
    )


class Archive(Record):
    """What the school's archive gets with each document (docgen's metadata sidecar)."""

    title: Literal["public", "full"] = Field(
        "public",
        description="public: the file's title property and the metadata carry the public title, which names no "
        "pupil (e.g. 'Aktivitetsplan – elev ved Lyngåsen skole'); full: the template's own title, which may name "
        "the pupil — for internal copies only.",
    )
    access_code: OptLine = Field(
        None,
        description="The access restriction code your archive uses for case documents about a pupil (Noark 5 "
        "tilgangsrestriksjon; codes are set per archive system, so docgen has no default).",
    )
    access_basis: OptLine = Field(
        None,
        description="The screening basis to record (Noark 5 skjermingshjemmel); default: the one in docgen's "
        "law table for the document's country (a Danish free or private school has none by default).",
    )


class Profile(Record):
    language: LangCode | None = Field(None, description="Language for records that do not say.")
    templates: Path | None = Field(None, description="The school's template folder, relative to the profile.")
    logo: Path | None = Field(None, description="PNG or JPEG logo for the letterhead, relative to the profile.")
    school: School | None = None
    signature: Staff | None = Field(None, description="Who signs letters by default.")
    letters: Letters = Field(default_factory=Letters, description="How letters are signed; the logo's role.")
    archive: Archive = Field(default_factory=Archive, description="Titles and access codes for the archive.")
    fields: dict[str, FieldSpec] = Field(default_factory=dict, description="The school's own fields.")

    @field_validator("fields")
    @classmethod
    def _names(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for name in value:
            if not _NAME.match(name):
                raise ValueError(
                    f"field name '{name}' must be lower-case letters, digits and _ (used as custom.{name})"
                )
            if name in _DICT_NAMES:
                raise ValueError(f"field name '{name}' is taken: in a template, custom.{name} is a method of "
                                 f"the field list; choose another name (e.g. {name}_)")
        return value

    # The profile file's folder: relative paths are relative to it.
    _base: Path = PrivateAttr(default=Path("."))

    @property
    def template_folder(self) -> Path | None:
        return self._base / self.templates if self.templates else None

    @property
    def logo_path(self) -> Path | None:
        return self._base / self.logo if self.logo else None

    def apply(self, data: dict[str, Any], fields: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
        """The record with the profile's defaults filled in; the record's own values win.
        `fields` are the record type's fields: the profile's signature becomes a letter's
        `signatory` when the record names none."""
        data = dict(data)
        if self.signature is not None and "signatory" in fields and data.get("signatory") is None:
            data["signatory"] = self.signature.model_dump(exclude_none=True)
        if self.school is not None:
            defaults = self.school.model_dump(exclude_none=True)
            own = data.get("school")
            data["school"] = {**defaults, **own} if isinstance(own, dict) else own if own is not None else defaults
        if self.language and "lang" not in data:
            data["lang"] = self.language
        return data

    def check_custom(self, custom: dict[str, Any]) -> Iterator[Issue]:
        """The record's `custom` values against the fields this profile declares."""
        declared = list(self.fields)
        suggestions = sum(1 for name in custom if name not in self.fields) <= MAX_SUGGESTIONS
        for name, value in custom.items():
            spec = self.fields.get(name)
            path = format_path(("custom", name))
            if spec is None:
                close = suggest(name, declared) if suggestions else None
                hint = f"; did you mean '{close}'?" if close else ""
                yield Issue(path, f"is not a field the school profile declares{hint}")
            elif value is not None and not _fits(spec.kind, value):
                yield Issue(path, f"must be {_KIND_WORDS[spec.kind]}")
        for name, spec in self.fields.items():
            if spec.required and custom.get(name) in (None, ""):
                yield Issue(f"custom.{name}", "is required by the school profile")

    def context(self, custom: dict[str, Any]) -> dict[str, Any]:
        """What the profile adds to a template's context: its signature, and every declared
        field (empty when the record leaves an optional one out)."""
        values = {name: None for name in self.fields} | custom
        for name, spec in self.fields.items():
            if spec.kind == "date" and isinstance(values.get(name), str):
                values[name] = dt.date.fromisoformat(values[name])  # prints as a date, takes date filters
        extras: dict[str, Any] = {"custom": values, "letters": self.letters.model_dump()}
        if self.signature is not None:
            extras["signature"] = self.signature.model_dump()
        return extras

    def field_kinds(self) -> dict[str, tuple[str, str]]:
        """name -> (kind, description) of the school's own fields, for the cheat sheet and the template check."""
        return {name: (spec.kind, spec.description) for name, spec in self.fields.items()}

    def sample_custom(self) -> dict[str, Any]:
        """Values for every declared field, to try a template without a real record."""
        samples = {"text": "…", "date": "2026-08-17", "number": 1, "yes_no": True}
        return {name: samples[spec.kind] for name, spec in self.fields.items()}


_KIND_WORDS = {"text": "text", "date": "a date written as YYYY-MM-DD", "number": "a number", "yes_no": "true or false"}


def _fits(kind: str, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "yes_no":
        return isinstance(value, bool)
    try:
        dt.date.fromisoformat(value)
        return True
    except (TypeError, ValueError):
        return False


def read_logo(path: Path) -> bytes:
    """The logo file's bytes, refusing what cannot be a logo: anything but a regular file (a device
    such as /dev/zero, a FIFO that never ends), or a file over 2 MB. Never blocks on opening."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the logo ({(exc.strerror or str(exc)).lower()})") from None
    with os.fdopen(fd, "rb") as file:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputError(f"{path}: the logo must be a regular file (an image), not a device or a pipe")
            if info.st_size > MAX_LOGO_BYTES:
                raise InputError(f"{path}: the logo is larger than 2 MB")
            data = file.read(MAX_LOGO_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read the logo ({(exc.strerror or str(exc)).lower()})") from None
    if len(data) > MAX_LOGO_BYTES:
        raise InputError(f"{path}: the logo is larger than 2 MB")
    return data


def load_profile(path: Path | str | None = None) -> Profile | None:
    """The profile at `path`, else the configured one (settings.profile_path), or None when there is none."""
    from . import settings

    path = Path(path) if path else settings.profile_path()
    if path is None:
        return None
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: school profile not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the school profile ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: the school profile must be a regular file (TOML), not a device or a pipe")
    if info.st_size > MAX_PROFILE_BYTES:
        raise InputError(f"{path}: the school profile is larger than 1 MB")
    return _load(str(path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=8)
def _load(name: str, mtime_ns: int, size: int) -> Profile:
    """Read once per file version: the API may be called for every record with the same profile."""
    import tomllib

    path = Path(name)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the school profile ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: the school profile is nested more than {MAX_DEPTH} levels deep") from None
    check_limits(raw, str(path))  # depth, numbers: the limits every record has
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        lines = [f"  {format_path(tuple(e['loc']))}: {message(e, Profile)}" for e in exc.errors()]
        raise InputError("\n".join([f"{path}: the school profile has errors:", *lines])) from None
    profile._base = path.resolve().parent
    return profile
