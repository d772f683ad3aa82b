"""Parser and validator errors in plain words: what is wrong and where, never the value."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import docgen
from docgen.cli import cli
from docgen.errors import InputError
from docgen.messages import json_problem
from docgen.sources import parse_json

from conftest import load_example


@pytest.mark.parametrize(
    "text, words",
    [
        ('{"a": "one\ntwo"}', "a line break or tab inside quoted text; write it as \\n or \\t at line 1, column"),
        ('{"a": 1 "b": 2}', "a comma is missing between two values at line 1, column 9"),
        ("{'a': 1}", "a key must be in double quotes"),
        ('{"a": 1} {"b": 2}', "more than one JSON value"),
        ('{"a": "open', "quoted text is never closed at line 1, column 7"),
    ],
)
def test_json_errors_in_plain_words(text: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        parse_json(text, "plan.json")
    message = str(info.value)
    assert message.startswith("plan.json: not valid JSON: ")
    assert words in message
    assert " at at " not in message


def test_unknown_parser_messages_keep_their_words() -> None:
    exc = json.JSONDecodeError("Something new at", "{}", 1)
    assert json_problem(exc) == "Something new at line 1, column 2"


@pytest.mark.parametrize(
    "value, words",
    [
        ("2026-02-30", "is no such date: there is no 30 February in 2026"),
        ("2027-02-29", "is no such date: there is no 29 February in 2027"),
        ("2026-04-31", "is no such date: there is no 31 April in 2026"),
        ("2026-13-01", "there is no month 13; write the date as YYYY-MM-DD"),
        ("30.02.2026", "must be a date written as YYYY-MM-DD, e.g. 2026-11-22"),
    ],
)
def test_impossible_dates_are_named_as_such(value: str, words: str) -> None:
    record = load_example("activity_plan.nb.json")
    record["measures"][1]["evaluation_date"] = value
    report = docgen.validate(record)
    assert [(i.path, i.message) for i in report.errors] == [("measures[1].evaluation_date", words)]


def test_impossible_date_and_time() -> None:
    record = load_example("concern_receipt.nb.json")
    record["meeting"]["start"] = "2026-11-31T14:00"
    report = docgen.validate(record)
    assert [(i.path, i.message) for i in report.errors] == [
        ("meeting.start", "is no such date: there is no 31 November in 2026")
    ]


def test_the_command_line_says_the_same(tmp_path) -> None:
    path = tmp_path / "plan.json"
    record = load_example("activity_plan.nb.json")
    record["document_date"] = "2026-02-30"
    path.write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "document_date: is no such date: there is no 30 February in 2026" in result.output
