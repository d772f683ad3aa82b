"""All four document types, per language: every element the record supplies reaches the
document, lists are real Word lists, tables are real tables, empty optional parts leave no
heading behind."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any, Iterator

import pytest

import docgen
from docgen import dates
from docgen.models.best_interest import Aspect
from docgen.models.common import Channel, Reporter
from docgen.models.concern_receipt import Method, Setting
from docgen.models.strategy import Role

from conftest import ROOT, all_text, open_docx

LANGS = ("nb", "nn", "da")


def example(type_name: str, lang: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / f"{type_name}.{lang}.json").read_text(encoding="utf-8"))


def day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def blocks(document) -> Iterator[tuple[str, str]]:
    """(style id or 'table', text) for every paragraph and table of the body, in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(element, document)
            yield (p.style.style_id if p.style is not None else "Normal"), p.text
        elif tag == "tbl":
            table = Table(element, document)
            yield "table", " ".join(c.text for r in table.rows for c in r.cells)


def bullets(document) -> list[str]:
    return [text for style, text in blocks(document) if style == "ListBullet"]


def cells(document) -> list[str]:
    return [c.text for t in document.tables for r in t.rows for c in r.cells]


def assert_no_empty_sections(document) -> None:
    """Every heading is followed by content before the next heading of its level or higher."""
    items = [(s, t) for s, t in blocks(document) if s == "table" or t.strip()]
    levels = {"Title": 0, "Heading1": 1, "Heading2": 2, "Heading3": 3}
    for i, (style, text) in enumerate(items):
        if style not in levels or style == "Title":
            continue
        following = items[i + 1] if i + 1 < len(items) else None
        if following is None or (following[0] in levels and levels[following[0]] <= levels[style]):
            raise AssertionError(f"empty section under heading {text!r}")


def render(record: dict[str, Any]):
    return open_docx(docgen.render(record))


# ---------------------------------------------------------------- concern receipt


@pytest.mark.parametrize("lang", LANGS)
def test_concern_receipt_has_every_element(lang: str) -> None:
    record = example("concern_receipt", lang)
    document = render(record)
    text = all_text(document).replace("\xa0", " ")  # phone numbers are kept on one line with no-break spaces
    case, concern = record["case"], record["case"]["concern"]
    assert case["pupil"]["name"] in text
    assert dates.long_date(day(case["pupil"]["date_of_birth"]), lang) in text
    assert dates.long_date(day(concern["received_date"]), lang) in text
    assert concern["received_by"]["name"] in text
    if concern.get("rector_informed_date"):
        assert dates.long_date(day(concern["rector_informed_date"]), lang) in text
    if lang == "da":
        assert Channel(concern["channel"]).label(lang) in text
        assert Reporter(concern["reported_by"]).label(lang) in text
    else:  # nb/nn say it to the family in a sentence: "Dere meldte fra til … på e-post", "Aslak sa sjølv frå til …"
        channel = Channel(concern["channel"])
        assert channel.value == "in_person" or channel.phrase(lang) in text  # in person: "sa fra til Kari Berg"
        told = {"nb": {"guardians": "meldte fra til", "pupil": "sa selv fra til"},
                "nn": {"guardians": "melde frå til", "pupil": "sa sjølv frå til"}}
        assert told[lang][concern["reported_by"]] in text
    assert Setting(record.get("setting", "school")).label(lang) in text
    for guardian in case["guardians"]:
        assert guardian["name"] in text
    # The one-page letter names the methods in a sentence.
    if lang == "da":  # worded for the parents: the pupil by first name, no relative clause inside the list
        assert "Vi vil blandt andet bruge samtaler med Sofie og andre involverede, observation i timer og " \
            "frikvarterer, de voksnes notater fra hverdagen og en trivselsundersøgelse i klassen." in text
    else:
        for method in record.get("methods", ["talks", "observation", "logbook"]):
            assert Method(method).label(lang) in text or Method(method).phrase(lang) in text, method
    meeting = record["meeting"]
    assert dates.weekday_date_time(dt.datetime.fromisoformat(meeting["start"]), lang) in text
    assert meeting["place"] in text
    for person in meeting.get("participants", []):
        assert person in text
    for item in record.get("agenda", []):
        assert item in text
    contact = record["contact"]
    for key in ("name", "email", "phone"):
        if contact.get(key):
            assert contact[key] in text
    assert record["signatory"]["name"] in text
    if lang == "da":
        deadline = docgen.load(record).deadline
        assert dates.long_date(deadline, lang) in text
        for measure in record["temporary_measures"]:
            assert measure in text
    assert_no_empty_sections(document)


@pytest.mark.parametrize("lang", LANGS)
def test_concern_receipt_agenda_and_no_meeting(lang: str) -> None:
    record = example("concern_receipt", lang)
    record["agenda"] = ["Punkt én på sakslista", "Punkt to på sakslista"]
    with_agenda = render(record)
    assert all(item in all_text(with_agenda) for item in record["agenda"])
    assert_no_empty_sections(with_agenda)
    record["agenda"] = []
    record["meeting"] = None
    without = render(record)
    assert_no_empty_sections(without)
    place = example("concern_receipt", lang)["meeting"]["place"]
    assert place in all_text(with_agenda) and place not in all_text(without)
    assert len(without.paragraphs) < len(with_agenda.paragraphs)


# ---------------------------------------------------------------- best-interest assessment


@pytest.mark.parametrize("lang", LANGS)
def test_best_interest_table_and_conclusion(lang: str) -> None:
    record = example("best_interest", lang)
    document = render(record)
    table_cells = cells(document)
    for name, item in record["considerations"].items():
        assert Aspect(name).label(lang) in [c.split("\n")[0] for c in table_cells]  # the prompt follows on the next line
        for key in ("information", "evaluation", "notes", "weighting"):
            if item.get(key):
                assert any(item[key].split("\n")[0] in c for c in table_cells), (name, key)
    text = all_text(document)
    assert record["conclusion"].split("\n")[0] in text
    for measure in record.get("chosen_measures", []):
        assert measure in bullets(document)
    for child in record.get("other_children", []):
        assert child["reference"] in text
    for person in record["assessed_by"]:
        assert person["name"] in text
    assert ("Grunnlov" in text) if lang != "da" else ("børnekonvention" in text.lower())
    assert_no_empty_sections(document)


@pytest.mark.parametrize("lang", LANGS)
def test_best_interest_archive_copy_has_no_notes(lang: str) -> None:
    record = example("best_interest", lang)
    notes = [item["notes"] for item in record["considerations"].values() if item.get("notes")]
    assert notes, "the example should carry internal notes"
    full = render(record)
    widest = max(len(t.columns) for t in full.tables)
    record["archive_copy"] = True
    archive = render(record)
    text = all_text(archive)
    for note in notes:
        assert note.split("\n")[0] not in text
    assert max(len(t.columns) for t in archive.tables) == widest - 1
    assert_no_empty_sections(archive)


def test_archive_copy_from_the_command_line(tmp_path) -> None:
    from click.testing import CliRunner

    from docgen.cli import cli

    out = tmp_path / "arkiv.docx"
    source = str(ROOT / "examples" / "best_interest.nb.json")
    result = CliRunner().invoke(cli, ["render", source, "--archive-copy", "-o", str(out)])
    assert result.exit_code == 0, result.output
    record = example("best_interest", "nb")
    text = all_text(open_docx(out.read_bytes()))
    for item in record["considerations"].values():
        if item.get("notes"):
            assert item["notes"].split("\n")[0] not in text
    wrong = CliRunner().invoke(cli, ["render", str(ROOT / "examples" / "activity_plan.nb.json"), "--archive-copy",
                                     "-o", str(tmp_path / "x.docx")])
    assert wrong.exit_code == 1 and "archive_copy: only best_interest has an archive copy" in wrong.output


def test_best_interest_rules() -> None:
    record = example("best_interest", "nb")
    record["considerations"]["child_views"]["information"] = None
    record["considerations"]["health"] = {"weighting": "Veier tungt"}
    report = docgen.validate(record)
    assert {i.path for i in report.errors} == {
        "considerations.child_views.information",
        "considerations.health.information",
    }


# ---------------------------------------------------------------- strategy


def role_items(group: dict[str, list[str]]) -> list[str]:
    return [item for role in ("management", "staff", "pupils", "parents") for item in group.get(role, [])]


@pytest.mark.parametrize("lang", LANGS)
def test_strategy_has_every_element(lang: str) -> None:
    record = example("strategy", lang)
    document = render(record)
    text = all_text(document)
    listed = bullets(document)
    table_cells = cells(document)
    assert record["purpose"].split("\n")[0] in text
    for goal in record["goals"]:
        assert goal in listed
    assert record["definitions"]["bullying"].split("\n")[0] in text
    assert record["definitions"]["digital_bullying"].split("\n")[0] in text
    for other in record["definitions"].get("other", []):
        assert other["term"] in text
    for sign in record.get("signs", []):
        assert sign in listed
    headings = [text for style, text in blocks(document) if style.startswith("Heading")]
    for group in ("prevention", "digital_prevention", "intervention", "social_media"):
        for item in role_items(record.get(group, {})):
            assert item in listed, (group, item)
        for role, actions in record.get(group, {}).items():
            if actions:
                assert Role(role).label(lang) in headings
    for phase in record.get("procedure", []):
        assert phase["name"] in text
        if lang != "da":
            assert phase["name"] in table_cells
            assert phase["responsible"] in table_cells
    for resource in record.get("resources", []):
        assert resource["name"] in table_cells
    for row in record.get("monitoring", []):
        assert row["what"] in table_cells and row["who"] in table_cells
    school_year = sorted(record.get("annual_cycle", []), key=lambda i: (i["month"] - 8) % 12)
    months = [dates.month_name(item["month"], lang) for item in school_year]
    shown = [c.lower() for c in table_cells if c.lower() in months]
    assert shown == months, "the annual cycle lists every month in school-year order, August first"
    assert dates.month_year(day(record["revised"]), lang) in text
    if record.get("approved"):
        assert dates.month_year(day(record["approved"]), lang) in text
        assert record["approved_by"] in text
    assert_no_empty_sections(document)


@pytest.mark.parametrize("lang", LANGS)
def test_strategy_without_optional_parts_leaves_no_headings(lang: str) -> None:
    full = example("strategy", lang)
    lean = copy.deepcopy(full)
    for key in ("signs", "procedure", "resources", "monitoring", "annual_cycle"):
        lean[key] = []
    for key in ("keeping_alive", "non_compliance", "parent_collaboration", "approved", "approved_by"):
        lean[key] = None
    lean["social_media"] = {}
    lean["definitions"]["other"] = []
    lean["prevention"] = {"staff": ["En handling"]}
    lean["intervention"] = {"management": ["En handling"]}
    if lang != "da":
        lean["digital_prevention"] = {}
    document = render(lean)
    assert_no_empty_sections(document)
    assert not document.tables or len(document.tables) < len(render(full).tables)


def test_danish_strategy_requires_digital_bullying() -> None:
    record = example("strategy", "da")
    record["digital_prevention"] = {}
    assert [i.path for i in docgen.validate(record).errors] == ["digital_prevention"]


# ---------------------------------------------------------------- across types


def test_one_case_feeds_several_documents() -> None:
    """The receipt, the assessment and the plan accept the same case block unchanged."""
    plan = example("activity_plan", "nb")
    for type_name in ("concern_receipt", "best_interest"):
        record = example(type_name, "nb")
        record["case"] = copy.deepcopy(plan["case"])
        record["school"] = copy.deepcopy(plan["school"])
        report = docgen.validate(record)
        assert report.ok, report.errors


def test_types_lists_all_four() -> None:
    from click.testing import CliRunner

    from docgen.cli import cli

    out = CliRunner().invoke(cli, ["types"]).stdout
    for name in ("activity_plan", "concern_receipt", "best_interest", "strategy"):
        assert name in out
    assert "Antimobbestrategi" in out and "Vurdering af barnets bedste" in out


@pytest.mark.parametrize("type_name", ["activity_plan", "concern_receipt", "best_interest", "strategy"])
@pytest.mark.parametrize("lang", LANGS)
def test_example_command_gives_a_valid_record(type_name: str, lang: str) -> None:
    from click.testing import CliRunner

    from docgen.cli import cli

    result = CliRunner().invoke(cli, ["example", type_name, "--lang", lang])
    assert result.exit_code == 0
    assert docgen.validate(result.stdout).ok
