"""The template check: finds what would break a letter, says where in words a school can find."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docgen.check import check_template, guess_lang
from docgen.doctypes import DOCTYPES
from docgen.profile import load_profile
from docgen.templates import builtin_template

from conftest import BROKEN_MARK, ROOT, Resaved, School, failed, make_template, needs_soffice, ok, run_cli


def problems(tmp_path: Path, body: str, front: str = "", **kw) -> list[str]:
    path = make_template(tmp_path, body, front=front)
    return [str(p) for p in check_template(path, "activity_plan", "nb", **kw)]


@pytest.mark.parametrize("path", sorted((ROOT / "templates").glob("*/*.docx")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_built_in_template_passes(path: Path) -> None:
    assert check_template(path) == []


def test_unknown_fields_with_suggestions_and_places(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "Elev: {{ case.pupil.nme }}\n\n{%p for m in measures %}\n\nTiltak {{ m.nam }} {{ loop.index }}\n\n{%p endfor %}",
        front="footer: {{ school.nmae }}\n",
    )
    assert any("the document body" in p and "unknown field 'case.pupil.nme'; did you mean 'name'?" in p for p in found)
    assert any("unknown field 'm.nam'; did you mean 'name'?" in p and 'near "Tiltak' in p for p in found)
    assert any(p.startswith("the page footer") and "school.nmae" in p for p in found)
    assert len(found) == 3


def test_names_a_template_may_use(tmp_path: Path) -> None:
    body = (
        "{%p set n = measures | length %}\n\n{{ n }} {{ lang }} {{ logo }} {{ signature.name }}\n\n"
        "{%p for m in measures %}\n\n{{ m.level.code }} {{ m.responsible.name }} {{ loop.index }}\n\n{%p endfor %}\n\n"
        "{{ case.concern.first_known_date | long_date }} {{ range(3) | list | length }}\n\n"
        "{% macro who(p) %}{{ p.name }}{% endmacro %}Koordinator: {{ who(coordinator) }}"
    )
    assert problems(tmp_path, body) == []


def test_custom_fields_come_from_the_profile(tmp_path: Path) -> None:
    body = "Kommune: {{ custom.kommunenummer }}"
    assert any("unknown field 'custom.kommunenummer'" in p for p in problems(tmp_path, body))
    profile = load_profile(ROOT / "examples" / "profile" / "school.toml")
    assert problems(tmp_path, body, profile=profile) == []


def test_tags_that_print_as_text(tmp_path: Path) -> None:
    found = problems(tmp_path, "Ansvar: { { coordinator.name } }")
    assert len(found) == 1 and "came out as plain text" in found[0] and 'near "Ansvar: { { coordinator.name } }"' in found[0]


@pytest.mark.parametrize(
    "body, message",
    [
        ("{% if case.reference %}Saksnr.", "syntax error"),
        ("{{ case.pupil.name | nosuchfilter }}", "nosuchfilter"),
        ("{% for m in measures %}x", "syntax error"),
    ],
)
def test_syntax_errors(tmp_path: Path, body: str, message: str) -> None:
    found = problems(tmp_path, body)
    assert len(found) == 1 and message in found[0]


def test_type_is_guessed_from_the_file_name(tmp_path: Path) -> None:
    from docgen.errors import InputError

    path = make_template(tmp_path, "Hei")
    with pytest.raises(InputError, match="give --type"):
        check_template(path)
    assert set(DOCTYPES) >= {"activity_plan"}


def test_check_takes_the_language_from_the_folder(tmp_path: Path) -> None:
    data = builtin_template("activity_plan", "da").read_bytes()
    assert guess_lang(tmp_path / "da" / "activity_plan.docx", data) == "da"


def test_check_guesses_danish_from_the_document_outside_a_language_folder(tmp_path: Path) -> None:
    data = builtin_template("activity_plan", "da").read_bytes()
    assert guess_lang(tmp_path / "skabeloner" / "activity_plan.docx", data) == "da"


def test_check_with_the_profile_knows_its_fields(school: School) -> None:
    template = school.templates / "nb" / "activity_plan.docx"
    result = run_cli("templates", "check", template, "--profile", school.profile)
    ok(result)
    without = run_cli("templates", "check", template)
    failed(without)
    assert "unknown field 'custom.kommunenummer'" in without.stderr


# ---------------------------------------------------------------- templates saved by LibreOffice


def check_broken(resaved: Resaved, name: str):
    result = run_cli("templates", "check", resaved.broken[name] / "nb" / "activity_plan.docx")
    failed(result)
    return result.stderr


@needs_soffice
def test_check_finds_a_misspelt_field(resaved: Resaved) -> None:
    stderr = check_broken(resaved, "misspelt")
    assert 'the document body, near "{{ case.pupil.nmae }}"' in stderr
    assert "unknown field 'case.pupil.nmae'; did you mean 'name'?" in stderr


@needs_soffice
def test_check_finds_an_unclosed_if(resaved: Resaved) -> None:
    stderr = check_broken(resaved, "unclosed_if")
    assert 'the document body, near "' in stderr
    assert "template syntax error" in stderr
    assert "{% endif %}" in stderr


@needs_soffice
def test_check_points_at_the_unclosed_if_itself(resaved: Resaved) -> None:
    stderr = check_broken(resaved, "unclosed_if")
    assert re.search(r'the document body, near "[^"]*' + re.escape(BROKEN_MARK), stderr), stderr


@needs_soffice
def test_check_finds_a_tag_broken_by_a_space(resaved: Resaved) -> None:
    stderr = check_broken(resaved, "stray_space")
    assert 'the page footer, near "Aktivitetsplan · vår ref. { { case.reference } }' in stderr
    assert "a tag came out as plain text" in stderr
