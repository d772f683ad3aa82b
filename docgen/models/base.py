"""The building blocks of every record: a strict model, cleaned text and date types, and
choices that say themselves in each language."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ..text import clean_line, clean_text


def _line(value: str) -> str:
    value = clean_line(value)
    if not value:
        raise PydanticCustomError("empty", "must not be empty")
    return value


def _text(value: str) -> str:
    value = clean_text(value)
    if not value:
        raise PydanticCustomError("empty", "must not be empty")
    return value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise PydanticCustomError("email", "must be an e-mail address such as name@school.no")
    return value


FIRST_YEAR, LAST_YEAR = 1900, 2199


def _plausible(value: dt.date) -> dt.date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "date_range",
            "must be a date between the years {first} and {last}",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


Date = Annotated[dt.date, AfterValidator(_plausible)]
"""A calendar date a school document can carry: YYYY-MM-DD, between 1900 and 2199."""
DateTime = Annotated[dt.datetime, AfterValidator(_plausible)]

Line = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_line)]
"""One line: a name, a title. Line breaks become spaces."""

Text = Annotated[str, Field(min_length=1, max_length=200_000), AfterValidator(_text)]
"""Free text that keeps its line breaks and paragraphs."""

OptLine = Annotated[Line | None, BeforeValidator(_blank_to_none)]
OptText = Annotated[Text | None, BeforeValidator(_blank_to_none)]
Email = Annotated[str, Field(max_length=320), AfterValidator(_email)]
OptEmail = Annotated[Email | None, BeforeValidator(_blank_to_none)]


_LABELS: dict[type, dict[str, dict[str, str]]] = {}
_PHRASES: dict[type, dict[str, dict[str, str]]] = {}
_HINTS: dict[type, dict[str, dict[str, str]]] = {}


class Choice(str, Enum):
    """An enumerated value that knows how to say itself in each language."""

    def label(self, lang: str) -> str:
        return _LABELS[type(self)][self.value][lang]

    def phrase(self, lang: str) -> str:
        """The words that fit inside a sentence ('på telefon'), where they differ from the label."""
        phrases = _PHRASES.get(type(self))
        return phrases[self.value][lang] if phrases else self.label(lang)

    def hint(self, lang: str) -> str:
        """A prompt that says what belongs under this heading ('' when there is none)."""
        hints = _HINTS.get(type(self))
        return hints[self.value][lang] if hints else ""

    def __str__(self) -> str:
        return self.value


def labelled(
    cls: type[Choice],
    labels: dict[str, dict[str, str]],
    phrases: dict[str, dict[str, str]] | None = None,
    hints: dict[str, dict[str, str]] | None = None,
) -> None:
    """Register the per-language labels (and in-sentence phrases, and prompts) of a Choice enum;
    every member needs one in each table given."""
    for table in (labels, phrases or labels, hints or labels):
        missing = {m.value for m in cls} - table.keys()
        if missing:
            raise RuntimeError(f"{cls.__name__}: labels missing for {sorted(missing)}")
    _LABELS[cls] = labels
    if phrases:
        _PHRASES[cls] = phrases
    if hints:
        _HINTS[cls] = hints


class Record(BaseModel):
    """Strict base: a misspelt key is an error, not silently ignored. A key left empty (null; in
    YAML `key:` with nothing after it) means its default where the field has one that is not null:
    `document_date:` is today, `copies:` no copies, `ended:` false."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        validate_default=False,
        use_enum_values=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_means_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(value is None for value in data.values()):
            defaulted = _defaulted(cls)
            data = {key: value for key, value in data.items() if value is not None or key not in defaulted}
        return data


_DEFAULTED: dict[type, frozenset[str]] = {}


def _defaulted(model: type[BaseModel]) -> frozenset[str]:
    """The fields of `model` that have a default other than null: a null sent for one means the default."""
    found = _DEFAULTED.get(model)
    if found is None:
        found = _DEFAULTED[model] = frozenset(
            name for name, info in model.model_fields.items()
            if info.default_factory is not None or (not info.is_required() and info.default is not None)
        )
    return found


_PLACEHOLDERS = frozenset({
    "tbd", "todo", "xxx", "xx", "x", "fyll inn", "fyll ut", "fylles ut", "fyllast ut", "skriv her", "skriv inn",
    "udfyld", "udfyldes", "skriv", "lorem ipsum", "placeholder", "tekst", "text",
})


# `docgen new` writes a required value as one of these, in the skeleton's language (the catalogs
# translate them): refused wherever one is left, whatever the field's type. Only these exact
# strings count: Norwegian and Danish quote with «», so «Trygg skolevei» is a real name.
SKELETON_PLACEHOLDERS = (
    "«fill in»", "«full name»", "«YYYY-MM-DD»", "«YYYY-MM-DD HH:MM»", "«choose from the list above»",
    "«number»", "«true or false»",
)


SKELETON_MARK = "«"  # every placeholder starts with it


@lru_cache(maxsize=1)
def _skeleton_placeholders() -> frozenset[str]:
    from ..i18n import in_language
    from ..languages import CODES

    return frozenset(in_language(text, lang) for text in SKELETON_PLACEHOLDERS for lang in ("en", *CODES))


def is_skeleton_placeholder(text: str) -> bool:
    """A value `docgen new` wrote that nobody replaced."""
    return text.strip() in _skeleton_placeholders()


def is_placeholder(text: str | None) -> bool:
    """Text that says nothing: only punctuation, or a placeholder word left from a form."""
    if text is None:
        return False
    if not any(ch.isalpha() for ch in text):
        return True
    words = " ".join("".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text.casefold()).split())
    return words in _PLACEHOLDERS or words.startswith("lorem ipsum")
