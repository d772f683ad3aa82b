"""The law as data: one reviewed table per country (no.toml, dk.toml), each fact with its
source and the date it was checked.

Templates never state a section number or a body's name themselves; they print
`{{ law.duty_to_act }}`, which is the fact's text in the document's language.
When the law changes, one edit here changes every document. A fact that could
not be confirmed stays in the table (confirmed = false) for the reviewer, but
is never offered to a template: a template that asks for it fails to render
rather than print a guess.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from ..languages import LANGUAGES

COUNTRIES = {"NO": "no", "DK": "dk"}


@dataclass(frozen=True)
class Fact:
    key: str
    summary: str
    texts: dict[str, str]  # language code -> how a document in that language states it
    source: str
    source_title: str
    checked: dt.date
    confirmed: bool
    value: int | None = None
    quote: str = ""
    note: str = ""


class LawText(str):
    """A fact as a template prints it (its text), with the number behind it as `.value`."""

    value: int | None
    source: str

    def __new__(cls, text: str, value: int | None, source: str) -> LawText:
        item = super().__new__(cls, text)
        item.value = value
        item.source = source
        return item


@dataclass(frozen=True)
class Table:
    country: str
    reviewed: dt.date
    facts: dict[str, Fact]

    def fact(self, key: str) -> Fact:
        """A confirmed fact; KeyError for one that is missing or unconfirmed."""
        fact = self.facts[key]
        if not fact.confirmed:
            raise KeyError(key)
        return fact

    def value(self, key: str) -> int:
        """The number of a confirmed fact (a deadline in days, …)."""
        number = self.fact(key).value
        if number is None:
            raise KeyError(key)
        return number

    def value_or_none(self, key: str) -> int | None:
        """The number of a fact, or None when it is missing or unconfirmed (say nothing then)."""
        fact = self.facts.get(key)
        return fact.value if fact is not None and fact.confirmed else None

    def for_language(self, lang: str) -> dict[str, LawText]:
        """What templates see as `law`: the confirmed facts, in the document's language."""
        return {
            key: LawText(fact.texts[lang], fact.value, fact.source)
            for key, fact in self.facts.items()
            if fact.confirmed and lang in fact.texts
        }


def _fact(key: str, raw: dict[str, Any], languages: tuple[str, ...]) -> Fact:
    return Fact(
        key=key,
        summary=raw.get("summary", ""),
        texts={lang: raw[lang] for lang in languages if lang in raw},
        source=raw.get("source", ""),
        source_title=raw.get("source_title", ""),
        checked=raw["checked"] if isinstance(raw["checked"], dt.date) else dt.date.fromisoformat(raw["checked"]),
        confirmed=bool(raw.get("confirmed", False)),
        value=raw.get("value"),
        quote=raw.get("quote", ""),
        note=raw.get("note", ""),
    )


@lru_cache(maxsize=4)
def table(country: str) -> Table:
    """The reviewed table for 'NO' or 'DK', shipped inside the package."""
    name = COUNTRIES[country]
    raw = tomllib.loads(files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8"))
    languages = tuple(code for code, info in LANGUAGES.items() if info.country == country)
    reviewed = raw.get("reviewed")
    return Table(
        country=country,
        reviewed=reviewed if isinstance(reviewed, dt.date) else dt.date.fromisoformat(str(reviewed)),
        facts={key: _fact(key, fact, languages) for key, fact in raw.get("facts", {}).items()},
    )


@lru_cache(maxsize=8)
def for_language(lang: str) -> dict[str, LawText]:
    """What templates see as `law`, built once per language (the sandbox lets no template change it)."""
    return table(LANGUAGES[lang].country).for_language(lang)
