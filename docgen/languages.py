"""The written languages docgen produces, and what each implies. Everything else reads them from here."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Literal

LangCode = Literal["nb", "nn", "da"]


@dataclass(frozen=True)
class Language:
    code: str  # as used in records, folders and --lang
    babel: str  # CLDR locale
    tag: str  # BCP 47 tag Word uses for spell-checking
    country: str  # ISO 3166 code for public holidays and law
    timezone: str
    name: str  # the language's own name for itself
    yes: str
    no: str
    and_word: str  # joins the last two items of a list
    pupil_at: str  # the public title's stand-in for the pupil: "elev ved {school}"


LANGUAGES: dict[str, Language] = {
    "nb": Language("nb", "nb_NO", "nb-NO", "NO", "Europe/Oslo", "norsk bokmål", "ja", "nei", "og",
                   "elev ved {school}"),
    "nn": Language("nn", "nn_NO", "nn-NO", "NO", "Europe/Oslo", "norsk nynorsk", "ja", "nei", "og",
                   "elev ved {school}"),
    "da": Language("da", "da_DK", "da-DK", "DK", "Europe/Copenhagen", "dansk", "ja", "nej", "og",
                   "elev på {school}"),
}
CODES: tuple[str, ...] = tuple(LANGUAGES)
assert CODES == typing.get_args(LangCode), "LangCode and LANGUAGES must list the same languages"


def language(code: str) -> Language:
    """The language for a code; an unknown code is a programming error here (records are validated first)."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise ValueError(f"unknown language {code!r}; choose one of {', '.join(CODES)}") from None
