"""Cross-field rules a caseworker expects caught: errors and warnings by field path."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import load_example

import docgen
from docgen.models.base import is_placeholder


def issues(record: dict[str, Any], **kw: Any) -> dict[str, list[tuple[str, str]]]:
    report = docgen.validate(record, **kw)
    return {
        "errors": [(i.path, i.message) for i in report.errors],
        "warnings": [(i.path, i.message) for i in report.warnings],
    }


def paths(found: list[tuple[str, str]]) -> list[str]:
    return [path for path, _ in found]


@pytest.fixture
def plan() -> dict[str, Any]:
    return load_example("activity_plan.nb.json")


@pytest.fixture
def receipt() -> dict[str, Any]:
    return load_example("concern_receipt.nb.json")


def test_the_bundled_examples_are_clean() -> None:
    for name in ("activity_plan.nb.json", "concern_receipt.nb.json", "best_interest.nb.json"):
        assert issues(load_example(name))["errors"] == []


def test_a_plan_dated_before_the_concern(plan: dict[str, Any]) -> None:
    plan["document_date"] = "2026-11-20"
    assert ("document_date", "the document cannot be dated before the concern was received") in issues(plan)["errors"]


def test_the_rector_told_after_the_plan(plan: dict[str, Any]) -> None:
    plan["case"]["concern"]["rector_informed_date"] = "2026-12-01"
    assert ("case.concern.rector_informed_date", "the rector was told after the plan's date") in issues(plan)["errors"]


def test_a_norwegian_plan_without_the_rector_date_warns(plan: dict[str, Any]) -> None:
    del plan["case"]["concern"]["rector_informed_date"]
    found = issues(plan)
    assert found["errors"] == []
    assert "case.concern.rector_informed_date" in paths(found["warnings"])
    assert docgen.load(plan).escalation_date is None


def test_an_evaluation_that_has_passed_without_a_conclusion(plan: dict[str, Any]) -> None:
    plan["document_date"] = "2027-02-01"
    measure = plan["measures"][0]
    measure["evaluation_date"] = "2027-01-08"
    measure.pop("evaluation_conclusion", None)
    warnings = issues(plan)["warnings"]
    assert ("measures[0].evaluation_conclusion", "the evaluation date has passed but no conclusion is recorded") in warnings
    measure["evaluation_conclusion"] = "Tiltaket virker; det fortsetter."
    assert "measures[0].evaluation_conclusion" not in paths(issues(plan)["warnings"])


@pytest.mark.parametrize("text", ["-", "...", "?", "xxx", "Fyll inn", "TBD", "lorem ipsum dolor"])
def test_a_pupils_view_that_says_nothing(plan: dict[str, Any], text: str) -> None:
    plan["views"]["pupil"] = text
    assert "views.pupil" in paths(issues(plan)["errors"])


@pytest.mark.parametrize("text", ["Ja.", "Eleven sa nei.", "Nei, ikke nå"])
def test_short_real_answers_are_not_placeholders(text: str) -> None:
    assert not is_placeholder(text)


def test_a_weighed_consideration_that_says_nothing() -> None:
    record = load_example("best_interest.nb.json")
    record["considerations"]["health"] = {"information": "--", "weighting": "x"}
    errors = paths(issues(record)["errors"])
    assert "considerations.health.information" in errors and "considerations.health.weighting" in errors


@pytest.mark.parametrize("reference, warned", [("Jonas Berg", True), ("Elev A", False), ("Barn 2", False),
                                                ("Eleven i 6B", False), ("Sara Moe Lie", True)])
def test_another_child_named_in_full(reference: str, warned: bool) -> None:
    record = load_example("best_interest.nb.json")
    record["other_children"][0]["reference"] = reference
    assert ("other_children[0].reference" in paths(issues(record)["warnings"])) is warned


@pytest.mark.parametrize(
    "start, expected",
    [
        ("2026-11-23T14:00", "before the letter's date"),  # the letter is dated 24 November
        ("2026-11-28T10:00", "weekend or a public holiday"),  # a Saturday
        ("2026-12-25T10:00", "weekend or a public holiday"),  # Christmas Day
        ("2026-11-25T21:00", "outside school hours"),
        ("2026-11-25T06:00", "outside school hours"),
        ("2027-01-20T14:00", "more than 21 days after the letter"),
        ("2026-11-25T07:45", None),  # a good time: no warning
    ],
)
def test_meeting_times_that_a_caseworker_would_question(receipt: dict[str, Any], start: str,
                                                       expected: str | None) -> None:
    receipt["document_date"] = "2026-11-24"
    receipt["meeting"]["start"] = start
    found = issues(receipt)
    assert found["errors"] == []
    if expected is None:
        assert "meeting.start" not in paths(found["warnings"])
    else:
        assert any(path == "meeting.start" and expected in message for path, message in found["warnings"]), found


def test_the_escalation_date_is_a_week_after_the_rector_was_told(plan: dict[str, Any]) -> None:
    plan["document_date"] = "2027-01-05"
    plan["case"]["concern"]["rector_informed_date"] = "2026-12-24"  # a week later, holidays or not
    assert docgen.load(plan).escalation_date.isoformat() == "2026-12-31"


def danish_plan(first_known: str, closing: list[dict[str, str]]) -> dict[str, Any]:
    record = copy.deepcopy(load_example("activity_plan.da.json"))
    concern = record["case"]["concern"]
    concern["received_date"] = first_known
    concern.pop("school_aware_date", None)
    concern.pop("rector_informed_date", None)
    record["document_date"] = first_known
    for item in record.get("temporary_measures", []):
        item["start_date"] = first_known
    for measure in record["measures"]:
        measure["start_date"] = first_known
        measure["evaluation_date"] = "2027-12-01"
    record.pop("family_informed_date", None)
    record["school"]["closing_days"] = closing
    return record


def test_closing_days_in_the_danish_deadline() -> None:
    summer = [{"first": "2027-06-26", "last": "2027-08-08", "name": "sommerferie"}]
    record = danish_plan("2027-06-21", summer)
    document = docgen.load(record)
    assert document.deadline.isoformat() == "2027-07-05"  # the law's count
    assert document.deadline_school_days.isoformat() == "2027-08-16"  # closing days counted out too
    assert [p.name for p in document.deadline_closing] == ["sommerferie"]
    warnings = issues(record)["warnings"]
    assert any(path == "school.closing_days" and "sommerferie" in message for path, message in warnings)

    outside = danish_plan("2027-05-03", summer)  # the ten days end long before the summer
    document = docgen.load(outside)
    assert document.deadline_closing == [] and document.deadline_school_days is None
    assert "school.closing_days" not in paths(issues(outside)["warnings"])


def test_closing_days_must_be_in_order() -> None:
    record = danish_plan("2027-06-21", [{"first": "2027-08-08", "last": "2027-06-26"}])
    assert ("school.closing_days[0]", "the last day cannot come before the first") in issues(record)["errors"]
