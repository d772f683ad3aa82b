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
from .common import CaseDocument, Choice, Line, OptText, Record, Staff, Text, labelled


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
    other_children: list[OtherChild] = Field(
        default_factory=list, description="Other children the measures affect, anonymised."
    )
    assessed_by: list[Staff] = Field(min_length=1, description="Who made the assessment.")
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
