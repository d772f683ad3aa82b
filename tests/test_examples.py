"""Every bundled example renders, and the document says what the record says."""

from __future__ import annotations

import json

import jsonschema
import pytest
from babel.dates import format_date
from conftest import EXAMPLES, ROOT, all_text, default_language, open_docx, part

import docgen
from docgen.dates import short_date
from docgen.doctypes import DOCTYPES
from docgen.languages import language
from docgen.law import table

# The header marking, as the reviewed law tables state it (nn: "Unnateke offentlegheit, …").
MARKINGS = {
    "nb": table("NO").fact("access_marking").texts["nb"],
    "nn": table("NO").fact("access_marking").texts["nn"],
    "da": table("DK").fact("personal_data_marking").texts["da"],
}


def test_there_is_an_example_per_language() -> None:
    names = {p.name for p in EXAMPLES}
    for lang in ("nb", "nn", "da"):
        assert f"activity_plan.{lang}.json" in names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_cleanly(path) -> None:
    report = docgen.validate(path.read_bytes())
    assert report.errors == []
    assert report.warnings == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_matches_committed_schema(path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / f"{record['type']}.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(record, schema, cls=jsonschema.Draft202012Validator)


def subject_name(record: dict) -> str:
    """Whom the document is about: the pupil, or the school for school-wide documents."""
    return record["case"]["pupil"]["name"] if "case" in record else record["school"]["name"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_renders_in_its_language(path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    data = docgen.render(record)
    document = open_docx(data)
    text = all_text(document)
    assert subject_name(record) in text
    assert "None" not in text and "Undefined" not in text
    assert default_language(data) == language(record["lang"]).tag
    assert document.core_properties.language == language(record["lang"]).tag
    assert document.core_properties.author == record["school"]["name"]
    # The title property is the public one: the school, never the pupil or a guardian.
    assert record["school"]["name"] in document.core_properties.title
    if "case" in record:
        names = [record["case"]["pupil"]["name"], *(g["name"] for g in record["case"].get("guardians", []))]
        for prop in ("title", "subject", "keywords", "comments", "author"):
            value = getattr(document.core_properties, prop) or ""
            assert not any(word in value for name in names for word in name.split()), prop
    if "case" in record:  # case documents are confidential
        header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
        assert MARKINGS[record["lang"]] in header


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p.name.startswith("activity_plan.")], ids=lambda p: p.name)
def test_activity_plan_renders_with_its_content(path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    lang = record["lang"]
    data = docgen.render(record)
    document = open_docx(data)
    text = all_text(document)

    assert record["case"]["pupil"]["name"] in text
    long_date = format_date(
        __import__("datetime").date.fromisoformat(record["document_date"]), "long", locale=language(lang).babel
    )
    assert long_date in text
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert MARKINGS[lang] in header

    # One row per measure in the overview table, with its responsible and dates.
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    for measure in record["measures"]:
        start = short_date(__import__("datetime").date.fromisoformat(measure["start_date"]), lang)
        matching = [r for r in rows if measure["name"] in r and measure["responsible"]["name"] in r and start in r]
        assert matching, f"no overview row for {measure['name']!r}"

    assert "None" not in text
    assert default_language(data) == language(lang).tag
    props = document.core_properties
    assert props.language == language(lang).tag
    assert props.author == record["school"]["name"]
    assert props.title == f"{DOCTYPES['activity_plan'].titles[lang]} – {language(lang).pupil_at.format(school=record['school']['name'])}"
    assert props.created.date().isoformat() == record["document_date"]
    assert "<dc:subject>" in part(data, "docProps/core.xml")
