"""Best-interest assessment: NO barnets beste-vurdering; DK vurdering af barnets bedste.

One row per consideration, each with information, its evaluation, internal
notes and the weight given. The copy archived in the pupil's file may leave
the notes column out (`archive_copy`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, computed_field

from ..errors import Issue
from .base import Choice, Line, OptLine, OptText, Record, Text, is_placeholder, labelled
from .common import CaseDocument, Staff

_ANONYMOUS = {"elev", "eleven", "barn", "barnet", "pupil", "child", "medelev", "medelevar", "medelever", "anden"}


def _looks_like_a_full_name(reference: str) -> bool:
    """Two or more capitalised words, not a generic label such as 'Elev A' or 'Barn 2'."""
    words = reference.split()
    if len(words) < 2 or words[0].casefold() in _ANONYMOUS:
        return False
    return sum(1 for w in words if len(w) > 1 and w[0].isupper() and w[1:].islower()) >= 2


class Aspect(Choice):
    CHILD_VIEWS = "child_views"
    IDENTITY = "identity"
    FAMILY = "family"
    PROTECTION = "protection"
    VULNERABILITY = "vulnerability"
    SOCIAL = "social"
    HEALTH = "health"
    EDUCATION = "education"


labelled(
    Aspect,
    {
        "child_views": {"nb": "Barnets syn", "nn": "Synet til barnet", "da": "Barnets egne synspunkter"},
        "identity": {
            "nb": "Barnets identitet og kultur",
            "nn": "Identiteten og kulturen til barnet",
            "da": "Barnets identitet og kultur",
        },
        "family": {
            "nb": "Familie og nære relasjoner",
            "nn": "Familie og nære relasjonar",
            "da": "Familie og nære relationer",
        },
        "protection": {
            "nb": "Beskyttelse, omsorg og sikkerhet",
            "nn": "Vern, omsorg og tryggleik",
            "da": "Beskyttelse, omsorg og sikkerhed",
        },
        "vulnerability": {"nb": "Sårbarhet", "nn": "Sårbarheit", "da": "Sårbarhed"},
        "social": {"nb": "Sosiale relasjoner", "nn": "Sosiale relasjonar", "da": "Sociale relationer"},
        "health": {"nb": "Retten til helse", "nn": "Retten til helse", "da": "Retten til sundhed"},
        "education": {"nb": "Retten til utdanning", "nn": "Retten til utdanning", "da": "Retten til uddannelse"},
    },
    hints={
        "child_views": {
            "nb": "Hva eleven selv sier om situasjonen og om tiltakene, og hvordan eleven ble hørt. "
            "Synet skal tillegges vekt etter alder og modenhet.",
            "nn": "Kva eleven sjølv seier om situasjonen og om tiltaka, og korleis eleven vart høyrd. "
            "Synet skal vektleggjast etter alder og modning.",
            "da": "Hvad eleven selv siger om situationen og om tiltagene, og hvordan eleven er blevet hørt. "
            "Synspunkterne tillægges vægt efter alder og modenhed.",
        },
        "identity": {
            "nb": "Språk, kultur, religion, livssyn og andre sider ved hvem eleven er.",
            "nn": "Språk, kultur, religion, livssyn og andre sider ved kven eleven er.",
            "da": "Sprog, kultur, religion og andre sider af, hvem eleven er.",
        },
        "family": {
            "nb": "Forholdet til foreldre, søsken og andre nære personer, og hvordan familien kan støtte eleven.",
            "nn": "Forholdet til foreldre, sysken og andre nære personar, og korleis familien kan støtte eleven.",
            "da": "Forholdet til forældre, søskende og andre nære personer, og hvordan familien kan støtte eleven.",
        },
        "protection": {
            "nb": "Hva som skal til for at eleven er trygg på skolen, på skoleveien og på nett.",
            "nn": "Kva som skal til for at eleven er trygg på skulen, på skulevegen og på nett.",
            "da": "Hvad der skal til, for at eleven er tryg i skolen, på skolevejen og på nettet.",
        },
        "vulnerability": {
            "nb": "Om eleven er særlig sårbar: utsatt for vold eller mobbing, minoritetsbakgrunn, diagnoser, "
            "flytting, lærerbytter eller uro i klassen.",
            "nn": "Om eleven er særleg sårbar: utsett for vald eller mobbing, minoritetsbakgrunn, diagnosar, "
            "flytting, lærarbyte eller uro i klassen.",
            "da": "Om eleven er særligt sårbar: udsat for vold eller mobning, minoritetsbaggrund, diagnoser, "
            "flytning, lærerskift eller uro i klassen.",
        },
        "social": {
            "nb": "Venner, klassemiljø og fritid, og hvordan tiltakene påvirker elevens relasjoner.",
            "nn": "Vener, klassemiljø og fritid, og korleis tiltaka verkar inn på relasjonane til eleven.",
            "da": "Venner, klassemiljø og fritid, og hvordan tiltagene påvirker elevens relationer.",
        },
        "health": {
            "nb": "Fysisk og psykisk helse: søvn, smerter, uro, fravær og behov for hjelp fra helsesykepleier "
            "eller andre.",
            "nn": "Fysisk og psykisk helse: søvn, smerter, uro, fråvær og behov for hjelp frå helsesjukepleiar "
            "eller andre.",
            "da": "Fysisk og psykisk sundhed: søvn, smerter, uro, fravær og behov for hjælp fra "
            "sundhedsplejersken eller andre.",
        },
        "education": {
            "nb": "Læring og utbytte av undervisningen, og hvordan tiltakene påvirker skoledagen.",
            "nn": "Læring og utbyte av undervisninga, og korleis tiltaka verkar inn på skuledagen.",
            "da": "Læring og udbytte af undervisningen, og hvordan tiltagene påvirker skoledagen.",
        },
    },
)


class Consideration(Record):
    information: OptText = Field(None, description="What was gathered: from whom, in which situation.")
    evaluation: OptText = Field(
        None, description="How reliable the information is: first- or second-hand, who gave it, when."
    )
    notes: OptText = Field(None, description="Internal notes; left out of the archive copy.")
    weighting: OptText = Field(None, description="The weight this consideration gets, and why.")


class Considerations(Record):
    child_views: Consideration = Field(description="The child's own views (UNCRC art. 12). Required.")
    identity: Consideration = Field(default_factory=Consideration)
    family: Consideration = Field(default_factory=Consideration)
    protection: Consideration = Field(default_factory=Consideration)
    vulnerability: Consideration = Field(
        default_factory=Consideration,
        description="Exposure to violence (bullying counts), minority status, diagnoses, moves, changes of teacher…",
    )
    social: Consideration = Field(default_factory=Consideration)
    health: Consideration = Field(default_factory=Consideration)
    education: Consideration = Field(default_factory=Consideration)


class OtherChild(Record):
    reference: Line = Field(description="An anonymous reference such as 'Elev A'; never a name.")
    assessment: Text = Field(description="How the measures affect this child, and how that was weighed.")


class BestInterest(CaseDocument):
    type: Literal["best_interest"] = "best_interest"
    considerations: Considerations
    conclusion: Text = Field(description="What the weighing shows, tied to the measures chosen.")
    chosen_measures: list[Line] = Field(default_factory=list, description="The measures the conclusion leads to.")
    plan: OptLine = Field(
        None,
        description="The activity plan's file (relative to this one): its measures become the chosen measures "
        "when the list is empty; validate warns when the two differ.",
    )
    other_children: list[OtherChild] = Field(
        default_factory=list, description="Other children the measures affect, anonymised."
    )
    assessed_by: list[Staff] = Field(min_length=1, description="Who made the assessment.")
    approved_by: Staff | None = Field(
        None,
        description="Who approves the assessment for the school's leadership (rektor / skoleleder); "
        "default: the school profile's signature.",
    )
    archive_copy: bool = Field(False, description="True for the copy for the pupil's file: without the internal notes.")

    @computed_field(  # type: ignore[prop-decorator]
        description="The considerations in order, as table rows for templates."
    )
    @property
    def rows(self) -> list[dict[str, Any]]:
        return [
            {"aspect": Aspect(name), **getattr(self.considerations, name).model_dump()}
            for name in Considerations.model_fields
        ]

    def rules(self) -> Iterator[Issue]:
        yield from super().rules()
        if not self.considerations.child_views.information:
            yield Issue("considerations.child_views.information", "the child's views must be recorded")
        for name in Considerations.model_fields:
            item: Consideration = getattr(self.considerations, name)
            if item.weighting and not item.information:
                yield Issue(
                    f"considerations.{name}.information",
                    "a consideration that is weighted needs the information behind it",
                )
            for part in ("information", "weighting"):
                if is_placeholder(getattr(item, part)):
                    yield Issue(f"considerations.{name}.{part}", "holds no real answer; write what was found")
        for i, child in enumerate(self.other_children):
            if _looks_like_a_full_name(child.reference):
                yield Issue(
                    f"other_children[{i}].reference",
                    "looks like a full name; other children stay anonymous here (e.g. 'Elev A')",
                    "warning",
                )
