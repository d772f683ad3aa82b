"""Every name a template may use for a document type, from the models themselves.

One tree serves two readers: the school's cheat sheet (`docgen fields TYPE`)
and the template check, which flags a name the record does not have.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .doctypes import doctype
from .models.base import Choice
from .models.common import Staff


@dataclass
class Shape:
    """What a name holds: a group of named fields, a list of something, or one value."""

    kind: str  # "group", "list", "text", "date", "number", "yes/no", "choice", "any"
    description: str = ""
    fields: dict[str, Shape] = field(default_factory=dict)  # for groups
    item: Shape | None = None  # for lists
    choices: tuple[str, ...] = ()


ANY = Shape("any")


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def shape_of(annotation: Any, description: str = "", computed: bool = True) -> Shape:
    """The shape of a type; `computed=False` leaves out computed fields (what a record may *send*)."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return Shape("choice", description, choices=tuple(str(a) for a in typing.get_args(annotation)))
    if origin in (list, tuple):
        return Shape("list", description, item=shape_of(typing.get_args(annotation)[0], computed=computed))
    if origin is dict or annotation is dict:
        return Shape("any", description)
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return Shape("group", description, fields=model_fields(annotation, computed))
        if issubclass(annotation, Choice):
            return Shape("choice", description, choices=tuple(m.value for m in annotation))
        if issubclass(annotation, bool):
            return Shape("yes/no", description)
        if issubclass(annotation, (int, float)):
            return Shape("number", description)
        if issubclass(annotation, (dt.date, dt.datetime)):
            return Shape("date", description)
        if issubclass(annotation, str):
            return Shape("text", description)
    return Shape("any", description)


def model_fields(model: type[BaseModel], computed: bool = True) -> dict[str, Shape]:
    out = {
        name: shape_of(info.annotation, info.description or "", computed)
        for name, info in model.model_fields.items()
    }
    if computed:
        for name, info in model.model_computed_fields.items():
            out[name] = shape_of(info.return_type, info.description or "")
    return out


_CUSTOM_KINDS = {"text": "text", "date": "date", "number": "number", "yes_no": "yes/no"}


def context_shape(type_name: str, custom: dict[str, tuple[str, str]] | None = None, lang: str | None = None) -> Shape:
    """The whole template context of a type: the record, plus what docgen adds.

    `custom` is the school profile's fields: name -> (kind, description); `lang`
    narrows the legal facts to that language's country (else both countries').
    """
    from .languages import LANGUAGES
    from .law import table
    fields = model_fields(doctype(type_name).model)
    fields["custom"] = Shape(
        "group",
        "The school's own fields, declared in its school profile.",
        fields={name: Shape(_CUSTOM_KINDS.get(kind, "any"), text) for name, (kind, text) in (custom or {}).items()},
    )
    fields["signature"] = Shape(
        "group", "Who signs, from the school profile (may be empty).", fields=model_fields(Staff)
    )
    fields["letters"] = Shape(
        "group",
        "How the school's letters are signed, from the school profile's [letters] table.",
        fields={
            "approval_line": Shape("text", "The line printed instead of a handwritten signature (may be empty)."),
            "logo_decorative": Shape("yes/no", "Whether the logo is marked decorative for screen readers."),
        },
    )
    fields["logo"] = Shape("any", "The school's logo from its profile; place {{ logo }} in the letterhead.")
    countries = [LANGUAGES[lang].country] if lang else ["NO", "DK"]
    facts = {
        key: Shape("text", fact.summary)
        for country in countries
        for key, fact in table(country).facts.items()
        if fact.confirmed
    }
    fields["law"] = Shape("group", "Legal facts from docgen's reviewed table (`docgen law`).", fields=facts)
    return Shape("group", fields=fields)


def rows(shape: Shape, prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(path, kind, description) for the cheat sheet; lists are shown as name[]."""
    for name, child in shape.fields.items():
        path = f"{prefix}{name}"
        kind = child.kind
        if child.kind == "choice":
            kind = "choice: " + ", ".join(child.choices)
        elif child.kind == "list" and child.item is not None:
            kind = f"list of {child.item.kind if child.item.kind != 'group' else 'groups'}"
        yield path, kind, child.description
        if child.kind == "group":
            yield from rows(child, f"{path}.")
        elif child.kind == "list" and child.item is not None and child.item.kind == "group":
            yield from rows(child.item, f"{path}[].")
