"""Parts every document shares: school, pupil, guardians, staff, the concern.

An integration keeps one `case` object per pupil and sends it with every
document, so the receipt, the assessment and the plan need no retyping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Literal

from pydantic import Field, computed_field, model_validator
from pydantic_core import PydanticCustomError

from ..dates import add_working_days
from ..errors import Issue
from ..languages import LangCode, language
from .base import (
    Choice,
    Date,
    Line,
    OptEmail,
    OptLine,
    OptText,
    Record,
    labelled,
)


class ClosingPeriod(Record):
    """Days the school is closed (a holiday), which the law's count of working days ignores."""

    first: Date = Field(description="The first closed day, YYYY-MM-DD.")
    last: Date = Field(description="The last closed day, YYYY-MM-DD.")
    name: OptLine = Field(None, description="E.g. 'sommerferie', 'juleferie'.")

    @model_validator(mode="after")
    def _ordered(self) -> ClosingPeriod:
        if self.last < self.first:
            raise PydanticCustomError("period_order", "the last day cannot come before the first")
        return self


class School(Record):
    name: Line = Field(description="The school's name as it appears in the letterhead.")
    kind: Literal["public", "independent"] = Field(
        "public",
        description="public: a municipal school (folkeskole, kommunal skule); independent: a free or private school. "
        "The complaint route depends on it.",
    )
    address: OptText = Field(None, description="Postal address, one line per address line.")
    visiting_address: OptText = Field(
        None, description="Visiting address, when it differs from the postal address; one line per address line."
    )
    phone: OptLine = Field(None, description="The school's telephone number.")
    email: OptEmail = Field(None, description="The school's e-mail address.")
    web: OptLine = Field(None, description="The school's web address.")
    municipality: OptLine = Field(None, description="Municipality (kommune) that owns the school.")
    org_number: OptLine = Field(None, description="Organisation number (NO) or CVR/institution number (DK).")
    complaints_to: OptText = Field(
        None,
        description="Where a family's complaint goes first, with its address: DK the municipality (folkeskole) or "
        "the school's board (free and private schools).",
    )
    statsforvalter: OptText = Field(
        None, description="NO: the Statsforvalter's office for the school's county, with how to reach it."
    )
    national_complaints: OptText = Field(
        None, description="DK: how to reach the national complaint function for bullying cases."
    )
    help_lines: list[Line] = Field(
        default_factory=list,
        description="Help lines the documents give families, with the numbers as the school has checked them.",
    )
    closing_days: list[ClosingPeriod] = Field(
        default_factory=list,
        description="The school's closing days (holidays): Danish documents say how the school handles a "
        "handleplan deadline that falls in them.",
    )


class Pupil(Record):
    name: Line = Field(description="The pupil's full name.")
    group: Line = Field(description="Class or group, e.g. '6B'.")
    date_of_birth: Date | None = Field(None, description="Date of birth, YYYY-MM-DD.")
    first_name: OptLine = Field(
        None, description="What the letters call the pupil after the first mention; default: the first word of name."
    )

    @model_validator(mode="after")
    def _default_first_name(self) -> Pupil:
        if self.first_name is None:
            self.first_name = self.name.split()[0]
        return self


class Staff(Record):
    name: Line = Field(description="Full name.")
    title: OptLine = Field(None, description="Role, e.g. 'kontaktlærer', 'rektor', 'AKT-lærer'.")
    email: OptEmail = Field(None, description="E-mail address.")
    phone: OptLine = Field(None, description="Telephone number.")


class Guardian(Record):
    name: Line = Field(description="Full name.")
    relation: OptLine = Field(None, description="Relation to the pupil, e.g. 'mor', 'far', 'verge'.")
    address: OptText = Field(
        None,
        description="Postal address, one line per address line; letters print it in the recipient block "
        "(the envelope's window). Guardians who share an address get one block.",
    )
    email: OptEmail = Field(None, description="E-mail address.")
    phone: OptLine = Field(None, description="Telephone number.")


class Recipient(Record):
    """One address block of a letter: the guardians who share a postal address."""

    names: list[str] = Field(description="The guardians' names.")
    address: str | None = Field(None, description="Their postal address; none when the record gives none.")


class Channel(Choice):
    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"
    MEETING = "meeting"
    LETTER = "letter"
    DIGITAL = "digital"
    OTHER = "other"


labelled(
    Channel,
    {
        "phone": {"nb": "telefon", "nn": "telefon", "da": "telefon"},
        "email": {"nb": "e-post", "nn": "e-post", "da": "e-mail"},
        "in_person": {"nb": "muntlig, på skolen", "nn": "munnleg, på skulen", "da": "personligt fremmøde"},
        "meeting": {"nb": "møte", "nn": "møte", "da": "møde"},
        "letter": {"nb": "brev", "nn": "brev", "da": "brev"},
        "digital": {
            "nb": "digitalt skjema eller melding",
            "nn": "digitalt skjema eller melding",
            "da": "digital formular eller besked",
        },
        "other": {"nb": "annen kanal", "nn": "anna kanal", "da": "anden kanal"},
    },
    # How the concern reached the school, as it reads in "Dere meldte fra …" / "I kontaktede os …".
    {
        "phone": {"nb": "på telefon", "nn": "på telefon", "da": "telefonisk"},
        "email": {"nb": "på e-post", "nn": "på e-post", "da": "på e-mail"},
        # nb/nn: "" — who came to the school decides the words, so the templates write them.
        "in_person": {"nb": "", "nn": "", "da": "ved personligt fremmøde"},
        "meeting": {"nb": "på et møte", "nn": "på eit møte", "da": "på et møde"},
        "letter": {"nb": "i et brev", "nn": "i eit brev", "da": "pr. brev"},
        "digital": {"nb": "i en digital melding", "nn": "i ei digital melding", "da": "med en digital besked"},
        "other": {"nb": "", "nn": "", "da": ""},
    },
)


class Reporter(Choice):
    PUPIL = "pupil"
    GUARDIANS = "guardians"
    STAFF = "staff"
    OTHER_PUPIL = "other_pupil"
    OTHER = "other"


labelled(
    Reporter,
    {
        "pupil": {"nb": "eleven selv", "nn": "eleven sjølv", "da": "eleven selv"},
        "guardians": {"nb": "foresatte", "nn": "føresette", "da": "forældrene"},
        "staff": {"nb": "en ansatt ved skolen", "nn": "ein tilsett ved skulen", "da": "en medarbejder på skolen"},
        "other_pupil": {"nb": "en medelev", "nn": "ein medelev", "da": "en anden elev"},
        "other": {"nb": "andre", "nn": "andre", "da": "andre"},
    },
)


class Concern(Record):
    """How the school came to know: the start of every deadline."""

    received_date: Date = Field(description="The date the concern reached the school, YYYY-MM-DD.")
    channel: Channel = Field(description="How it arrived.")
    reported_by: Reporter = Field(description="Who raised the concern.")
    received_by: Staff = Field(description="The staff member who received it first.")
    school_aware_date: Date | None = Field(
        None,
        description=(
            "The day any employee first learned of the problem, if earlier than received_date. "
            "Danish deadlines run from this day."
        ),
    )
    rector_informed_date: Date | None = Field(
        None,
        description=(
            "The day the case was taken up with the rector (head teacher). In Norway the family may take the "
            "case to the Statsforvalter when a week has passed since then."
        ),
    )
    summary: OptText = Field(None, description="What the concern is about, in a few sentences.")

    @computed_field(  # type: ignore[prop-decorator]
        description="The earliest day the school knew: school_aware_date, else received_date."
    )
    @property
    def first_known_date(self) -> dt.date:
        """The day deadlines run from."""
        return min(d for d in (self.received_date, self.school_aware_date) if d is not None)


class Case(Record):
    """Everything about one pupil's case that several documents share."""

    reference: OptLine = Field(None, description="Case or archive number, e.g. '2026/0412'.")
    their_reference: OptLine = Field(
        None, description="The family's or another office's own reference, printed as 'Deres ref.' / 'Jeres ref.'."
    )
    pupil: Pupil
    guardians: list[Guardian] = Field(default_factory=list, description="Parents or guardians.")
    concern: Concern

    @computed_field(  # type: ignore[prop-decorator]
        description="The guardians grouped by postal address, for a letter's recipient block: each group's "
        "names and the address they share (none when the record gives no address)."
    )
    @property
    def recipients(self) -> list[Recipient]:
        groups: dict[str | None, list[str]] = {}
        for guardian in self.guardians:
            key = guardian.address.strip() if guardian.address else None
            groups.setdefault(key, []).append(guardian.name)
        return [Recipient(names=names, address=address) for address, names in groups.items()]

    def rules(self) -> Iterator[Issue]:
        concern = self.concern
        if concern.school_aware_date and concern.school_aware_date > concern.received_date:
            yield Issue(
                "case.concern.school_aware_date", "cannot be after received_date; it is the day the school first knew"
            )
        if concern.rector_informed_date and concern.rector_informed_date < concern.first_known_date:
            yield Issue("case.concern.rector_informed_date", "cannot be before the school knew of the concern")
        if self.pupil.date_of_birth and self.pupil.date_of_birth >= concern.received_date:
            yield Issue("case.pupil.date_of_birth", "must be before the concern was received")


class Document(Record):
    """Fields every document record has, whatever its type."""

    type: str
    lang: LangCode = Field(description="Written language: 'nb' Bokmål, 'nn' Nynorsk, 'da' Danish.")
    document_date: Date = Field(
        default_factory=dt.date.today,
        description="The date the document carries; today if left out.",
    )
    school: School
    custom: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict,
        description="The school's own fields, as declared in its school profile; templates use {{ custom.NAME }}.",
    )

    def rules(self) -> Iterator[Issue]:
        """Cross-field checks a caseworker would want caught (errors and warnings)."""
        return iter(())

    @property
    def country(self) -> str:
        """'NO' or 'DK': whose law and holidays apply."""
        return language(self.lang).country


def plan_working_days() -> int:
    """Denmark: the working days the school has for the handleplan (undervisningsmiljøloven § 1 c)."""
    from ..law import table

    return table("DK").value("plan_working_days")


def plan_deadline(first_known: dt.date) -> dt.date:
    """Denmark: the last day for the handleplan as the law counts (weekends and public holidays
    do not count; school holidays do), from the day the school first knew."""
    return add_working_days(first_known, plan_working_days(), "DK")


def closing_in_plan_period(first_known: dt.date, closing_days: Sequence[ClosingPeriod]) -> list[ClosingPeriod]:
    """The school's closing periods that overlap the days counted towards the Danish deadline."""
    deadline = plan_deadline(first_known)
    return [p for p in closing_days if p.first <= deadline and p.last > first_known]


def plan_deadline_school_days(first_known: dt.date, closing_days: Sequence[ClosingPeriod]) -> dt.date | None:
    """The same count with the school's closing days left out too: the latest date the school
    gives itself when the law's deadline falls in its holidays (see law fact school_holidays_remark);
    None when the count runs through none of them."""
    if not closing_in_plan_period(first_known, closing_days):
        return None
    periods = [(p.first, p.last) for p in closing_days]
    return add_working_days(first_known, plan_working_days(), "DK", periods)


class CaseDocument(Document):
    """A document about one pupil's case: the plan, the receipt, the assessment."""

    case: Case
    copies: list[Line] = Field(
        default_factory=list,
        description="Who gets a copy, listed under 'Kopi til' at the end, e.g. 'Kontaktlærer 6B'. No pupil names.",
    )

    def rules(self) -> Iterator[Issue]:
        yield from self.case.rules()
        if self.document_date < self.case.concern.received_date:
            yield Issue("document_date", "the document cannot be dated before the concern was received")
        closing = self._closing_in_plan_period()
        if closing:
            names = ", ".join(p.name or f"{p.first.isoformat()}–{p.last.isoformat()}" for p in closing)
            yield Issue(
                "school.closing_days",
                f"the {plan_working_days()} working days for the handleplan run through the school's closing days "
                f"({names}); the plan is still due by the deadline as far as possible, and the document says so",
                "warning",
            )

    def _plan_deadline(self) -> dt.date | None:
        """Danish cases: the last day for the handleplan as the law counts (weekends and public
        holidays do not count; school holidays do)."""
        if self.country != "DK":
            return None
        return plan_deadline(self.case.concern.first_known_date)

    def _closing_in_plan_period(self) -> list[ClosingPeriod]:
        """The school's closing periods that overlap the days counted towards the Danish deadline."""
        if self.country != "DK":
            return []
        return closing_in_plan_period(self.case.concern.first_known_date, self.school.closing_days)

    def _plan_deadline_school_days(self) -> dt.date | None:
        """The same count with the school's closing days left out too: the latest date the school
        gives itself when the law's deadline falls in its holidays (see law fact school_holidays_remark)."""
        if self.country != "DK":
            return None
        return plan_deadline_school_days(self.case.concern.first_known_date, self.school.closing_days)


class WithPlanDeadline(CaseDocument):
    """The documents that print the Danish handleplan deadline: the plan and the receipt."""

    @computed_field(  # type: ignore[prop-decorator]
        description="Danish documents: the last day for the handleplan (10 working days; weekends and public "
        "holidays do not count)."
    )
    @property
    def deadline(self) -> dt.date | None:
        return self._plan_deadline()

    @computed_field(  # type: ignore[prop-decorator]
        description="Danish documents: the school's closing periods the 10 working days run through."
    )
    @property
    def deadline_closing(self) -> list[ClosingPeriod]:
        return self._closing_in_plan_period()

    @computed_field(  # type: ignore[prop-decorator]
        description="Danish documents, when the deadline runs through the school's closing days: the latest "
        "day, counting those days out too."
    )
    @property
    def deadline_school_days(self) -> dt.date | None:
        return self._plan_deadline_school_days()
