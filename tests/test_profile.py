"""The school profile: one TOML file of facts, logo, signature and the school's own fields."""

from __future__ import annotations

from pathlib import Path

import pytest

import docgen
from docgen.errors import InputError
from docgen.profile import load_profile, read_logo

from conftest import ROOT, SCHOOL_NAME, School, failed, load_example, ok, profile_record, render_with_profile, text_of


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "school.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_profile_loads() -> None:
    profile = load_profile(ROOT / "examples" / "profile" / "school.toml")
    assert profile is not None and profile.school.name == "Lyngåsen skole"
    assert profile.logo_path == (ROOT / "examples" / "profile" / "logo.png").resolve()
    assert read_logo(profile.logo_path)[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "text, message",
    [
        ("language = ", "not valid TOML"),
        ('langauge = "nb"', "langauge: is not a known field; did you mean 'language'?"),
        ('[school]\nnavn = "x"', "school.name: is required but missing"),
        ('[fields.Kommune-Nr]\ndescription = "x"', "lower-case letters"),
        ('language = "sv"', "language: must be one of"),
    ],
)
def test_profile_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        load_profile(write(tmp_path, text))
    assert message in str(info.value)
    assert "school.toml" in str(info.value)


def test_missing_profile_and_logo(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="school profile not found"):
        load_profile(tmp_path / "nope.toml")
    profile = load_profile(write(tmp_path, 'logo = "missing.png"'))
    with pytest.raises(InputError, match="cannot read the logo"):
        read_logo(profile.logo_path)


def test_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_profile() is None
    (tmp_path / "docgen").mkdir()
    (tmp_path / "docgen" / "profile.toml").write_text('language = "da"', encoding="utf-8")
    assert load_profile().language == "da"
    monkeypatch.setenv("DOCGEN_PROFILE", str(write(tmp_path, 'language = "nn"')))
    assert load_profile().language == "nn"


def test_profile_fills_the_record_and_checks_custom_fields(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, '''
language = "nn"
[school]
name = "Profilskulen"
phone = "+47 00 00 00 00"
[fields.kommunenummer]
description = "Kommunenummer"
required = true
[fields.skolestart]
description = "Første skuledag"
kind = "date"
'''))
    record = load_example("activity_plan.nb.json")
    del record["lang"]
    record["school"] = {"name": "Eiga namn"}  # the record's own value wins
    record["custom"] = {"kommunenummer": "4601", "skolestart": "2026-08-17"}
    document = docgen.load(record, profile=profile)
    assert document.lang == "nn"
    assert document.school.name == "Eiga namn" and document.school.phone == "+47 00 00 00 00"

    record["custom"] = {"kommunenumer": "4601", "skolestart": "17.08.2026"}
    errors = {i.path: i.message for i in docgen.validate(record, profile=profile).errors}
    assert "did you mean 'kommunenummer'" in errors["custom.kommunenumer"]
    assert errors["custom.kommunenummer"] == "is required by the school profile"
    assert errors["custom.skolestart"].startswith("must be a date")

    record["custom"] = {"kommunenummer": "4601"}
    assert [i.path for i in docgen.validate(record, lang="nn").errors] == ["custom"]  # no profile declares it


# ---------------------------------------------------------------- through the command line


def test_custom_date_prints_as_a_long_date(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    ok(render_with_profile(school, profile_record(tmp_path), out))
    assert "Første skoledag: 17. august 2026" in text_of(out).splitlines()


def test_misspelt_custom_field_is_named(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    result = render_with_profile(school, profile_record(tmp_path, {"kommunenumer": "4601"}), out)
    failed(result)
    assert "custom.kommunenumer: is not a field the school profile declares; did you mean 'kommunenummer'?" \
        in result.stderr
    assert "4601" not in result.stderr  # messages never repeat the record's values
    assert not out.exists()


def test_missing_required_custom_field_is_named(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    result = render_with_profile(school, profile_record(tmp_path, {"skolerute": "2026-08-17"}), out)
    failed(result)
    assert "custom.kommunenummer: is required by the school profile" in result.stderr
    assert "custom.skolerute" not in result.stderr
    assert not out.exists()


def test_custom_date_of_the_wrong_kind_is_named(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    record = profile_record(tmp_path, {"kommunenummer": "4601", "skolerute": "17.08.2026"})
    result = render_with_profile(school, record, out)
    failed(result)
    assert "custom.skolerute: must be a date written as YYYY-MM-DD" in result.stderr
    assert not out.exists()


def test_record_school_name_wins_over_the_profile(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    record = profile_record(tmp_path, school={"name": "Nordstrand skole"})
    ok(render_with_profile(school, record, out))
    text = text_of(out)
    assert "Skole: Nordstrand skole" in text.splitlines()
    assert SCHOOL_NAME not in text


def test_a_letter_without_signatory_is_signed_with_the_profiles_signature(tmp_path: Path) -> None:
    from conftest import all_text, open_docx

    profile = tmp_path / "school.toml"
    profile.write_text('[signature]\nname = "Gro Vik"\ntitle = "konstituert rektor"\n', encoding="utf-8")
    record = load_example("concern_receipt.nb.json")
    del record["signatory"]
    errors = docgen.validate(record).errors
    assert [(i.path, i.message) for i in errors] == [
        ("signatory", "is required: say who signs the letter, or give the school profile a [signature]")
    ]
    text = all_text(open_docx(docgen.render(record, profile=profile)))
    assert "Gro Vik" in text and "konstituert rektor" in text
    record["signatory"] = {"name": "Per Lund", "title": "avdelingsleder"}
    text = all_text(open_docx(docgen.render(record, profile=profile)))
    assert "Per Lund" in text and "avdelingsleder" in text and "Gro Vik" not in text


@pytest.mark.parametrize("name", ["school.toml", "fjellheim.toml", "boegeskov.toml"])
def test_every_example_profile_fills_the_letterhead(name: str) -> None:
    profile = load_profile(ROOT / "examples" / "profile" / name)
    assert profile is not None and profile.school is not None and profile.signature is not None
    school = profile.school
    for field in ("name", "address", "visiting_address", "phone", "email", "web", "org_number", "municipality"):
        assert getattr(school, field), field


def test_letters_settings_reach_the_template(tmp_path: Path) -> None:
    from conftest import render_with

    path = write(tmp_path, '[letters]\napproval_line = "Godkjent elektronisk."\nlogo_decorative = true\n')
    record = load_example("concern_receipt.nb.json")
    from conftest import make_template

    template = make_template(tmp_path, "{{ letters.approval_line }} / {{ letters.logo_decorative }}")
    text = text_of_bytes(docgen.render(record, template=template, profile=path))
    assert "Godkjent elektronisk. / ja" in text  # booleans print in the document's language
    # Without a profile the names exist and are empty: a template can always test them.
    assert render_with(tmp_path, record, "[{{ letters.approval_line }}]")  # renders; None never prints
    assert "[]" in text_of_bytes(render_with(tmp_path, record, "[{{ letters.approval_line }}]"))


def test_letters_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="letters.logo_decorative"):
        load_profile(write(tmp_path, '[letters]\nlogo_decorative = "kanskje"\n'))
    with pytest.raises(InputError, match="letters.approval"):
        load_profile(write(tmp_path, '[letters]\napproval = "x"\n'))


def text_of_bytes(data: bytes) -> str:
    from conftest import all_text, open_docx

    return all_text(open_docx(data))
