"""The field tree: the cheat sheet lists what templates may use, straight from the models."""

from __future__ import annotations

from docgen.doctypes import DOCTYPES
from docgen.fields import context_shape, rows


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
