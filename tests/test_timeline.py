"""`docgen case status`: a case's dates and what is due, as a table, JSON and an iCalendar file
(issue 13). The deadlines are checked against dates counted by hand on the calendar, across
Christmas and Easter; nothing the command writes may carry the pupil's name."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import icalendar
import pytest

from docgen import timeline
from docgen.casefile import CaseFile
from docgen.dates import add_working_days
from docgen.timeline import Event, Filed, build

from conftest import failed, load_example, ok, run_cli

D = dt.date
PUPIL, FIRST_NAME = "Ida Fjelltun", "Ida"
DANISH_PUPIL, DANISH_FIRST_NAME = "Sofie Kjærsgaard", "Sofie"


def case_data(lang: str, received: str, *, aware: str | None = None, rector: str | None = None,
              reference: str | None = "2026/0412", school: dict[str, Any] | None = None) -> dict[str, Any]:
    name = DANISH_PUPIL if lang == "da" else PUPIL
    concern: dict[str, Any] = {"received_date": received, "channel": "email", "reported_by": "guardians",
                               "received_by": {"name": "Kari Lie", "title": "kontaktlærer"}}
    if aware:
        concern["school_aware_date"] = aware
    if rector:
        concern["rector_informed_date"] = rector
    data: dict[str, Any] = {"lang": lang, "pupil": {"name": name, "group": "6B", "date_of_birth": "2015-03-14"},
                            "concern": concern}
    if reference:
        data["reference"] = reference
    if school:
        data["school"] = school
    return data


def events_of(data: dict[str, Any], today: D, documents: Sequence[Filed] = ()) -> list[Event]:
    return build(CaseFile.model_validate(data), documents, today)


def only(events: list[Event], code: str) -> Event:
    (event,) = [e for e in events if e.code == code]
    return event


def write_case(folder: Path, data: dict[str, Any], name: str = "sak.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_plan(folder: Path, example: str, start: str, evaluations: list[tuple[str, str | None]],
               document_date: str, name: str = "plan.json", **changes: Any) -> Path:
    """The example plan for the case file beside it (`case: sak.json`): the first measures get these
    evaluation dates and conclusions; its other measures are dropped."""
    record = load_example(example)
    record["case"] = "sak.json"
    record.pop("school", None)
    record["document_date"] = document_date
    record["family_informed_date"] = None
    measures = record["measures"][: len(evaluations)]
    for measure, (evaluation, conclusion) in zip(measures, evaluations, strict=True):
        measure["start_date"] = start
        measure["evaluation_date"] = evaluation
        measure["evaluation_conclusion"] = conclusion
    record["measures"] = measures
    for temporary in record.get("temporary_measures", []):
        temporary["start_date"] = start
    record.update(changes)
    path = folder / name
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


SCHOOL_NB = {"name": "Lyngåsen skole"}
SCHOOL_DA = {"name": "Bøgeskov Skole"}


# ---------------------------------------------------------------- the deadlines, counted by hand


def test_the_danish_deadline_across_christmas() -> None:
    """The school first knew on Friday 18 December 2026. Ten working days, counted by hand
    (weekends, 1. juledag 25 December, 2. juledag 26 December and nytårsdag 1 January do not
    count; juleaftensdag 24 December and nytårsaftensdag 31 December are not public holidays and do):

        1 Mon 21 Dec   2 Tue 22 Dec   3 Wed 23 Dec   4 Thu 24 Dec   (Fri 25 Dec: 1. juledag)
        5 Mon 28 Dec   6 Tue 29 Dec   7 Wed 30 Dec   8 Thu 31 Dec   (Fri 1 Jan: nytårsdag)
        9 Mon  4 Jan  10 Tue  5 Jan

    so the handleplan is due Tuesday 5 January 2027."""
    deadline = D(2027, 1, 5)
    assert add_working_days(D(2026, 12, 18), 10, "DK") == deadline
    events = events_of(case_data("da", "2026-12-21", aware="2026-12-18"), today=D(2026, 12, 21))
    event = only(events, "plan_deadline")
    assert (event.date, event.date.weekday()) == (deadline, 1)  # a Tuesday
    assert event.what == "frist for handleplanen (10 arbejdsdage)"
    assert event.state == "upcoming"
    # It runs from the day the school first knew (school_aware_date), which shows as its own date.
    assert only(events, "first_known").date == D(2026, 12, 18)
    assert only(events, "concern_received").date == D(2026, 12, 21)
    assert not [e for e in events if e.code in ("plan_deadline_school", "statsforvalter")]


def test_the_schools_christmas_holiday_gives_its_own_latest_date() -> None:
    """The same case at a school closed 19 December to 3 January: counting the closing days out
    too, the ten days are 4-8 and 11-15 January, so the school's own latest date is Friday
    15 January 2027; the law's deadline stays Tuesday 5 January."""
    school = {**SCHOOL_DA, "closing_days": [{"first": "2026-12-19", "last": "2027-01-03", "name": "juleferie"}]}
    events = events_of(case_data("da", "2026-12-18", school=school), today=D(2027, 1, 6))
    assert only(events, "plan_deadline").date == D(2027, 1, 5)
    own = only(events, "plan_deadline_school")
    assert own.date == D(2027, 1, 15)
    assert own.what == "skolens egen seneste dato for handleplanen (ferie- og fridage ikke medregnet)"
    assert [e.code for e in events][-2:] == ["plan_deadline", "plan_deadline_school"]


def test_the_school_profiles_closing_days_count_when_the_case_file_has_none(tmp_path: Path) -> None:
    profile = tmp_path / "skole.toml"
    profile.write_text('language = "da"\n[school]\nname = "Bøgeskov Skole"\n[[school.closing_days]]\n'
                       'first = 2026-12-19\nlast = 2027-01-03\n', encoding="utf-8")
    data = case_data("da", "2026-12-18")
    del data["lang"]  # the profile's language
    case = write_case(tmp_path, data)
    result = run_cli("case", "status", case, "--profile", profile, "--today", "2027-01-06", "--json")
    ok(result)
    dates = {e["code"]: e["date"] for e in json.loads(result.stdout)}
    assert dates["plan_deadline"] == "2027-01-05"
    assert dates["plan_deadline_school"] == "2027-01-15"


def test_the_danish_deadline_across_easter() -> None:
    """The school first knew on Wednesday 24 March 2027. Easter Sunday is 28 March: skærtorsdag
    25, langfredag 26 and 2. påskedag 29 March are public holidays and do not count, nor do
    weekends. Counted by hand:

        (Thu 25, Fri 26 Mar: skærtorsdag, langfredag; Sat 27, Sun 28; Mon 29: 2. påskedag)
        1 Tue 30 Mar   2 Wed 31 Mar   3 Thu  1 Apr   4 Fri  2 Apr
        5 Mon  5 Apr   6 Tue  6 Apr   7 Wed  7 Apr   8 Thu  8 Apr   9 Fri  9 Apr
       10 Mon 12 Apr

    so the handleplan is due Monday 12 April 2027. The school's Easter holiday (20-29 March)
    only covers days that do not count anyway, so there is no later date of its own."""
    deadline = D(2027, 4, 12)
    assert add_working_days(D(2027, 3, 24), 10, "DK") == deadline
    school = {**SCHOOL_DA, "closing_days": [{"first": "2027-03-20", "last": "2027-03-29", "name": "påskeferie"}]}
    events = events_of(case_data("da", "2027-03-24", school=school), today=D(2027, 4, 12))
    event = only(events, "plan_deadline")
    assert (event.date, event.date.weekday()) == (deadline, 0)  # a Monday
    assert event.state == "today"
    assert not [e for e in events if e.code == "plan_deadline_school"]


def test_the_norwegian_statsforvalter_date_across_christmas() -> None:
    """The rector was told on Tuesday 22 December 2026; a week later, Tuesday 29 December 2026,
    the family may take the case to the Statsforvalter (calendar days: Christmas does not stop it)."""
    events = events_of(case_data("nb", "2026-12-21", rector="2026-12-22"), today=D(2027, 1, 4))
    event = only(events, "statsforvalter")
    assert event.date == D(2026, 12, 29)
    assert event.what == "tidligste dag familien kan melde saken til Statsforvalteren"
    assert event.state == "past"
    assert only(events, "rector_informed").date == D(2026, 12, 22)
    assert not [e for e in events if e.code.startswith("plan_deadline")]


def test_without_the_rectors_date_there_is_no_statsforvalter_date_and_a_warning(tmp_path: Path) -> None:
    case = write_case(tmp_path, case_data("nb", "2026-12-21"))
    result = run_cli("case", "status", case, "--today", "2027-01-04", "--json")
    ok(result)
    assert "statsforvalter" not in {e["code"] for e in json.loads(result.stdout)}
    assert "concern.rector_informed_date: missing" in result.stderr


# ---------------------------------------------------------------- the plan's evaluations


def nb_plan_case(tmp_path: Path) -> tuple[Path, Path]:
    """A Norwegian case with a plan of three measures: evaluated 11 January without a conclusion,
    12 January with one, 1 February still to come."""
    case = write_case(tmp_path, case_data("nb", "2026-12-21", aware="2026-12-18", rector="2026-12-22",
                                          school=SCHOOL_NB))
    plan = write_plan(tmp_path, "activity_plan.nb.json", "2027-01-04",
                      [("2027-01-11", None), ("2027-01-12", "Fungerer; videreføres."), ("2027-02-01", None)],
                      document_date="2027-01-04")
    return case, plan


def test_each_evaluation_is_done_without_a_conclusion_or_upcoming(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    result = run_cli("case", "status", case, plan, "--today", "2027-01-18", "--json")
    ok(result)
    events = json.loads(result.stdout)
    evaluations = [e for e in events if e["code"] == "evaluation"]
    assert [(e["date"], e["measure"], e["state"]) for e in evaluations] == [
        ("2027-01-11", 1, "no_conclusion"),
        ("2027-01-12", 2, "done"),
        ("2027-02-01", 3, "upcoming"),
    ]
    assert {e["document"] for e in evaluations} == {"plan.json"}
    assert [e["what"] for e in evaluations] == [f"evaluering av tiltak {n}" for n in (1, 2, 3)]
    # Every event has the same keys, the day in ISO form, and the events come in date order.
    assert all(set(e) == {"date", "code", "what", "state", "document", "measure"} for e in events)
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    assert {"concern_received", "first_known", "rector_informed", "statsforvalter", "plan_dated"} <= {
        e["code"] for e in events}


def test_the_table_shows_the_dates_in_the_schools_language_and_marks_what_needs_attention(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    result = run_cli("case", "status", case, plan, "--today", "2027-01-18")
    ok(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "Sak 2026/0412: datoer og frister per mandag 18. januar 2027"
    assert lines[2].split() == ["Dato", "Hva", "Status"]
    assert "   tirsdag 29. desember 2026  Tidligste dag familien kan melde saken til Statsforvalteren" in result.stdout
    (attention,) = [line for line in lines if line.startswith("!")]
    assert "mandag 11. januar 2027" in attention and "Evaluering av tiltak 1" in attention
    assert attention.endswith("ingen konklusjon ennå")
    assert any("Evaluering av tiltak 2" in line and line.endswith("gjennomført") for line in lines)
    assert any("Evaluering av tiltak 3" in line and line.endswith("kommende") for line in lines)
    # The columns line up under their headings.
    what, state = lines[2].index("Hva"), lines[2].index("Status")
    for line in lines[3:]:
        assert line[what - 2 : what] == "  " and line[what] != " ", line
        assert line[state - 2 : state] == "  " and line[state] != " ", line


def test_nothing_printed_names_the_pupil_or_repeats_the_records_text(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    record = json.loads(plan.read_text(encoding="utf-8"))
    texts = [m["name"] for m in record["measures"]] + ["Fungerer; videreføres.", "Kari Lie"]
    for extra in ((), ("--json",)):
        result = run_cli("case", "status", case, plan, "--today", "2027-01-18", *extra)
        ok(result)
        for secret in (PUPIL, FIRST_NAME, *texts):
            assert secret not in result.stdout
            assert secret not in result.stderr


def test_the_danish_plan_meets_its_deadline_and_reads_in_danish(tmp_path: Path) -> None:
    case = write_case(tmp_path, case_data("da", "2026-12-18", reference="26/4187", school=SCHOOL_DA))
    plan = write_plan(tmp_path, "activity_plan.da.json", "2027-01-04", [("2027-01-11", None)],
                      document_date="2027-01-04")
    result = run_cli("case", "status", case, plan, "--today", "2027-01-12")
    ok(result)
    assert result.stdout.startswith("Sag 26/4187: datoer og frister pr. tirsdag den 12. januar 2027\n")
    assert any("tirsdag den 5. januar 2027" in line and "Frist for handleplanen (10 arbejdsdage)" in line
               and line.endswith("overholdt") for line in result.stdout.splitlines())
    assert "Evaluering af tiltag 1" in result.stdout and "ingen konklusion endnu" in result.stdout
    assert DANISH_PUPIL not in result.stdout and DANISH_FIRST_NAME not in result.stdout


def test_a_plan_dated_after_the_danish_deadline_missed_it() -> None:
    from docgen.records import validate

    record = load_example("activity_plan.da.json")
    case = case_data("da", "2026-12-18", school=SCHOOL_DA)
    record["case"] = {k: v for k, v in case.items() if k not in ("lang", "school")}
    record["document_date"] = "2027-01-08"
    record["family_informed_date"] = None
    for measure in record["measures"]:
        measure["start_date"], measure["evaluation_date"] = "2027-01-08", "2027-02-08"
    for temporary in record["temporary_measures"]:
        temporary["start_date"] = "2026-12-18"
    report = validate(record)
    assert report.document is not None, report.errors
    events = events_of(case, D(2027, 1, 11), [Filed("plan.json", report.document)])
    assert only(events, "plan_deadline").state == "missed"
    assert only(events, "plan_deadline").highlight


def test_the_receipt_and_the_assessment_give_their_dates(tmp_path: Path) -> None:
    case = write_case(tmp_path, case_data("nb", "2026-12-21", rector="2026-12-22", school=SCHOOL_NB))
    receipt = load_example("concern_receipt.nb.json")
    receipt.update(case="sak.json", document_date="2026-12-21")
    receipt.pop("school", None)
    receipt.pop("meeting", None)
    receipt_path = tmp_path / "kvittering.json"
    receipt_path.write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    assessment = load_example("best_interest.nb.json")
    assessment.update(case="sak.json", document_date="2027-01-04")
    assessment.pop("school", None)
    assessment_path = tmp_path / "vurdering.json"
    assessment_path.write_text(json.dumps(assessment, ensure_ascii=False), encoding="utf-8")
    result = run_cli("case", "status", case, receipt_path, assessment_path, "--today", "2027-01-04", "--json")
    ok(result)
    events = {e["code"]: e for e in json.loads(result.stdout)}
    assert (events["receipt_sent"]["date"], events["receipt_sent"]["document"]) == ("2026-12-21", "kvittering.json")
    assert events["receipt_sent"]["what"] == "melding om mottatt bekymring sendt"
    assert (events["best_interest"]["date"], events["best_interest"]["state"]) == ("2027-01-04", "today")


def test_a_document_without_a_case_takes_the_case_file(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    record = json.loads(plan.read_text(encoding="utf-8"))
    del record["case"]
    plan.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = run_cli("case", "status", case, plan, "--today", "2027-01-18", "--json")
    ok(result)
    assert len([e for e in json.loads(result.stdout) if e["code"] == "evaluation"]) == 3


# ---------------------------------------------------------------- the calendar


def unfolded(data: bytes) -> str:
    """The file's text with iCalendar's line folding undone, so a name split over two lines is found."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def test_the_calendar_holds_the_deadlines_and_evaluations_and_no_name(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    ics = tmp_path / "sak.ics"
    result = run_cli("case", "status", case, plan, "--today", "2027-01-18", "--ics", ics)
    ok(result)
    data = ics.read_bytes()
    calendar = icalendar.Calendar.from_ical(data)
    entries = [(c.decoded("dtstart"), str(c["summary"]), str(c["uid"])) for c in calendar.walk("VEVENT")]
    assert entries == [
        (D(2026, 12, 29), "2026/0412: tidligste dag familien kan melde saken til Statsforvalteren",
         "2026/0412-statsforvalter-1@docgen"),
        (D(2027, 1, 11), "2026/0412: evaluering av tiltak 1", "2026/0412-evaluation-1@docgen"),
        (D(2027, 1, 12), "2026/0412: evaluering av tiltak 2", "2026/0412-evaluation-2@docgen"),
        (D(2027, 2, 1), "2026/0412: evaluering av tiltak 3", "2026/0412-evaluation-3@docgen"),
    ]
    for entry in calendar.walk("VEVENT"):
        assert not isinstance(entry.decoded("dtstart"), dt.datetime)  # all-day
        assert entry.decoded("dtend") == entry.decoded("dtstart") + dt.timedelta(days=1)
        assert entry.decoded("dtstamp") == dt.datetime(2027, 1, 18, tzinfo=dt.UTC)
    text = unfolded(data)
    for name in (PUPIL, FIRST_NAME, "Fjelltun"):
        assert name.lower() not in text.lower()
        assert name.encode() not in data
    # What happened is not in the calendar, only what is due.
    assert "bekymring mottatt" not in text and "tatt opp med rektor" not in text


def test_the_danish_calendar_has_the_deadline_and_the_schools_own_date(tmp_path: Path) -> None:
    school = {**SCHOOL_DA, "closing_days": [{"first": "2026-12-19", "last": "2027-01-03", "name": "juleferie"}]}
    case = write_case(tmp_path, case_data("da", "2026-12-18", reference="26/4187", school=school))
    ics = tmp_path / "sag.ics"
    ok(run_cli("case", "status", case, "--today", "2026-12-18", "--ics", ics))
    calendar = icalendar.Calendar.from_ical(ics.read_bytes())
    assert [(c.decoded("dtstart"), str(c["summary"])) for c in calendar.walk("VEVENT")] == [
        (D(2027, 1, 5), "26/4187: frist for handleplanen (10 arbejdsdage)"),
        (D(2027, 1, 15), "26/4187: skolens egen seneste dato for handleplanen (ferie- og fridage ikke medregnet)"),
    ]
    text = unfolded(ics.read_bytes())
    assert DANISH_PUPIL not in text and DANISH_FIRST_NAME not in text


def test_the_calendar_is_the_same_every_time_and_is_not_replaced_without_force(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    ics = tmp_path / "sak.ics"
    ok(run_cli("case", "status", case, plan, "--today", "2027-01-18", "--ics", ics))
    first = ics.read_bytes()
    again = run_cli("case", "status", case, plan, "--today", "2027-01-18", "--ics", ics)
    failed(again)
    assert "already exists; use --force" in again.stderr
    ok(run_cli("case", "status", case, plan, "--today", "2027-01-18", "--ics", ics, "--force"))
    assert ics.read_bytes() == first


def test_no_calendar_is_written_when_a_document_is_left_out(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "activity_plan", "case": "sak.json"}', encoding="utf-8")
    ics = tmp_path / "sak.ics"
    result = run_cli("case", "status", case, plan, broken, "--today", "2027-01-18", "--ics", ics)
    failed(result)
    assert not ics.exists()
    assert "the calendar file was not written" in result.stderr


def test_uids_stay_apart_when_two_plans_number_their_measures_alike() -> None:
    events = [Event(D(2027, 1, 11), "evaluation", "x", "upcoming", "a.json", 1),
              Event(D(2027, 1, 12), "evaluation", "x", "upcoming", "b.json", 1)]
    assert timeline.uids(events, None) == ["case-evaluation-1@docgen", "case-evaluation-2@docgen"]


# ---------------------------------------------------------------- bad input


def test_a_missing_case_file(tmp_path: Path) -> None:
    result = run_cli("case", "status", tmp_path / "nope.yaml")
    failed(result)
    assert result.stdout == ""
    assert result.stderr == f"docgen: error: {tmp_path / 'nope.yaml'}: case file not found\n"


def test_a_case_file_that_fails_validation_names_the_line_and_field(tmp_path: Path) -> None:
    case = tmp_path / "sak.yaml"
    case.write_text(
        "reference: '2026/0412'\n"
        "lang: nb\n"
        "pupil:\n"
        f"  name: {PUPIL}\n"
        "  group: 6B\n"
        "concern:\n"
        "  received_date: 2026-12-32\n"  # line 7
        "  channel: email\n"
        "  reported_by: guardians\n"
        "  received_by:\n"
        "    name: Kari Lie\n"
        "  rector_informed: 2026-12-22\n",  # line 12: a misspelt field
        encoding="utf-8",
    )
    result = run_cli("case", "status", case, "--today", "2027-01-04")
    failed(result)
    assert result.stdout == ""
    assert "internal error" not in result.stderr
    assert f"{case}: the record has 2 errors:" in result.stderr
    assert "  line 7, concern.received_date: is no such date: there is no 32 December in 2026" in result.stderr
    assert "  line 12, concern.rector_informed: is not a known field; did you mean 'rector_informed_date'?" in (
        result.stderr)
    assert PUPIL not in result.stderr


def test_a_case_rule_is_checked_too(tmp_path: Path) -> None:
    case = write_case(tmp_path, case_data("nb", "2026-12-21", aware="2026-12-22"))
    result = run_cli("case", "status", case)
    failed(result)
    assert "concern.school_aware_date: cannot be after received_date" in result.stderr


def test_a_skeleton_placeholder_left_in_the_case_file(tmp_path: Path) -> None:
    case = tmp_path / "sak.yaml"
    case.write_text("lang: nb\npupil:\n  name: «fullt navn»\n  group: 6B\nconcern:\n"
                    "  received_date: 2026-12-21\n  channel: email\n  reported_by: guardians\n"
                    "  received_by:\n    name: Kari Lie\n", encoding="utf-8")
    result = run_cli("case", "status", case)
    failed(result)
    assert "line 3, pupil.name: still holds the skeleton's placeholder" in result.stderr


@pytest.mark.parametrize("text, expect", [
    ("lang: nb\npupil:\n\tname: x\n", "not valid YAML: line 3"),
    ("a: &x [1]\nb: *x\n", "YAML anchors and aliases"),
    ("- 1\n- 2\n", "a record must be a YAML mapping"),
])
def test_a_case_file_that_is_not_yaml_one_can_use(tmp_path: Path, text: str, expect: str) -> None:
    case = tmp_path / "sak.yaml"
    case.write_text(text, encoding="utf-8")
    result = run_cli("case", "status", case)
    failed(result)
    assert result.stdout == ""
    assert result.stderr.startswith(f"docgen: error: {case}")
    assert expect in result.stderr


def test_a_document_that_fails_is_reported_by_field_and_left_out(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    record = json.loads(plan.read_text(encoding="utf-8"))
    record["measures"][1]["evaluation_date"] = "2026-12-01"  # before the measure starts
    bad = tmp_path / "plan2.json"
    bad.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    missing = tmp_path / "nope.json"
    strategy = tmp_path / "strategi.json"
    strategy.write_text(json.dumps(load_example("strategy.nb.json"), ensure_ascii=False), encoding="utf-8")
    result = run_cli("case", "status", case, plan, bad, missing, strategy, "--today", "2027-01-18")
    failed(result)
    assert f"docgen: error: {bad}: measures[1].evaluation_date: the evaluation cannot come before the measure " \
           "starts" in result.stderr
    assert f"docgen: error: {missing}: file not found" in result.stderr
    assert f"docgen: error: {strategy}: type: 'strategy' is not a document of one case; left out" in result.stderr
    assert "docgen: error: 3 documents were left out; their dates are not in the timeline" in result.stderr
    assert "2026-12-01" not in result.stderr  # field paths, never values
    # The good plan's dates are still shown.
    assert "Evaluering av tiltak 3" in result.stdout


def test_a_document_of_another_case_is_left_out(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    other = case_data("nb", "2026-12-21", rector="2026-12-22", reference="2026/9999", school=SCHOOL_NB)
    record = json.loads(plan.read_text(encoding="utf-8"))
    record["case"] = "annen.json"
    write_case(tmp_path, other, "annen.json")
    plan.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = run_cli("case", "status", case, plan, "--today", "2027-01-18")
    failed(result)
    assert f"{plan}: case.reference: the document belongs to another case" in result.stderr
    assert "tiltak" not in result.stdout


def test_messages_follow_the_schools_language(tmp_path: Path) -> None:
    case = write_case(tmp_path, case_data("nn", "2026-12-21", aware="2026-12-22"))
    result = run_cli("case", "status", case, env={"DOCGEN_MESSAGES": None})
    failed(result)
    assert "concern.school_aware_date: kan ikkje vere etter received_date" in result.stderr


def test_nynorsk_words(tmp_path: Path) -> None:
    case = write_case(tmp_path, case_data("nn", "2026-12-21", rector="2026-12-22", school=SCHOOL_NB))
    result = run_cli("case", "status", case, "--today", "2026-12-29")
    ok(result)
    assert result.stdout.startswith("Sak 2026/0412: datoar og fristar per tysdag 29. desember 2026\n")
    assert "Tidlegaste dag familien kan melde saka til Statsforvaltaren  i dag" in result.stdout
    assert "Bekymring motteken" in result.stdout


def test_a_calendar_without_a_case_reference_is_written_with_a_warning(tmp_path: Path) -> None:
    case = write_case(tmp_path, case_data("nb", "2026-12-21", rector="2026-12-22", reference=None))
    ics = tmp_path / "sak.ics"
    result = run_cli("case", "status", case, "--today", "2026-12-22", "--ics", ics)
    ok(result)
    assert "reference: missing: without a reference, the calendar entries of two cases replace each other" in (
        result.stderr)
    (entry,) = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert str(entry["summary"]) == "Tidligste dag familien kan melde saken til Statsforvalteren"
    assert str(entry["uid"]) == "case-statsforvalter-1@docgen"
    assert result.stdout.startswith("Saken: datoer og frister per tirsdag 22. desember 2026\n")


def test_the_calendar_file_cannot_be_a_folder(tmp_path: Path) -> None:
    case = write_case(tmp_path, case_data("nb", "2026-12-21", rector="2026-12-22"))
    result = run_cli("case", "status", case, "--ics", tmp_path)
    failed(result)
    assert f"{tmp_path}: is a folder; give a file name ending in .ics" in result.stderr


def test_a_yaml_plan_names_its_case_file(tmp_path: Path) -> None:
    case, plan = nb_plan_case(tmp_path)
    from ruamel.yaml import YAML

    yaml_plan = tmp_path / "plan.yaml"
    with yaml_plan.open("w", encoding="utf-8") as out:
        YAML(typ="safe", pure=True).dump(json.loads(plan.read_text(encoding="utf-8")), out)
    result = run_cli("case", "status", case, yaml_plan, "--today", "2027-01-18", "--json")
    ok(result)
    assert {e["document"] for e in json.loads(result.stdout) if e["code"] == "evaluation"} == {"plan.yaml"}
