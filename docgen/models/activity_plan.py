"""Activity plan: NO aktivitetsplan (opplæringsloven § 12-4), DK handleplan (undervisningsmiljøloven § 1 c)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, computed_field

from ..dates import add_working_days
from ..errors import Issue
from .common import DK_PLAN_WORKING_DAYS, CaseDocument, Choice, Date, Line, OptText, Record, Staff, Text, labelled

NO_EVALUATION_WEEKS = 6
NO_ESCALATION_WORKING_DAYS = 5


class MeasureLevel(Choice):
    INDIVIDUAL = "individual"
    GROUP = "group"
    SYSTEM = "system"


labelled(
    MeasureLevel,
    {
        "individual": {"nb": "individnivå", "nn": "individnivå", "da": "individniveau"},
        "group": {"nb": "gruppe-/klassenivå", "nn": "gruppe-/klassenivå", "da": "gruppe-/klasseniveau"},
        "system": {"nb": "skolenivå", "nn": "skulenivå", "da": "skoleniveau"},
    },
)


class Investigation(Record):
    individual: Text = Field(
        description="What the school did to understand the pupil's own situation (talks, observation, logs)."
    )
    system: Text = Field(description="What the school looked into at class, group or school level.")


class Views(Record):
    pupil: Text = Field(description="How the pupil was heard, and what the pupil said. Required by law.")
    guardians: OptText = Field(None, description="How the guardians took part, and what they said.")


class TemporaryMeasure(Record):
    description: Text = Field(description="What is done at once while the plan is made.")
    start_date: Date = Field(description="When it started, YYYY-MM-DD.")
    responsible: Staff | None = Field(None, description="Who sees that it is done.")


class Measure(Record):
    level: MeasureLevel = Field(description="individual, group (class) or system (whole school).")
    name: Line = Field(description="A short name for the measure.")
    description: Text = Field(description="What will be done, as precisely as possible.")
    rationale: Text = Field(description="Which problem the measure shall solve, and why this measure.")
    participation: OptText = Field(None, description="How the pupil and the guardians took part in choosing it.")
    start_date: Date = Field(description="When the measure starts, YYYY-MM-DD.")
    responsible: Staff = Field(description="Who is responsible for carrying it out.")
    evaluation_date: Date = Field(description="When it is evaluated, YYYY-MM-DD.")
    evaluation_participants: list[Line] = Field(
        default_factory=list, description="Who takes part in the evaluation meeting."
    )
    evaluation_conclusion: OptText = Field(None, description="What the evaluation concluded; fill in afterwards.")
    ended: bool = Field(False, description="True when the evaluation ended the measure.")


class ActivityPlan(CaseDocument):
    type: Literal["activity_plan"] = "activity_plan"
    background: Text = Field(description="Why the plan is made: the problem as the school understands it.")
    investigation: Investigation
    views: Views
    findings: Text = Field(description="What the investigation and the best-interest assessment together show.")
    best_interest: Text = Field(description="How the child's best interest was assessed and weighed.")
    temporary_measures: list[TemporaryMeasure] = Field(
        default_factory=list,
        description="Measures started at once while the plan is made (required practice in Denmark).",
    )
    measures: list[Measure] = Field(min_length=1, description="The planned measures; at least one.")
    coordinator: Staff = Field(description="The staff member who follows up and is the family's contact.")

    @computed_field(  # type: ignore[prop-decorator]
        description="Danish plans: the last day to have the plan ready (10 working days)."
    )
    @property
    def deadline(self) -> dt.date | None:
        return self._plan_deadline()

    @computed_field(  # type: ignore[prop-decorator]
        description="Norwegian plans: from this day the case may go to the Statsforvalter."
    )
    @property
    def escalation_date(self) -> dt.date | None:
        informed = self.case.concern.rector_informed_date
        if self.country != "NO" or informed is None:
            return None
        return add_working_days(informed, NO_ESCALATION_WORKING_DAYS, "NO")

    def rules(self) -> Iterator[Issue]:
        yield from super().rules()
        known = self.case.concern.first_known_date
        country = self.country
        for i, m in enumerate(self.measures):
            at = f"measures[{i}]"
            if m.evaluation_date < m.start_date:
                yield Issue(f"{at}.evaluation_date", "the evaluation cannot come before the measure starts")
            if m.start_date < known:
                yield Issue(f"{at}.start_date", "a measure cannot start before the school knew of the problem")
            if country == "NO" and m.evaluation_date > m.start_date + dt.timedelta(weeks=NO_EVALUATION_WEEKS):
                yield Issue(
                    f"{at}.evaluation_date",
                    f"more than {NO_EVALUATION_WEEKS} weeks after the start; the routine asks for evaluation "
                    f"within {NO_EVALUATION_WEEKS} weeks",
                    "warning",
                )
            if m.ended and not m.evaluation_conclusion:
                yield Issue(
                    f"{at}.evaluation_conclusion",
                    "the measure is marked as ended but no conclusion is recorded",
                    "warning",
                )
        for i, t in enumerate(self.temporary_measures):
            if t.start_date < known:
                yield Issue(f"temporary_measures[{i}].start_date", "cannot start before the school knew of the problem")
        if country == "DK":
            if not self.temporary_measures:
                yield Issue(
                    "temporary_measures",
                    "a Danish handleplan should name the temporary measures started at once",
                    "warning",
                )
            if self.deadline and self.document_date > self.deadline:
                yield Issue(
                    "document_date",
                    f"after the deadline of {DK_PLAN_WORKING_DAYS} working days from when the school first knew",
                    "warning",
                )
