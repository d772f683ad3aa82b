"""The document types docgen knows, their names in each language, and their models.

Models are imported on first use so that `docgen --help` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING

from .languages import CODES

if TYPE_CHECKING:
    from .models.common import Document


@dataclass(frozen=True)
class DocType:
    name: str
    model_path: str  # "module:Class" below docgen.models
    titles: dict[str, str]  # language code -> the document's name in that language
    summary: str
    languages: tuple[str, ...] = field(default=CODES)

    @property
    def model(self) -> type[Document]:
        module, _, cls = self.model_path.partition(":")
        return getattr(import_module(f"docgen.models.{module}"), cls)


DOCTYPES: dict[str, DocType] = {
    d.name: d
    for d in [
        DocType(
            "activity_plan",
            "activity_plan:ActivityPlan",
            {"nb": "Aktivitetsplan", "nn": "Aktivitetsplan", "da": "Handleplan"},
            "Written plan of measures for a pupil who is not safe at school (NO aktivitetsplan, DK handleplan).",
        ),
        DocType(
            "concern_receipt",
            "concern_receipt:ConcernReceipt",
            {
                "nb": "Melding om mottatt bekymring for skolemiljøet",
                "nn": "Melding om motteken bekymring for skulemiljøet",
                "da": "Kvittering for henvendelse om mobning",
            },
            "Letter to the family the day a concern arrives: what happens next, and an invitation to a meeting.",
        ),
        DocType(
            "best_interest",
            "best_interest:BestInterest",
            {"nb": "Barnets beste-vurdering", "nn": "Vurdering av barnets beste", "da": "Vurdering af barnets bedste"},
            "The assessment of the child's best interest behind an activity plan (UNCRC art. 3).",
        ),
        DocType(
            "strategy",
            "strategy:Strategy",
            {
                "nb": "Plan for et trygt og godt skolemiljø",
                "nn": "Plan for eit trygt og godt skulemiljø",
                "da": "Antimobbestrategi",
            },
            "The school-wide anti-bullying strategy / school-environment plan.",
        ),
    ]
}


def doctype(name: str) -> DocType:
    from .errors import InputError

    try:
        return DOCTYPES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, DOCTYPES, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        known = ", ".join(DOCTYPES)
        raise InputError(f"unknown document type '{name}'.{hint} Known types: {known}.") from None
