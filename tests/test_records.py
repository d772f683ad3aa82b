"""Records: parsing, plain-word errors with field paths, the caseworker's rules."""

from __future__ import annotations

import copy
import json

import pytest

import docgen
from docgen.errors import InputError, RecordError
from docgen.sources import parse_json


def messages(report) -> dict[str, str]:
    return {i.path: i.message for i in report.errors}


def test_misspelt_key_is_an_error_with_a_suggestion(nb_record: dict) -> None:
    nb_record["case"]["pupil"]["nmae"] = nb_record["case"]["pupil"].pop("name")
    report = docgen.validate(nb_record)
    found = messages(report)
    assert found["case.pupil.name"] == "is required but missing"
    assert "did you mean 'name'" in found["case.pupil.nmae"]


def test_paths_name_the_measure(nb_record: dict) -> None:
    nb_record["measures"][2]["evaluation_date"] = "2026-12-01"  # before its start 2026-12-02
    report = docgen.validate(nb_record)
    assert messages(report) == {
        "measures[2].evaluation_date": "the evaluation cannot come before the measure starts"
    }


@pytest.mark.parametrize("field", ["responsible", "start_date", "evaluation_date"])
def test_each_measure_needs_the_five_points(nb_record: dict, field: str) -> None:
    del nb_record["measures"][1][field]
    assert messages(docgen.validate(nb_record)) == {f"measures[1].{field}": "is required but missing"}


def test_at_least_one_measure(nb_record: dict) -> None:
    nb_record["measures"] = []
    assert messages(docgen.validate(nb_record)) == {"measures": "needs at least 1 item"}


def test_measure_cannot_start_before_the_concern(nb_record: dict) -> None:
    nb_record["measures"][0]["start_date"] = "2026-11-01"
    assert "measures[0].start_date" in messages(docgen.validate(nb_record))


@pytest.mark.parametrize("value", ["", "   ", None])
def test_pupils_views_are_required(nb_record: dict, value) -> None:
    nb_record["views"]["pupil"] = value
    assert "views.pupil" in messages(docgen.validate(nb_record))


def test_six_weeks_is_a_warning_in_norway_only(nb_record: dict) -> None:
    nb_record["measures"][0]["evaluation_date"] = "2027-02-15"  # > 6 weeks after 2026-11-30
    report = docgen.validate(nb_record)
    assert report.ok
    assert [w.path for w in report.warnings] == ["measures[0].evaluation_date"]
    danish = docgen.validate(nb_record, lang="da", translate=True)
    assert all(w.path != "measures[0].evaluation_date" for w in danish.warnings)


def test_danish_deadline_is_ten_working_days(nb_record: dict) -> None:
    record = copy.deepcopy(nb_record)
    record["case"]["concern"]["school_aware_date"] = "2026-11-20"
    document = docgen.load(record, lang="da", translate=True)
    assert document.deadline.isoformat() == "2026-12-04"
    assert docgen.load(nb_record).deadline is None


def test_danish_plan_after_the_deadline_warns(nb_record: dict) -> None:
    nb_record["document_date"] = "2027-01-20"
    report = docgen.validate(nb_record, lang="da", translate=True)
    assert "document_date" in [w.path for w in report.warnings]


def test_norwegian_escalation_date(nb_record: dict) -> None:
    # Rector told Monday 23 Nov 2026 -> one week later (opplæringslova § 12-6) is Monday 30 Nov.
    assert docgen.load(nb_record).escalation_date.isoformat() == "2026-11-30"


def test_errors_never_echo_the_value(nb_record: dict) -> None:
    nb_record["case"]["pupil"]["date_of_birth"] = "Ida-hemmelig-verdi"
    nb_record["case"]["concern"]["channel"] = "Ida-hemmelig-kanal"
    report = docgen.validate(nb_record)
    text = " ".join(str(i) for i in report.errors)
    assert "hemmelig" not in text
    assert "case.pupil.date_of_birth: must be a date written as YYYY-MM-DD" in text
    assert "case.concern.channel: must be one of" in text


def test_text_is_cleaned(nb_record: dict) -> None:
    nb_record["case"]["pupil"]["name"] = "  Ida \n Fjelltun\x00 "
    nb_record["background"] = "linje 1\r\nlinje 2\x0bpasted\x0cside 2  "
    document = docgen.load(nb_record)
    assert document.case.pupil.name == "Ida Fjelltun"
    assert document.background == "linje 1\nlinje 2\npasted\n\nside 2"


def test_type_and_language_resolution(nb_record: dict) -> None:
    del nb_record["lang"]
    assert messages(docgen.validate(nb_record))["lang"].startswith("is required")
    assert docgen.load(nb_record, lang="nn").lang == "nn"  # a record without a language takes it
    nb_record["lang"] = "nb"
    assert [i.path for i in docgen.validate(nb_record, lang="nn").errors] == ["lang"]
    assert docgen.load(nb_record, lang="nn", translate=True).lang == "nn"
    del nb_record["lang"]
    with pytest.raises(InputError, match="is a 'activity_plan' but 'best_interest' was asked for"):
        docgen.validate({**nb_record, "lang": "nb"}, type="best_interest")
    del nb_record["type"]
    with pytest.raises(InputError, match="does not say which document"):
        docgen.validate(nb_record)
    with pytest.raises(InputError, match="Did you mean 'activity_plan'"):
        docgen.validate(nb_record, type="activity_plann")


def test_load_raises_with_every_error(nb_record: dict) -> None:
    del nb_record["findings"]
    del nb_record["coordinator"]
    with pytest.raises(RecordError) as info:
        docgen.load(nb_record, source="plan.json")
    assert "plan.json: the record has 2 errors" in str(info.value)
    assert {i.path for i in info.value.issues} == {"findings", "coordinator"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"a": 1, "a": 2}', "appears twice"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_bad_json(text, message) -> None:
    with pytest.raises(InputError, match=message):
        parse_json(text, "x.json")


def test_bom_is_accepted(nb_record: dict) -> None:
    data = "\ufeff" + json.dumps(nb_record)
    assert docgen.validate(data.encode("utf-8")).ok


def test_school_aware_date_cannot_be_after_receipt(nb_record: dict) -> None:
    nb_record["case"]["concern"]["school_aware_date"] = "2026-11-25"
    assert "case.concern.school_aware_date" in messages(docgen.validate(nb_record))


def test_measures_may_start_the_day_the_school_first_knew(nb_record: dict) -> None:
    nb_record["case"]["concern"]["school_aware_date"] = "2026-11-20"
    nb_record["case"]["concern"]["rector_informed_date"] = "2026-11-20"
    nb_record["temporary_measures"][0]["start_date"] = "2026-11-20"
    assert docgen.validate(nb_record).ok
    nb_record["temporary_measures"][0]["start_date"] = "2026-11-19"
    assert list(messages(docgen.validate(nb_record))) == ["temporary_measures[0].start_date"]
