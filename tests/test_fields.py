"""The field tree: the cheat sheet lists what templates may use, straight from the models."""

from __future__ import annotations

import re

from docgen.doctypes import DOCTYPES
from docgen.fields import context_shape, rows

from conftest import School, ok, run_cli


def paths(type_name: str, custom: dict | None = None) -> dict[str, tuple[str, str]]:
    return {path: (kind, text) for path, kind, text in rows(context_shape(type_name, custom))}


def test_activity_plan_fields() -> None:
    found = paths("activity_plan")
    assert found["case.pupil.name"] == ("text", "The pupil's full name.")
    assert found["measures"][0] == "list of groups"
    assert found["measures[].responsible.name"][0] == "text"
    assert found["measures[].level"][0].startswith("choice: individual, group, system")
    assert found["deadline"][0] == "date"  # computed fields are there too
    assert "case.concern.first_known_date" in found
    assert "signature.title" in found and "logo" in found


def test_every_type_and_custom_fields() -> None:
    for name in DOCTYPES:
        found = paths(name, {"kommunenummer": ("text", "Kommunenummeret"), "skolestart": ("date", "Første skoledag")})
        assert found["school.name"][0] == "text"
        assert found["custom.kommunenummer"] == ("text", "Kommunenummeret")
        assert found["custom.skolestart"][0] == "date"
    assert "rows[]" not in paths("best_interest")  # rows are dicts: no invented sub-fields
    assert "prevention.roles" in paths("strategy")


# ---------------------------------------------------------------- the cheat sheet: `docgen fields`


def field_rows(output: str) -> dict[str, str]:
    """path -> the rest of its line, from the field section of `docgen fields`."""
    fields_part = output.split("\nFilters:")[0]
    rows = {}
    for line in fields_part.splitlines():
        if line.startswith("  "):
            path, _, rest = line.strip().partition(" ")
            rows[path] = rest.strip()
    return rows


def test_fields_lists_record_fields_and_filters() -> None:
    result = run_cli("fields", "activity_plan")
    ok(result)
    rows = field_rows(result.output)
    assert rows["case.pupil.name"].startswith("text")
    assert rows["measures[].responsible.name"].startswith("text")
    assert rows["measures[].start_date"].startswith("date")
    assert "signature.name" in rows and "logo" in rows
    assert not any(path.startswith("custom.") for path in rows)
    filters = result.output.split("\nFilters:")[1]
    for name in ("long_date", "weekday_date", "short_date", "person", "add_working_days(n)"):
        assert re.search(rf"^  {re.escape(name)}\s", filters, re.M), name
    assert "22. november 2026" in filters


def test_fields_with_profile_lists_custom_fields(school: School) -> None:
    result = run_cli("fields", "activity_plan", "--profile", school.profile)
    ok(result)
    rows = field_rows(result.output)
    assert "Kommunenummeret, skrives i brevhodet" in rows["custom.kommunenummer"]
    assert "Første skoledag etter skoleruta" in rows["custom.skolerute"]
    assert "case.pupil.name" in rows
