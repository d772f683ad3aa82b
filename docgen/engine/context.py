"""The template's view of a record: plain data, choices as words in the document's language."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from ..law import for_language
from ..models.base import Choice
from ..models.common import Document

# What a template may always use, empty unless the school profile fills it in.
EMPTY_SIGNATURE = {"name": None, "title": None, "email": None, "phone": None}
EMPTY_LETTERS = {"approval_line": None, "logo_decorative": False}


class Term(str):
    """A choice as the reader sees it (its label), still comparable by `.code`; `.phrase` is the
    wording that fits inside a sentence ('på telefon')."""

    code: str
    phrase: str
    hint: str

    def __new__(cls, label: str, code: str, phrase: str | None = None, hint: str = "") -> Term:
        term = super().__new__(cls, label)
        term.code = code
        term.phrase = label if phrase is None else phrase
        term.hint = hint
        return term


def term(choice: Choice, lang: str) -> Term:
    """The choice's Term in `lang` (choices are a closed set: each Term is made once)."""
    return _term(type(choice), choice.value, lang)  # keyed by class: equal values of two choices differ


@functools.lru_cache(maxsize=4096)
def _term(kind: type[Choice], value: str, lang: str) -> Term:
    choice = kind(value)
    return Term(choice.label(lang), choice.value, choice.phrase(lang), choice.hint(lang))


_PLAIN = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})  # most values: kept as they are


def context(document: Document, extras: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record as template data; `extras` (from the school profile) add or replace names."""
    lang = document.lang

    def convert(value: Any) -> Any:
        # model_dump's lists and dicts are new (pydantic copies every container, computed fields'
        # too), so choices are replaced in place: copying them again cost a fifth of the context.
        kind = type(value)
        if kind is dict:
            for key, item in value.items():
                if type(item) not in _PLAIN:
                    value[key] = convert(item)
            return value
        if kind is list:
            for index, item in enumerate(value):
                if type(item) not in _PLAIN:
                    value[index] = convert(item)
            return value
        if isinstance(value, Choice):
            return term(value, lang)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    ctx: dict[str, Any] = convert(document.model_dump(mode="python"))
    ctx["signature"] = EMPTY_SIGNATURE
    ctx["letters"] = EMPTY_LETTERS
    ctx["logo"] = ""
    ctx["law"] = for_language(lang)
    ctx.update(extras or {})
    return ctx
