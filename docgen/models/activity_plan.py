"""Activity plan: NO aktivitetsplan (opplæringsloven § 12-4), DK handleplan (undervisningsmiljøloven § 1 c)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, computed_field

from ..errors import Issue
from .base import Choice, Date, Line, OptText, Record, Text, is_placeholder, labelled
from .common import Staff, WithPlanDeadline, plan_working_days

NO_EVALUATION_WEEKS = 6  # the Norwegian routine (not the law): evaluate within six weeks


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


class ActivityPlan(WithPlanDeadline):
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
    goal: OptText = Field(None, description="What the plan shall achieve for the pupil: how the school will know "
                                            "the pupil is safe and thriving again.")
    approved_by: Staff | None = Field(
        None,
        description="Who signs or approves the plan for the school's leadership (rektor / skoleleder); "
        "default: the school profile's signature.",
    )
    family_informed_date: Date | None = Field(
        None, description="When the pupil and the parents were told about the plan (the plan states it)."
    )

    @computed_field(  # type: ignore[prop-decorator]
        description="Norwegian plans: from this day the family may take the case to the Statsforvalter "
        "(one week after the rector was told)."
    )
    @property
    def escalation_date(self) -> dt.date | None:
        from ..law import table

        informed = self.case.concern.rector_informed_date
        wait = table("NO").value_or_none("enforcement_wait_calendar_days")
        if self.country != "NO" or informed is None or wait is None:
            return None
        return informed + dt.timedelta(days=wait)

    def rules(self) -> Iterator[Issue]:
        yield from super().rules()
        known = self.case.concern.first_known_date
        country = self.country
        informed = self.case.concern.rector_informed_date
        if informed is not None and informed > self.document_date:
            yield Issue("case.concern.rector_informed_date", "the rector was told after the plan's date")
        if country == "NO" and informed is None:
            yield Issue(
                "case.concern.rector_informed_date",
                "missing: without the day the rector was told, the plan cannot say when the family may go to "
                "the Statsforvalter",
                "warning",
            )
        if self.family_informed_date is not None and self.family_informed_date < self.case.concern.received_date:
            yield Issue("family_informed_date", "cannot be before the concern was received")
        if is_placeholder(self.views.pupil):
            yield Issue("views.pupil", "holds no real answer; write how the pupil was heard and what the pupil said")
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
            if m.evaluation_date < self.document_date and not m.evaluation_conclusion:
                yield Issue(
                    f"{at}.evaluation_conclusion",
                    "the evaluation date has passed but no conclusion is recorded",
                    "warning",
                )
            elif m.ended and not m.evaluation_conclusion:
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
                    f"after the deadline of {plan_working_days()} working days from when the school first knew",
                    "warning",
                )
