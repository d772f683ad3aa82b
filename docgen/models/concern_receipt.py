"""Receipt for a concern: NO melding om mottatt bekymring for skolemiljøet;
DK kvittering for en henvendelse om mobning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from ..dates import is_holiday, working_days_between
from ..errors import Issue
from .base import Choice, DateTime, Line, OptText, Record, labelled
from .common import Staff, WithPlanDeadline

MEETING_HOURS = (dt.time(7, 30), dt.time(18, 0))  # when a meeting with a family is plausible
MEETING_WITHIN_DAYS = 21  # a start-up meeting weeks away is no start-up meeting


class Setting(Choice):
    CLASS = "class"
    SCHOOL = "school"
    AFTER_SCHOOL = "after_school"
    WAY_TO_SCHOOL = "way_to_school"
    ONLINE = "online"


labelled(
    Setting,
    {
        "class": {"nb": "i klassen", "nn": "i klassen", "da": "i klassen"},
        "school": {"nb": "på skolen", "nn": "på skulen", "da": "på skolen"},
        "after_school": {"nb": "i skolefritidsordningen", "nn": "i skulefritidsordninga", "da": "i fritidsordningen"},
        "way_to_school": {"nb": "på skoleveien", "nn": "på skulevegen", "da": "på skolevejen"},
        "online": {"nb": "på nett", "nn": "på nett", "da": "på nettet"},
    },
)


class Method(Choice):
    TALKS = "talks"
    OBSERVATION = "observation"
    LOGBOOK = "logbook"
    SURVEY = "survey"
    DOCUMENTS = "documents"


labelled(
    Method,
    {
        "talks": {
            "nb": "samtaler med eleven og andre som vet noe om saken",
            "nn": "samtalar med eleven og andre som veit noko om saka",
            "da": "samtaler med eleven og andre, der ved noget om sagen",
        },
        "observation": {
            "nb": "observasjon i timer og friminutt",
            "nn": "observasjon i timar og friminutt",
            "da": "observation i timer og frikvarterer",
        },
        "logbook": {
            "nb": "loggføring fra de voksne som er rundt eleven",
            "nn": "loggføring frå dei vaksne rundt eleven",
            "da": "logbog fra de voksne omkring eleven",
        },
        "survey": {
            "nb": "spørreundersøkelse om klassemiljøet",
            "nn": "spørjeundersøking om klassemiljøet",
            "da": "trivselsundersøgelse i klassen",
        },
        "documents": {
            "nb": "gjennomgang av skriftlig materiale og meldinger",
            "nn": "gjennomgang av skriftleg materiale og meldingar",
            "da": "gennemgang af skriftligt materiale og beskeder",
        },
    },
)


class Meeting(Record):
    start: DateTime = Field(description="Date and time of the start-up meeting, YYYY-MM-DDTHH:MM (local time).")
    place: Line = Field(description="Where the meeting is held, e.g. 'møterommet i 2. etasje'.")
    participants: list[Line] = Field(
        default_factory=list, description="Who will be there from the school and the home."
    )


class ConcernReceipt(WithPlanDeadline):
    type: Literal["concern_receipt"] = "concern_receipt"
    setting: Setting = Field(
        Setting.SCHOOL, description="Where the concern is about: class, school, after_school, way_to_school, online."
    )
    methods: list[Method] = Field(
        default_factory=lambda: [Method.TALKS, Method.OBSERVATION, Method.LOGBOOK],
        description="How the school will investigate.",
    )
    meeting: Meeting | None = Field(None, description="The start-up meeting the family is invited to.")
    agenda: list[Line] = Field(
        default_factory=list,
        description="Meeting agenda; leave empty for the standard agenda of the template.",
    )
    temporary_measures: list[Line] = Field(
        default_factory=list,
        description="Measures started at once, while the case is investigated; the letter names them.",
    )
    contact: Staff = Field(description="Whom to contact if the time does not suit, or with questions.")
    signatory: Staff = Field(description="Who signs: rector, department head or school leader.")
    message: OptText = Field(None, description="Anything else the school wants to say, in its own words.")

    def _meeting_rules(self, start: dt.datetime) -> Iterator[Issue]:
        day = start.date()
        if day < self.case.concern.received_date:
            yield Issue("meeting.start", "the meeting cannot be before the concern was received")
        elif day < self.document_date:
            yield Issue("meeting.start", "the meeting is before the letter's date", "warning")
        if day.weekday() >= 5 or is_holiday(day, self.country):
            yield Issue("meeting.start", "the meeting falls on a weekend or a public holiday", "warning")
        if not MEETING_HOURS[0] <= start.time() <= MEETING_HOURS[1]:
            first, last = (t.strftime("%H:%M") for t in MEETING_HOURS)
            yield Issue("meeting.start", f"the meeting is outside school hours ({first}–{last})", "warning")
        if day > self.document_date + dt.timedelta(days=MEETING_WITHIN_DAYS):
            yield Issue(
                "meeting.start", f"the meeting is more than {MEETING_WITHIN_DAYS} days after the letter", "warning"
            )

    def rules(self) -> Iterator[Issue]:
        yield from super().rules()
        received = self.case.concern.received_date
        country = self.country
        if self.case.pupil.date_of_birth is None:
            yield Issue("case.pupil.date_of_birth", "the receipt names the pupil by name and date of birth; add it")
        if working_days_between(received, self.document_date, country) > 1:
            yield Issue("document_date", "the receipt should go out the day the concern arrives", "warning")
        if self.meeting is not None:
            yield from self._meeting_rules(self.meeting.start)
        if self.meeting is None and country == "NO":
            yield Issue("meeting", "the receipt normally invites the family to a start-up meeting", "warning")
        if country == "DK" and not self.temporary_measures:
            yield Issue(
                "temporary_measures",
                "the Danish receipt tells the parents which temporary measures start at once",
                "warning",
            )
        if self.deadline and self.meeting is not None and self.meeting.start.date() > self.deadline:
            yield Issue("meeting.start", "the meeting is after the deadline for the handleplan", "warning")
        if not self.case.guardians and self.case.concern.reported_by.value == "guardians":
            yield Issue(
                "case.guardians",
                "the concern came from the guardians; name them so the letter is addressed to them",
                "warning",
            )
