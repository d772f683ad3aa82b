"""The written languages docgen produces, and what each implies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # as used in records, folders and --lang
    babel: str  # CLDR locale
    tag: str  # BCP 47 tag Word uses for spell-checking
    country: str  # ISO 3166 code for public holidays and law
    timezone: str
    name: str  # the language's own name for itself


LANGUAGES: dict[str, Language] = {
    "nb": Language("nb", "nb_NO", "nb-NO", "NO", "Europe/Oslo", "norsk bokmål"),
    "nn": Language("nn", "nn_NO", "nn-NO", "NO", "Europe/Oslo", "norsk nynorsk"),
    "da": Language("da", "da_DK", "da-DK", "DK", "Europe/Copenhagen", "dansk"),
}


def language(code: str) -> Language:
    try:
        return LANGUAGES[code]
    except KeyError:
        known = ", ".join(LANGUAGES)
        raise ValueError(f"unknown language {code!r}; choose one of {known}") from None
