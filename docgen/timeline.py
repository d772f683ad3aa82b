"""A case's timeline: its dates and what is due, from the case file and the case's documents.

    concern received, the day the school first knew (when earlier), the case taken up with the rector,
    the receipt sent, the Danish handleplan deadline (and the school's own latest date when the count
    runs through its closing days), the earliest day for the Norwegian Statsforvalter, the plan's date
    and each measure's evaluation, the best-interest assessment's date

Everything here is pure: a validated case file, validated documents, the school profile and
today's date in, events out, and the events as a table, JSON or an iCalendar file. Reading the
files and printing is `docgen case status` (docgen/cli/case.py).

Nothing here prints the pupil's name or any free text of a record: measure names often hold the
pupil's name, so a measure is "tiltak 2" / "tiltag 2" (its number in the plan, from 1). The
calendar's titles carry the case reference, never a name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .casefile import CaseFile
from .dates import weekday_date
from .i18n import in_language
from .languages import LANGUAGES, language
from .models.activity_plan import ActivityPlan, Measure
from .models.common import ClosingPeriod, Document, plan_deadline, plan_deadline_school_days, plan_working_days

if TYPE_CHECKING:
    from .profile import Profile

DEFAULT_LANG = "nb"
# The document types that belong to one case and give it dates.
CASE_TYPES = ("concern_receipt", "activity_plan", "best_interest")

# What an event is (its `code`), in the order events of one day are listed.
CONCERN_RECEIVED = "concern_received"
FIRST_KNOWN = "first_known"
RECTOR_INFORMED = "rector_informed"
RECEIPT_SENT = "receipt_sent"
PLAN_DATED = "plan_dated"
BEST_INTEREST = "best_interest"
EVALUATION = "evaluation"
PLAN_DEADLINE = "plan_deadline"
PLAN_DEADLINE_SCHOOL = "plan_deadline_school"
STATSFORVALTER = "statsforvalter"
ORDER = (FIRST_KNOWN, CONCERN_RECEIVED, RECTOR_INFORMED, RECEIPT_SENT, PLAN_DATED, BEST_INTEREST, EVALUATION,
         PLAN_DEADLINE, PLAN_DEADLINE_SCHOOL, STATSFORVALTER)
# The events a calendar gets: what is due, not what has happened.
DUE = frozenset({PLAN_DEADLINE, PLAN_DEADLINE_SCHOOL, STATSFORVALTER, EVALUATION})

# An event's state relative to today.
PAST, TODAY, UPCOMING = "past", "today", "upcoming"
DONE = "done"  # an evaluation with its conclusion recorded
NO_CONCLUSION = "no_conclusion"  # an evaluation date that has passed without a conclusion
MET, MISSED = "met", "missed"  # the Danish deadline, when the plan is among the documents
HIGHLIGHT = frozenset({NO_CONCLUSION, MISSED})

# The words, in English as the catalogs (docgen/locale/*.json) know them.
_WHAT = {
    CONCERN_RECEIVED: "concern received",
    FIRST_KNOWN: "the school first knew of the problem",
    RECTOR_INFORMED: "the case taken up with the rector",
    RECEIPT_SENT: "receipt sent",
    PLAN_DATED: "activity plan dated",
    BEST_INTEREST: "best-interest assessment dated",
    EVALUATION: "evaluation of measure {n}",
    PLAN_DEADLINE: "deadline for the handleplan ({days} working days)",
    PLAN_DEADLINE_SCHOOL: "the school's own latest date for the handleplan (closing days not counted)",
    STATSFORVALTER: "earliest day the family may take the case to the Statsforvalter",
}
_STATE = {
    PAST: "past",
    TODAY: "today",
    UPCOMING: "upcoming",
    DONE: "done",
    NO_CONCLUSION: "no conclusion yet",
    MET: "met",
    MISSED: "missed",
}


@dataclass(frozen=True)
class Event:
    """One date of the case: what happened or what is due, and where it stands today."""

    date: dt.date
    code: str  # one of ORDER
    what: str  # in the case's language, never with a name or a record's own text
    state: str  # past, today, upcoming, done, no_conclusion, met, missed
    document: str | None = None  # the file name of the document the date comes from
    measure: int | None = None  # the measure's number in its plan, from 1

    @property
    def due(self) -> bool:
        """A deadline or an evaluation: what a calendar gets."""
        return self.code in DUE

    @property
    def highlight(self) -> bool:
        """Needs the school's attention: an evaluation without a conclusion, a missed deadline."""
        return self.state in HIGHLIGHT

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "code": self.code, "what": self.what, "state": self.state,
                "document": self.document, "measure": self.measure}


@dataclass(frozen=True)
class Filed:
    """A validated document of the case, with the name of its file (None when it has none)."""

    name: str | None
    document: Document


def case_language(case: CaseFile, profile: Profile | None = None) -> str:
    """The school's language: the case file's, else the profile's, else Bokmål."""
    for lang in (case.lang, profile.language if profile else None):
        if lang in LANGUAGES:
            return str(lang)
    return DEFAULT_LANG


def closing_days(case: CaseFile, profile: Profile | None = None) -> list[ClosingPeriod]:
    """The school's closing days: the case file's school's when it lists them, else the profile's."""
    if case.school is not None and "closing_days" in case.school.model_fields_set:
        return list(case.school.closing_days)
    if profile is not None and profile.school is not None:
        return list(profile.school.closing_days)
    return []


def state_of(day: dt.date, today: dt.date) -> str:
    return PAST if day < today else TODAY if day == today else UPCOMING


def build(case: CaseFile, documents: Iterable[Filed], today: dt.date, profile: Profile | None = None,
          lang: str | None = None) -> list[Event]:
    """The case's events, by date. `lang` overrides the school's language (case_language)."""
    lang = lang or case_language(case, profile)
    country = language(lang).country
    concern = case.concern
    documents = list(documents)
    events: list[Event] = []

    def add(day: dt.date, code: str, state: str | None = None, document: str | None = None,
            measure: int | None = None, **words: object) -> None:
        what = in_language(_WHAT[code].format(n=measure, **words), lang)
        events.append(Event(day, code, what, state or state_of(day, today), document, measure))

    add(concern.received_date, CONCERN_RECEIVED)
    if concern.first_known_date < concern.received_date:
        add(concern.first_known_date, FIRST_KNOWN)
    if concern.rector_informed_date is not None:
        add(concern.rector_informed_date, RECTOR_INFORMED)

    plans = [f.document for f in documents if isinstance(f.document, ActivityPlan)]
    for filed in documents:
        document = filed.document
        if document.type == "concern_receipt":
            add(document.document_date, RECEIPT_SENT, document=filed.name)
        elif document.type == "best_interest":
            add(document.document_date, BEST_INTEREST, document=filed.name)
        elif isinstance(document, ActivityPlan):
            add(document.document_date, PLAN_DATED, document=filed.name)
            for number, measure in enumerate(document.measures, start=1):
                add(measure.evaluation_date, EVALUATION, _evaluation_state(measure, today), filed.name, number)

    if country == "DK":
        first_known = concern.first_known_date
        deadline = plan_deadline(first_known)
        days = plan_working_days()
        planned = [plan.document_date for plan in plans]
        add(deadline, PLAN_DEADLINE, _deadline_state(deadline, planned, today), days=days)
        own = plan_deadline_school_days(first_known, closing_days(case, profile))
        if own is not None and own != deadline:
            add(own, PLAN_DEADLINE_SCHOOL, _deadline_state(own, planned, today))
    elif country == "NO" and concern.rector_informed_date is not None:
        escalation = statsforvalter_date(concern.rector_informed_date)
        if escalation is not None:
            add(escalation, STATSFORVALTER)

    rank = {code: i for i, code in enumerate(ORDER)}
    return sorted(events, key=lambda e: (e.date, rank[e.code], e.document or "", e.measure or 0))


def statsforvalter_date(rector_informed: dt.date) -> dt.date | None:
    """Norway: from this day the family may take the case to the Statsforvalter (opplæringslova
    § 12-6: one week after the case was taken up with the rector); None when the law table has
    no confirmed number of days."""
    from .law import table

    wait = table("NO").value_or_none("enforcement_wait_calendar_days")
    return None if wait is None else rector_informed + dt.timedelta(days=wait)


def _evaluation_state(measure: Measure, today: dt.date) -> str:
    if measure.evaluation_conclusion:
        return DONE
    if measure.evaluation_date < today:
        return NO_CONCLUSION
    return state_of(measure.evaluation_date, today)


def _deadline_state(deadline: dt.date, planned: Sequence[dt.date], today: dt.date) -> str:
    """Met when a plan among the documents is dated by the deadline; missed when the deadline has
    passed and the plans given are all dated after it; else where the day stands."""
    if any(day <= deadline for day in planned):
        return MET
    if planned and deadline < today:
        return MISSED
    return state_of(deadline, today)


# ---------------------------------------------------------------- the events as text, JSON and iCalendar


def state_words(state: str, lang: str) -> str:
    return in_language(_STATE[state], lang)


def heading(reference: str | None, today: dt.date, lang: str) -> str:
    """'Sak 2026/0412: datoer og frister per mandag 4. januar 2027'."""
    day = weekday_date(today, lang)
    if reference:
        return in_language(f"Case {reference}: dates and deadlines as of {day}", lang)
    return in_language(f"The case: dates and deadlines as of {day}", lang)


def as_table(events: Sequence[Event], lang: str, reference: str | None, today: dt.date) -> str:
    """An aligned table: date in the language's long form, what, state. A row that needs the
    school's attention starts with '!'."""
    head = ("", in_language("Date", lang), in_language("What", lang), in_language("Status", lang))
    rows = [head] + [("!" if e.highlight else "", weekday_date(e.date, lang), _capital(e.what),
                      state_words(e.state, lang)) for e in events]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [heading(reference, today, lang), ""]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines) + "\n"


def as_json(events: Sequence[Event]) -> str:
    return json.dumps([e.as_dict() for e in events], ensure_ascii=False, indent=2) + "\n"


def uids(events: Sequence[Event], reference: str | None) -> list[str]:
    """Stable identifiers, so a calendar updates its entries when the file is imported again:
    `{reference}-{code}-{n}@docgen`, n the measure's number (else 1; a repeat counts on)."""
    seen: set[str] = set()
    out = []
    for event in events:
        n = event.measure or 1
        while (uid := f"{reference or 'case'}-{event.code}-{n}@docgen") in seen:
            n += 1
        seen.add(uid)
        out.append(uid)
    return out


def as_ics(events: Sequence[Event], reference: str | None, today: dt.date) -> bytes:
    """An iCalendar file with one all-day entry per deadline and evaluation date. Titles carry the
    case reference and what is due ("2026/0412: evaluering av tiltak 2"), never a name."""
    import icalendar

    due = [e for e in events if e.due]
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//docgen//case status//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    for event, uid in zip(due, uids(due, reference), strict=True):
        entry = icalendar.Event()
        entry.add("uid", uid)
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.date)
        entry.add("dtend", event.date + dt.timedelta(days=1))
        entry.add("summary", f"{reference}: {event.what}" if reference else _capital(event.what))
        entry.add("transp", "TRANSPARENT")
        calendar.add_component(entry)
    data: bytes = calendar.to_ical()
    return data


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
