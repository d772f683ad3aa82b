"""School-wide strategy: DK antimobbestrategi (undervisningsmiljøloven § 1 b); NO plan for et trygt og godt skolemiljø.

Not about one pupil, so it has no `case`. Approved by the school board (DK)
or presented to the school's councils (NO), and revised as needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, computed_field

from ..errors import Issue
from .base import Choice, Date, Line, OptLine, OptText, Record, Text, labelled
from .common import Document


class Role(Choice):
    MANAGEMENT = "management"
    STAFF = "staff"
    PUPILS = "pupils"
    PARENTS = "parents"


labelled(
    Role,
    {
        "management": {"nb": "Ledelsen", "nn": "Leiinga", "da": "Ledelsen"},
        "staff": {"nb": "De ansatte", "nn": "Dei tilsette", "da": "Personalet"},
        "pupils": {"nb": "Elevene", "nn": "Elevane", "da": "Eleverne"},
        "parents": {"nb": "Foresatte", "nn": "Føresette", "da": "Forældrene"},
    },
)

SCHOOL_YEAR_START = 8  # August, in Norway and Denmark


class RoleActions(Record):
    """What each group does; every list becomes a bulleted list in the document."""

    management: list[Line] = Field(default_factory=list, description="The school's management (ledelsen).")
    staff: list[Line] = Field(default_factory=list, description="Teachers and other staff.")
    pupils: list[Line] = Field(default_factory=list, description="The pupils.")
    parents: list[Line] = Field(default_factory=list, description="Parents and guardians.")

    @computed_field(  # type: ignore[prop-decorator]
        description="True when no role has any action (templates use it to leave the section out)."
    )
    @property
    def empty(self) -> bool:
        return not self.roles

    @computed_field(  # type: ignore[prop-decorator]
        description="The roles that have actions, in order: [{role, actions}], for template loops."
    )
    @property
    def roles(self) -> list[dict[str, Any]]:
        return [{"role": role, "actions": getattr(self, role.value)} for role in Role if getattr(self, role.value)]


class Definition(Record):
    term: Line = Field(description="The word defined, e.g. 'krenkelser', 'rasisme'.")
    text: Text = Field(description="What the school means by it.")


class Definitions(Record):
    bullying: Text = Field(description="What the school means by bullying.")
    digital_bullying: Text = Field(description="What the school means by digital bullying.")
    other: list[Definition] = Field(
        default_factory=list, description="Further terms (violations, racism, harassment…)."
    )


class Phase(Record):
    name: Line = Field(description="The step, e.g. 'Bekymring', 'Undersøkelse'.")
    actions: Text = Field(description="What is done in this step.")
    responsible: Line = Field(description="Who is responsible.")
    documentation: OptLine = Field(None, description="What is written down, and where.")
    deadline: OptLine = Field(None, description="When it must be done, e.g. 'samme dag'.")


class Resource(Record):
    name: Line = Field(description="E.g. 'PPR', 'SSP', 'AKT-teamet', 'helsesykepleier'.")
    role: Text = Field(description="What they help with.")


class MonitoringItem(Record):
    what: Line = Field(description="What the school follows up, e.g. 'Elevundersøkelsen'.")
    when: Line = Field(description="When, e.g. 'hver høst'.")
    who: Line = Field(description="Who follows up.")


class AnnualItem(Record):
    month: int = Field(ge=1, le=12, description="Month number, 1–12.")
    activity: Line = Field(description="What happens that month.")
    responsible: OptLine = Field(None, description="Who is responsible.")


class SocialMediaPolicy(Record):
    harassment: OptText = Field(None, description="What counts as digital harassment or a violation.")
    evidence: OptText = Field(None, description="How to secure evidence: screenshots, links, dates.")
    platforms: OptText = Field(None, description="How to report content to the platform and get it removed.")
    follow_up: OptText = Field(None, description="How the school follows up with those involved.")
    adopted: Date | None = Field(None, description="When the policy was adopted (printed as month and year).")


class Strategy(Document):
    type: Literal["strategy"] = "strategy"
    purpose: Text = Field(description="Why the school has the strategy.")
    goals: list[Line] = Field(min_length=1, description="What the school aims for.")
    definitions: Definitions
    signs: list[Line] = Field(default_factory=list, description="Signs that a child does not thrive.")
    prevention: RoleActions = Field(description="Prevention, by role.")
    digital_prevention: RoleActions = Field(
        default_factory=RoleActions, description="Prevention of digital bullying, by role (required by law in Denmark)."
    )
    intervention: RoleActions = Field(description="What each role does when bullying happens.")
    procedure: list[Phase] = Field(
        default_factory=list,
        description="The handling routine step by step (NO phases; DK the action-plan procedure).",
    )
    resources: list[Resource] = Field(default_factory=list, description="Help the school draws on (SSP, PPR, …).")
    monitoring: list[MonitoringItem] = Field(
        default_factory=list, description="What the school follows up, when, by whom."
    )
    annual_cycle: list[AnnualItem] = Field(default_factory=list, description="Activities by month (årshjul).")
    keeping_alive: OptText = Field(None, description="How the strategy is kept visible and evaluated.")
    non_compliance: OptText = Field(None, description="What happens if the strategy is not followed.")
    parent_collaboration: OptText = Field(None, description="How the school and the parents work together.")
    values_rules: OptText = Field(
        None,
        description="DK: how the strategy ties to the school's værdiregelsæt, and where it (and a version for "
        "children) can be read.",
    )
    anchoring: OptText = Field(
        None, description="How the strategy is anchored: staff reviews, team time, handover between school and SFO."
    )
    informing_parents: OptText = Field(
        None, description="How the other parents of a class are informed when bullying is handled there."
    )
    parent_advice: list[Line] = Field(
        default_factory=list, description="Advice to parents, e.g. keep screenshots and a log of what happens."
    )
    social_media_policy: SocialMediaPolicy | None = Field(
        None, description="The social-media policy's own parts beside the conduct by role (social_media)."
    )
    social_media: RoleActions = Field(
        default_factory=RoleActions, description="Optional social-media conduct policy, by role."
    )
    revised: Date = Field(description="When the strategy was last revised (printed as month and year).")
    approved: Date | None = Field(None, description="When it was approved (printed as month and year).")
    approved_by: OptLine = Field(
        None, description="The body that approved it, e.g. 'skolebestyrelsen' (DK), 'SU/SMU' or 'driftsstyret' (NO)."
    )

    @computed_field(  # type: ignore[prop-decorator]
        description="The annual cycle in school-year order, August to July."
    )
    @property
    def annual_wheel(self) -> list[AnnualItem]:
        return sorted(self.annual_cycle, key=lambda item: (item.month - SCHOOL_YEAR_START) % 12)

    def rules(self) -> Iterator[Issue]:
        country = self.country
        if country == "DK" and self.digital_prevention.empty:
            yield Issue(
                "digital_prevention", "a Danish anti-bullying strategy must include a strategy against digital bullying"
            )
        if self.prevention.empty:
            yield Issue("prevention", "name at least one preventive action for one of the roles")
        if self.intervention.empty:
            yield Issue("intervention", "name at least one action for when bullying happens")
        if self.approved and self.approved < self.revised.replace(day=1):
            yield Issue("approved", "the approval cannot come before the revision")
        if self.approved and not self.approved_by:
            yield Issue("approved_by", "say who approved the strategy", "warning")
        if country == "NO" and not self.procedure:
            yield Issue("procedure", "a Norwegian plan describes the handling routine in phases", "warning")
        if self.document_date > self.revised + dt.timedelta(days=400):
            yield Issue(
                "revised", "more than a year since the last revision; check whether the strategy needs revising",
                "warning",
            )
