"""Blank skeletons a school fills in: `docgen new TYPE` and `docgen new case` (issue 13).

A skeleton is YAML with every field of the record, each under a comment in the
school's language saying what belongs there (the model's own description,
translated by the catalogs in locale/) and whether it is required:

    # Hvorfor planen lages: problemet slik skolen forstår det. (påkrevd)
    background: |
      «fyll inn»

A required value is one of the placeholders in models.base.SKELETON_PLACEHOLDERS («fill in» …),
which validation refuses wherever it is left, with its line: no example text can
slip into a real document. An optional value is empty (`field:`, which means the
field's default) or its default; an optional object, and one item of a list that
may be empty, are shown commented out ("#   ") so the structure is visible.

With a case file the document names it (`case: sak.case.yaml`, relative to the
document) and leaves out what the case file supplies; with a school profile the
school is left out. Everything here is pure: type, language, case file and
profile in, text out.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .i18n import in_language
from .models.base import SKELETON_PLACEHOLDERS, Choice

if TYPE_CHECKING:
    from .profile import Profile

CASE = "case"  # `docgen new case`: the case file
WIDTH = 100  # the longest comment line
LONG_TEXT = 500  # a text field longer than a Line may be is free text: written as a block (|)

# Fields the models leave undescribed (groups, mostly), described for the person filling in.
_FALLBACK = {
    "type": "The document type; leave it as it is.",
    "school": "The school: its name, and the facts printed in the letterhead.",
    "case": "The case: the pupil, the guardians and the concern. Documents of one case can share it in a case "
            "file (`docgen new case`), named here as case: FILE.",
    "pupil": "The pupil the case is about.",
    "concern": "The concern: when and how it reached the school, and from whom.",
    "investigation": "How the school investigated the situation.",
    "views": "The views of the pupil and the guardians.",
    "considerations": "The considerations of the assessment, one per aspect of the child's life; fill in those "
                      "that apply.",
    "definitions": "The terms the document defines.",
}
CUSTOM = "The school's own fields, declared in its school profile."
CASE_NAMED = "The case file this document takes its case from (relative to this file)."

REQUIRED, OPTIONAL = "(required)", "(optional)"
AT_LEAST_ONE = "At least one line in one of the lists below; delete the lines you do not need."

# Values the models leave optional that a document's rules require: a placeholder, and the word to say so.
_RULE_REQUIRED: dict[str, dict[str, str]] = {
    "concern_receipt": {"case.pupil.date_of_birth": REQUIRED},
    "best_interest": {"considerations.child_views.information": REQUIRED},
    CASE: {"pupil.date_of_birth": "(required for the receipt)"},
}
# Groups of lists of which at least one must have a line (strategy: prevention by role, …), by language.
_AT_LEAST_ONE: dict[str, dict[str, tuple[str, ...]]] = {
    "strategy": {
        "nb": ("prevention", "intervention"),
        "nn": ("prevention", "intervention"),
        "da": ("prevention", "intervention", "digital_prevention"),
    },
}
# Lists that may be empty but are written with one item to fill in, since nearly every case has one.
_ONE_ITEM = {"case.guardians", "guardians"}
# Fields written last: the school's own fields and the copies come after the document's content.
_LAST = ("copies", "custom")
# Case file: its fields in the order a person fills them in.
_CASE_ORDER = ("lang", "school", "reference", "their_reference", "pupil", "guardians", "concern", "contact")
_PEOPLE = {"Staff", "Pupil", "Guardian"}  # models whose `name` is a person's full name
# Case file: the optional parts written out to fill in, since the case's documents need them (the school
# unless the profile has it; the contact person, who is the receipt's contact and the plan's coordinator).
_CASE_EXPAND = ("school", "contact")
_CASE_WORD = {"nb": "sak", "nn": "sak", "da": "sag"}


@dataclass(frozen=True)
class CaseRef:
    """The case file a skeleton is made for: the path the document names it by (relative to the
    document's folder) and the case file's contents (what it supplies is left out)."""

    path: str
    data: Mapping[str, Any] = field(default_factory=dict)


def default_name(type_name: str, lang: str) -> str:
    """The file name a skeleton gets in a folder: TYPE.yaml, or sak.case.yaml (da sag.case.yaml)."""
    if type_name == CASE:
        return f"{_CASE_WORD.get(lang, 'case')}.case.yaml"
    return f"{type_name}.yaml"


def new(type_name: str, lang: str, case: CaseRef | None = None, profile: Profile | None = None,
        name: str | None = None) -> str:
    """The skeleton of a document type, or of a case file for `type_name` 'case'. `name` is the
    file's name, for the commands its header shows."""
    if type_name == CASE:
        return case_skeleton(lang, profile, name)
    return skeleton(type_name, lang, case, profile, name)


def skeleton(type_name: str, lang: str, case: CaseRef | None = None, profile: Profile | None = None,
             name: str | None = None) -> str:
    """The YAML skeleton of one document type in `lang`."""
    from .doctypes import doctype

    info = doctype(type_name)
    model = info.model
    writer = _Writer(lang, _RULE_REQUIRED.get(type_name, {}),
                     {group: AT_LEAST_ONE for group in _AT_LEAST_ONE.get(type_name, {}).get(lang, ())}, _ONE_ITEM)
    say = writer.say
    file = name or f"{type_name}.yaml"
    out = writer.header([
        f"{info.titles[lang]} ({type_name}): " + say("a skeleton to fill in, made by `docgen new`."),
        say(f"This is not an example: `docgen example {type_name} --lang {lang}` prints a filled-in one."),
        *([say(f"The case (the pupil, the guardians, the concern) comes from the case file {case.path}.")]
          if case else []),
        *_how_to_fill(say),
        say("Check the file, and make the document:"),
    ])
    out += [f"#   docgen validate {file}", f"#   docgen render {file} -o {_stem(file)}.docx"]
    supplied = _supplied(model.model_fields, case, profile)
    fields = model.model_fields
    for key in [k for k in fields if k not in _LAST] + [k for k in _LAST if k in fields]:
        out.append("")
        if key == "type":
            writer.comment(out, 0, say(_FALLBACK["type"]))
            out.append(f"type: {type_name}")
        elif key == "lang":
            writer.comment(out, 0, f"{writer.describe(model, key, fields[key])} {say(REQUIRED)}")
            out.append(f"lang: {lang}")
        elif key in supplied:
            out.append(f"# {key}: {say(supplied[key])}")
        elif key == "case" and case is not None:
            writer.comment(out, 0, f"{say(CASE_NAMED)} {say(REQUIRED)}")
            out.append(f"case: {_scalar(case.path)}")
        elif key == "custom":
            writer.custom(out, profile)
        else:
            writer.field(out, model, key, fields[key], 0, "")
    return "\n".join(out) + "\n"


def case_skeleton(lang: str, profile: Profile | None = None, name: str | None = None) -> str:
    """The YAML skeleton of a case file (docgen.casefile.CaseFile) in `lang`."""
    from .casefile import CaseFile

    writer = _Writer(lang, _RULE_REQUIRED[CASE], {}, _ONE_ITEM, _CASE_EXPAND)
    say = writer.say
    file = name or default_name(CASE, lang)
    out = writer.header([
        say("Case file: what the documents of one case share (the pupil, the guardians, the concern), made by "
            "`docgen new case`."),
        *_how_to_fill(say),
        say("Name it NAME.case.yaml (docgen batch skips such files), and start the case's documents from it:"),
    ])
    out += [f"#   docgen new {kind} --case {file} -o {kind}.yaml"
            for kind in ("concern_receipt", "activity_plan", "best_interest")]
    fields = CaseFile.model_fields
    order = [k for k in _CASE_ORDER if k in fields] + [k for k in fields if k not in _CASE_ORDER]
    for key in order:
        out.append("")
        if key == "lang":
            writer.comment(out, 0, f"{writer.describe(CaseFile, key, fields[key])} {say(REQUIRED)}")
            out.append(f"lang: {lang}")
        elif key == "school" and profile is not None and profile.school is not None:
            out.append(f"# school: {say('from the school profile')}")
        else:
            writer.field(out, CaseFile, key, fields[key], 0, "")
    return "\n".join(out) + "\n"


def _how_to_fill(say: Any) -> list[str]:
    return [
        say("Replace every «…» with what belongs there: the file is refused while one is left."),
        say("A field marked (optional) may be left empty, or its line deleted."),
        say("Longer text: write | after the colon, and the text on the lines below, indented with spaces."),
        say("Optional parts are shown commented out, with \"#\" and spaces before them: delete the \"# \" at the "
            "start of their lines to use them."),
    ]


def _stem(file: str) -> str:
    """'saker/plan.yaml' -> 'saker/plan': where the document of a skeleton goes, by default."""
    folder, slash, base = file.rpartition("/")
    return folder + slash + (base.rsplit(".", 1)[0] if "." in base else base)


def _supplied(fields: Mapping[str, FieldInfo], case: CaseRef | None, profile: Profile | None) -> dict[str, str]:
    """The document's fields the case file or the school profile fills in: field -> where from."""
    from .casefile import CONTACT_FIELDS

    out: dict[str, str] = {}
    if profile is not None and profile.school is not None:
        out["school"] = "from the school profile"
    if profile is not None and profile.signature is not None and "signatory" in fields:
        out["signatory"] = "from the school profile's signature"
    if case is not None:
        if case.data.get("school") is not None:
            out["school"] = "from the case file"
        if case.data.get("contact") is not None:
            out.update({name: "from the case file's contact" for name in CONTACT_FIELDS if name in fields})
    return out


# ---------------------------------------------------------------- the fields


@dataclass(frozen=True)
class _Kind:
    """What a field holds, as far as a skeleton cares."""

    kind: str  # line, text (free text), date, datetime, number, bool, choice, group, list, any
    model: type[BaseModel] | None = None  # group
    choices: tuple[tuple[str, str], ...] = ()  # choice: (code, label)
    item: _Kind | None = None  # list


def _kind(annotation: Any, lang: str, metadata: Iterable[Any] = ()) -> _Kind:
    meta = list(metadata)
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *more = typing.get_args(annotation)
            meta += more
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return _Kind("any")
            annotation = args[0]
        else:
            break
    if origin is typing.Literal:
        return _Kind("choice", choices=tuple((str(a), "") for a in typing.get_args(annotation)))
    if origin is list:
        return _Kind("list", item=_kind(typing.get_args(annotation)[0], lang))
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _Kind("group", model=annotation)
        if issubclass(annotation, Choice):
            return _Kind("choice", choices=tuple((m.value, m.label(lang)) for m in annotation))
        if issubclass(annotation, bool):
            return _Kind("bool")
        if issubclass(annotation, (int, float)):
            return _Kind("number")
        if issubclass(annotation, dt.datetime):
            return _Kind("datetime")
        if issubclass(annotation, dt.date):
            return _Kind("date")
        if issubclass(annotation, str):
            return _Kind("text" if _longest(meta) > LONG_TEXT else "line")
    return _Kind("any")


def _longest(meta: list[Any]) -> int:
    """The max_length among a type's constraints (pydantic keeps them on nested FieldInfo objects too)."""
    found = 0
    for item in meta:
        if isinstance(item, FieldInfo):
            found = max(found, _longest(list(item.metadata)))
        found = max(found, getattr(item, "max_length", None) or 0)
    return found


_CODE = re.compile(r"`[^`]*`")
_JOIN = "\x00"

_FILL, _FULL_NAME, _DATE, _DATETIME, _CHOICE, _NUMBER, _BOOL = SKELETON_PLACEHOLDERS
_PLACEHOLDERS = {
    "line": _FILL, "text": _FILL, "any": _FILL, "date": _DATE, "datetime": _DATETIME, "choice": _CHOICE,
    "number": _NUMBER, "bool": _BOOL,
}
_CUSTOM_KINDS = {"text": "line", "date": "date", "number": "number", "yes_no": "bool"}


class _Writer:
    """Writes fields as YAML lines with their comments, in one language."""

    def __init__(self, lang: str, required: Mapping[str, str], groups: Mapping[str, str],
                 one_item: Iterable[str] = (), expand: Iterable[str] = ()) -> None:
        self.lang = lang
        self.required = required  # path -> the word that says so, for values the rules require
        self.groups = groups  # path -> note, for groups whose lists need at least one line between them
        self.one_item = set(one_item)  # lists that may be empty, written with one item to fill in
        self.expand = set(expand)  # optional objects written out to fill in, not commented out

    def say(self, text: str) -> str:
        return in_language(text, self.lang)

    def header(self, sentences: list[str]) -> list[str]:
        out: list[str] = []
        for sentence in sentences:
            self.comment(out, 0, sentence)
        return out

    def comment(self, out: list[str], indent: int, text: str, commented: bool = False) -> None:
        """`text` as comment lines at `indent`, wrapped; `commented`: the lines will be commented out
        too, which makes them two characters longer."""
        pad = " " * indent
        width = max(40, WIDTH - indent - 2 - (2 if commented else 0))
        kept = _CODE.sub(lambda m: m.group(0).replace(" ", _JOIN), text)  # `docgen new case` stays whole
        for line in textwrap.wrap(kept, width, break_long_words=False, break_on_hyphens=False):
            out.append(f"{pad}# {line.replace(_JOIN, ' ')}")

    def choices(self, out: list[str], indent: int, kind: _Kind, many: bool, commented: bool) -> None:
        """'# Velg en av disse: phone (telefon) | email (e-post) | …', wrapped between choices."""
        words = [f"{code} ({label})" if label else code for code, label in kind.choices]
        head = self.say("Choose any of these:" if many else "Choose one of these:")
        pad, width = " " * indent, WIDTH - indent - 2 - (2 if commented else 0)
        line = head
        for i, word in enumerate(words):
            part = word + (" |" if i < len(words) - 1 else "")
            if len(line) + 1 + len(part) > width:
                out.append(f"{pad}# {line}")
                line = part
            else:
                line = f"{line} {part}"
        out.append(f"{pad}# {line}")

    def describe(self, model: type[BaseModel], key: str, info: FieldInfo) -> str:
        if model.__name__ == "Considerations":
            from .models.best_interest import Aspect

            aspect = Aspect(key)
            return f"{aspect.label(self.lang)} – {aspect.hint(self.lang)}"
        text = info.description or _FALLBACK.get(key, "")
        return self.say(text)

    def placeholder(self, kind: str, model: type[BaseModel] | None = None, key: str = "") -> str:
        if key == "name" and model is not None and model.__name__ in _PEOPLE:
            return self.say(_FULL_NAME)
        return self.say(_PLACEHOLDERS[kind])

    def field(self, out: list[str], model: type[BaseModel], key: str, info: FieldInfo, indent: int, path: str,
              commented: bool = False) -> None:
        """One field with its comment. `commented`: the field is inside a block already commented out,
        so nothing in it is commented out again."""
        here = f"{path}.{key}" if path else key
        kind = _kind(info.annotation, self.lang, info.metadata)
        rule = self.required.get(here)
        required = info.is_required() or rule is not None
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        word = self.say(rule or (REQUIRED if required else OPTIONAL))
        pad = " " * indent
        self.comment(out, indent, " ".join(p for p in (self.describe(model, key, info), word) if p), commented)
        if here in self.groups:
            self.comment(out, indent, self.say(self.groups[here]), commented)
        if kind.kind == "choice" and key != "lang":
            self.choices(out, indent, kind, False, commented)
        elif kind.kind == "list" and kind.item is not None and kind.item.kind == "choice":
            self.choices(out, indent, kind.item, True, commented)

        if kind.kind == "group" and kind.model is not None:
            out.append(f"{pad}{key}:")
            inner: list[str] = []
            hidden = not required and default is None and not commented and here not in self.expand
            for name, child in kind.model.model_fields.items():
                self.field(inner, kind.model, name, child, indent + 2, here, commented or hidden)
            out += _commented(inner, indent) if hidden else inner
        elif kind.kind == "list" and kind.item is not None:
            if default:  # a list with a default of its own (the receipt's methods): the default, as a list
                out.append(f"{pad}{key}:")
                out += [f"{pad}  - {_scalar(value)}" for value in default]
                return
            out.append(f"{pad}{key}:")
            live = required or commented or here in self.one_item or path in self.groups
            item: list[str] = []
            self.item(item, kind.item, indent, here, commented or not live)
            out += item if live else _commented(item, indent)
        elif required:
            value = self.placeholder(kind.kind, model, key)
            if kind.kind == "text":
                out += [f"{pad}{key}: |", f"{pad}  {value}"]
            else:
                out.append(f"{pad}{key}: {value}")
        elif default is not None and info.default_factory is None:
            out.append(f"{pad}{key}: {_scalar(default)}")
        else:
            out.append(f"{pad}{key}:")  # empty: the default (none, or today for document_date)

    def item(self, out: list[str], kind: _Kind, indent: int, path: str, commented: bool) -> None:
        """One list item under a key at `indent`: '- value', or a group whose first field follows '- '."""
        pad = " " * (indent + 2)
        if kind.kind != "group" or kind.model is None:
            out.append(f"{pad}- {self.placeholder(kind.kind)}")
            return
        inner: list[str] = []
        for name, child in kind.model.model_fields.items():
            self.field(inner, kind.model, name, child, indent + 4, f"{path}[0]", commented)
        first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
        out += [line[2:] for line in inner[:first]]  # the first field's comment, at the dash's column
        out.append(f"{pad}- {inner[first][indent + 4:]}")
        out += inner[first + 1:]

    def custom(self, out: list[str], profile: Profile | None) -> None:
        """The school's own fields: those its profile declares, each with the profile's description."""
        self.comment(out, 0, f"{self.say(CUSTOM)} {self.say(OPTIONAL)}")
        fields = profile.fields if profile is not None else {}
        if not fields:
            out.append("custom: {}")
            return
        out.append("custom:")
        for name, spec in fields.items():
            self.comment(out, 2, f"{spec.description} {self.say(REQUIRED if spec.required else OPTIONAL)}")
            value = self.placeholder(_CUSTOM_KINDS.get(spec.kind, "line")) if spec.required else ""
            out.append(f"  {name}: {value}".rstrip())


def _commented(lines: list[str], indent: int) -> list[str]:
    """Lines commented out at the column of the key they belong to: deleting '# ' brings them back as
    they were ('#   start: …' under 'meeting:')."""
    return [f"{line[:indent]}# {line[indent:]}" for line in lines]


_PLAIN = re.compile(r"[\w./][\w./ -]*")
_SPECIAL = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def _scalar(value: Any) -> str:
    """A value as YAML: plain where that reads back as the same text, else in double quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Choice):
        value = value.value
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text == text.strip() and text.lower() not in _SPECIAL and not (
            re.fullmatch(r"[-+.\d_eE:]+", text)):
        return text
    import json

    return json.dumps(text, ensure_ascii=False)
