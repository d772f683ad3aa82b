"""`docgen new` (issue 13): blank skeletons in YAML, every field present under a comment in the school's
language, placeholders that fail validation until replaced, and a filled skeleton that validates."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from docgen.casefile import CaseFile
from docgen.doctypes import DOCTYPES, doctype
from docgen.fields import Shape, model_fields, rows
from docgen.records import validate
from docgen.skeleton import CASE, CaseRef, new
from docgen.sources import read

from conftest import assert_clean_error, example_profile, failed, ok, run_cli

TYPES = tuple(DOCTYPES)
LANGS = ("nb", "nn", "da")
KINDS = (*TYPES, CASE)
TODAY = dt.date.today().isoformat()
PLACEHOLDER = re.compile(r"«[^»]*»")

# What the comments say in each language: the required and optional words, and one translated description.
REQUIRED = {"nb": "(påkrevd)", "nn": "(påkravd)", "da": "(skal udfyldes)"}
OPTIONAL = {"nb": "(valgfritt)", "nn": "(valfritt)", "da": "(valgfrit)"}
STAFF_NAME = {"nb": "«fullt navn»", "nn": "«fullt namn»", "da": "«fulde navn»"}
DESCRIBED = {  # a description of each kind's own, as the catalogs translate it
    ("activity_plan", "nb"): "Hvorfor planen lages: problemet slik skolen forstår det.",
    ("activity_plan", "nn"): "Kvifor planen blir laga: problemet slik skulen forstår det.",
    ("activity_plan", "da"): "Hvorfor planen udarbejdes: problemet som skolen forstår det.",
    (CASE, "da"): "Familiens kontaktperson på skolen: kontaktpersonen i kvitteringen og koordinator for handleplanen.",
}


def model_of(kind: str) -> Any:
    return CaseFile if kind == CASE else doctype(kind).model


def shapes(kind: str) -> dict[str, Shape]:
    return model_fields(model_of(kind), computed=False)


def field_paths(kind: str) -> list[str]:
    """Every field a record of `kind` may send, with the first item of each list of objects."""
    return [path.replace("[].", "[0].") for path, _, _ in rows(Shape("group", fields=shapes(kind)))]


def uncomment(text: str) -> str:
    """The skeleton with its commented-out blocks brought back, as a person does by deleting "# "
    ("#   start: …" under "meeting:"); description comments ("# What …") stay. The header is left alone."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    return "\n".join(lines[:start] + [re.sub(r"^(\s*)# (?=  )", r"\1", line) for line in lines[start:]])


def holes(data: Any, fields: dict[str, Shape], path: str = "") -> list[tuple[str, Shape]]:
    """The placeholders left in a parsed skeleton, in the file's order, with the shape of their field."""
    found: list[tuple[str, Shape]] = []
    for key, value in data.items():
        shape = fields.get(key, Shape("any"))
        here = f"{path}.{key}" if path else key
        found += _holes(value, shape, here)
    return found


def _holes(value: Any, shape: Shape, path: str) -> list[tuple[str, Shape]]:
    if isinstance(value, dict):
        return holes(value, shape.fields, path)
    if isinstance(value, list):
        item = shape.item or Shape("any")
        return [hole for i, v in enumerate(value) for hole in _holes(v, item, f"{path}[{i}]")]
    if isinstance(value, str) and PLACEHOLDER.fullmatch(value.strip()):
        return [(path, shape)]
    return []


def value_for(path: str, shape: Shape) -> str:
    """A sensible value for a field of this kind (the filler a test needs, not what a school writes)."""
    if shape.kind == "date":
        if path.endswith("date_of_birth"):
            return "2015-03-14"
        return f"{TODAY} 10:00" if path.endswith(".start") else TODAY
    if shape.kind == "choice":
        return shape.choices[0]
    if shape.kind == "number":
        return "3"
    if shape.kind == "yes/no":
        return "true"
    if path.endswith("name"):
        return "Kari Berg"
    return "Eleven fortalte om friminuttene, og skolen har snakket med de voksne rundt henne."


def fill(text: str, kind: str) -> str:
    """Every «…» replaced by a value that fits its field, line by line as a person edits the file."""
    found = holes(read(text, "skeleton.yaml").data, shapes(kind))
    lines = text.split("\n")
    at = [i for i, line in enumerate(lines) if "«" in line and not line.lstrip().startswith("#")]
    assert len(at) == len(found), (len(at), found)
    for i, (path, shape) in zip(at, found, strict=True):
        lines[i] = PLACEHOLDER.sub(value_for(path, shape), lines[i])
    return "\n".join(lines)


def filled_case(lang: str) -> str:
    return fill(new(CASE, lang), CASE)


def check(text: str, source: str = "skeleton.yaml", **kw: Any) -> Any:
    return validate(text, source=source, **kw)


# ---------------------------------------------------------------- every type and language


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_skeleton_parses_and_has_every_field(kind: str, lang: str) -> None:
    text = new(kind, lang)
    data = read(text, "skeleton.yaml").data
    if kind != CASE:
        assert data["type"] == kind
    assert data["lang"] == lang
    expanded = read(uncomment(text), "skeleton.yaml")  # the commented-out parts are valid YAML, too
    missing = [path for path in field_paths(kind) if expanded.line(path) is None or not _has(expanded.data, path)]
    assert not missing, missing


def _has(data: Any, path: str) -> bool:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(data, list) or len(data) <= index:
                return False
            data = data[index]
        else:
            if not isinstance(data, dict) or part not in data:
                return False
            data = data[part]
    return True


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_comment_is_in_the_language_and_short(kind: str, lang: str) -> None:
    text = new(kind, lang)
    comments = [line.strip() for line in text.splitlines() if line.lstrip().startswith("#")]
    assert all(len(line) <= 100 for line in text.splitlines()), [x for x in text.splitlines() if len(x) > 100]
    assert any(c.endswith(REQUIRED[lang]) for c in comments)
    assert any(c.endswith(OPTIONAL[lang]) for c in comments)
    assert STAFF_NAME[lang] in text or kind == "strategy"
    for english in ("(required)", "(optional)", "fill in", "Replace every", "full name", "Choose one"):
        assert english not in text, english
    if (kind, lang) in DESCRIBED:
        assert DESCRIBED[kind, lang] in " ".join(c.lstrip("# ") for c in comments)
    other = {"nb": "(påkravd)", "nn": "(påkrevd)", "da": "(påkrevd)"}[lang]
    assert other not in text


@pytest.mark.parametrize("lang", LANGS)
def test_a_choice_lists_its_codes_with_their_labels(lang: str) -> None:
    text = new("concern_receipt", lang)
    label = {"nb": "in_person (muntlig, på skolen)", "nn": "in_person (munnleg, på skulen)",
             "da": "in_person (personligt fremmøde)"}[lang]
    assert label in text
    assert "setting: school" in text  # an optional choice shows its default
    assert "«ÅÅÅÅ-MM-DD»" in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", TYPES)
def test_an_untouched_skeleton_fails_with_every_placeholder_and_its_line(kind: str, lang: str) -> None:
    text = new(kind, lang)
    report = check(text)
    assert not report.ok
    assert report.errors
    for issue in report.errors:
        assert "still holds the skeleton's placeholder" in issue.message, issue
        assert issue.line is not None, issue
        assert "«" in "\n".join(text.splitlines()[issue.line - 1:issue.line + 1]), issue
    assert len(report.errors) == len(holes(read(text, "s.yaml").data, shapes(kind)))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", TYPES)
def test_a_filled_skeleton_validates(kind: str, lang: str) -> None:
    report = check(fill(new(kind, lang), kind))
    assert report.ok, report.errors
    assert report.document is not None and report.document.lang == lang
    assert report.document.document_date == dt.date.today()  # left empty: today


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", TYPES)
def test_a_filled_skeleton_with_every_optional_part_validates(kind: str, lang: str) -> None:
    """The commented-out blocks, brought back and filled in, are records the model accepts."""
    report = check(fill(uncomment(new(kind, lang)), kind))
    assert report.ok, report.errors


@pytest.mark.parametrize("lang", LANGS)
def test_a_case_file_skeleton_is_the_case_files_fields(lang: str) -> None:
    data = read(filled_case(lang), "sak.case.yaml").data
    assert set(data) == set(CaseFile.model_fields)
    CaseFile.model_validate(data)
    assert data["guardians"] and data["pupil"]["date_of_birth"] == "2015-03-14"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ("activity_plan", "concern_receipt", "best_interest"))
def test_with_a_case_file_the_skeleton_names_it_and_leaves_out_what_it_gives(tmp_path: Path, kind: str,
                                                                             lang: str) -> None:
    case = tmp_path / "sak.case.yaml"
    case.write_text(filled_case(lang), encoding="utf-8")
    text = new(kind, lang, CaseRef("sak.case.yaml", read(case.read_text("utf-8"), str(case)).data))
    data = read(text, "x.yaml").data
    assert data["case"] == "sak.case.yaml"
    assert "school" not in data  # the case file has it
    assert "contact" not in data and "coordinator" not in data  # the case file's contact fills them
    assert "\n# school: " in text
    record = tmp_path / f"{kind}.yaml"
    record.write_text(text, encoding="utf-8")
    untouched = check(text, str(record))
    assert untouched.errors and all(i.line is not None and "placeholder" in i.message for i in untouched.errors)
    assert all(not i.path.startswith(("case.", "school.")) for i in untouched.errors)
    filled = fill(text, kind)
    record.write_text(filled, encoding="utf-8")
    report = check(filled, str(record))
    assert report.ok, report.errors
    assert report.document is not None and report.document.case.pupil.name == "Kari Berg"


def test_a_case_files_placeholders_are_reported_in_the_case_file_with_their_line(tmp_path: Path) -> None:
    case = tmp_path / "sak.case.yaml"
    case.write_text(new(CASE, "nb"), encoding="utf-8")
    plan = tmp_path / "plan.yaml"
    text = new("activity_plan", "nb", CaseRef("sak.case.yaml", read(case.read_text("utf-8"), str(case)).data))
    plan.write_text(fill(text, "activity_plan"), encoding="utf-8")
    report = check(plan.read_text("utf-8"), str(plan))
    assert not report.ok
    assert all("placeholder" in i.message for i in report.errors)
    in_case = [i for i in report.errors if i.path.startswith("case.")]
    assert {i.path for i in in_case} >= {"case.pupil.name", "case.concern.received_date", "case.concern.channel"}
    case_lines = case.read_text("utf-8").splitlines()
    for issue in in_case:
        assert issue.file == str(case) and issue.line is not None
        assert "«" in case_lines[issue.line - 1]


def test_the_best_interest_skeleton_explains_plan() -> None:
    text = new("best_interest", "nb")
    assert re.search(r"# Filen med aktivitetsplanen[^\n]*\n(# [^\n]*\n)*plan:\n", text), text


def test_with_a_profile_the_school_is_left_out(tmp_path: Path) -> None:
    from docgen.profile import load_profile

    profile = load_profile(example_profile("nb"))
    assert profile is not None and profile.school is not None
    text = new("concern_receipt", "nb", profile=profile)
    data = read(text, "x.yaml").data
    assert "school" not in data and "# school: fra skoleprofilen" in text
    if profile.signature is not None:
        assert "signatory" not in data
    report = check(fill(text, "concern_receipt"), profile=profile)
    assert report.ok, report.errors
    assert "school" not in read(new(CASE, "nb", profile=profile), "x.yaml").data


def test_the_profiles_own_fields_are_in_the_skeleton(tmp_path: Path) -> None:
    from docgen.profile import load_profile

    path = tmp_path / "skole.toml"
    path.write_text('language = "nn"\n[school]\nname = "Fjellheim skule"\n\n'
                    '[fields.kommunenummer]\ndescription = "Kommunenummeret i brevhovudet"\nkind = "number"\n'
                    'required = true\n\n[fields.merknad]\ndescription = "Ein merknad"\n', encoding="utf-8")
    profile = load_profile(path)
    text = new("activity_plan", "nn", profile=profile)
    assert "# Kommunenummeret i brevhovudet (påkravd)\n  kommunenummer: «tal»\n" in text
    assert "  merknad:\n" in text
    assert "«tal»" in text
    filled = text.replace("«tal»", "301")
    report = check(fill(filled, "activity_plan"), profile=profile)
    assert report.ok, report.errors


# ---------------------------------------------------------------- the command line


def test_new_writes_the_file_and_refuses_to_overwrite_it(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    result = run_cli("new", "activity_plan", "--lang", "da", "-o", out)
    ok(result)
    assert result.stdout == ""
    assert f"docgen: wrote {out}" in result.stderr
    text = out.read_text("utf-8")
    assert text == new("activity_plan", "da", name=str(out))
    assert f"docgen validate {out}" in text and f"docgen render {out} -o {tmp_path / 'plan'}.docx" in text
    out.write_text("mine", encoding="utf-8")
    again = run_cli("new", "activity_plan", "--lang", "da", "-o", out)
    assert_clean_error(again, "already exists; use --force to replace it")
    assert out.read_text("utf-8") == "mine"
    ok(run_cli("new", "activity_plan", "--lang", "da", "-o", out, "--force"))
    assert out.read_text("utf-8") == text


@pytest.mark.parametrize("dash", [(), ("-o", "-")])
def test_new_prints_to_standard_output(dash: tuple[str, ...]) -> None:
    result = run_cli("new", "strategy", "--lang", "nn", *dash)
    ok(result)
    assert result.stdout == new("strategy", "nn")


def test_new_into_a_folder(tmp_path: Path) -> None:
    ok(run_cli("new", "best_interest", "--lang", "nb", "-o", f"{tmp_path}/saker/"))
    assert (tmp_path / "saker" / "best_interest.yaml").is_file()
    ok(run_cli("new", "case", "--lang", "da", "-o", f"{tmp_path}/saker/"))
    assert (tmp_path / "saker" / "sag.case.yaml").is_file()


def test_new_refuses_an_output_that_is_not_yaml(tmp_path: Path) -> None:
    result = run_cli("new", "activity_plan", "-o", tmp_path / "plan.json")
    assert result.exit_code == 2
    assert ".yaml" in result.stderr
    assert not (tmp_path / "plan.json").exists()


def test_an_unknown_type_is_a_clear_error() -> None:
    result = run_cli("new", "activity_plna")
    assert_clean_error(result, "unknown document type 'activity_plna'. Did you mean 'activity_plan'?")
    assert "case" in result.stderr


def test_a_missing_case_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.case.yaml"
    result = run_cli("new", "concern_receipt", "--case", missing, "-o", tmp_path / "k.yaml")
    assert_clean_error(result, "case file not found", missing)
    assert not (tmp_path / "k.yaml").exists()


def test_a_document_given_as_the_case_file_is_refused(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(new("activity_plan", "nb"), encoding="utf-8")
    assert_clean_error(run_cli("new", "best_interest", "--case", plan), "not a case file", plan)


def test_a_broken_case_file_is_a_clear_error(tmp_path: Path) -> None:
    case = tmp_path / "sak.case.yaml"
    case.write_text("pupil:\n\tname: x\n", encoding="utf-8")
    assert_clean_error(run_cli("new", "concern_receipt", "--case", case), "indent with spaces", case)


def test_new_case_takes_no_case() -> None:
    result = run_cli("new", "case", "--case", "x.case.yaml")
    assert result.exit_code == 2


def test_the_case_file_is_named_relative_to_the_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ok(run_cli("new", "case", "--lang", "nn", "-o", "sak.case.yaml"))
    (tmp_path / "dokument").mkdir()
    ok(run_cli("new", "activity_plan", "--case", "sak.case.yaml", "-o", "dokument/plan.yaml"))
    text = (tmp_path / "dokument" / "plan.yaml").read_text("utf-8")
    assert "\ncase: ../sak.case.yaml\n" in text
    assert "\nlang: nn\n" in text  # the case file's language
    ok(run_cli("new", "best_interest", "--case", "sak.case.yaml"))  # standard output: the path as given
    assert "\ncase: sak.case.yaml\n" in run_cli("new", "best_interest", "--case", "sak.case.yaml").stdout


def test_a_case_file_with_another_name_gets_a_hint(tmp_path: Path) -> None:
    result = run_cli("new", "case", "-o", tmp_path / "sak.yaml")
    ok(result)
    assert "NAME.case.yaml" in result.stderr


def test_a_language_the_case_file_does_not_have_is_warned_about(tmp_path: Path) -> None:
    case = tmp_path / "sak.case.yaml"
    case.write_text(filled_case("nb"), encoding="utf-8")
    result = run_cli("new", "activity_plan", "--case", case, "--lang", "da")
    ok(result)
    assert "docgen: warning: the case file is written in 'nb', this skeleton in 'da'" in result.stderr
    assert "\nlang: da\n" in result.stdout


def test_the_profile_option_leaves_out_the_school(tmp_path: Path) -> None:
    result = run_cli("new", "concern_receipt", "--profile", example_profile("da"))
    ok(result)
    assert "\nlang: da\n" in result.stdout  # the profile's language
    assert "\nschool:" not in result.stdout


def test_validate_lists_every_placeholder_of_an_untouched_skeleton_by_line(tmp_path: Path) -> None:
    out = tmp_path / "kvittering.yaml"
    ok(run_cli("new", "concern_receipt", "--lang", "nb", "-o", out))
    result = run_cli("validate", out)
    failed(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("docgen: error:")]
    assert errors
    assert all(re.match(rf"docgen: error: {re.escape(str(out))}: line \d+, \S+: still holds the skeleton's "
                        "placeholder", line) for line in errors), errors


def test_the_case_from_start_to_finish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """new case -> fill in -> new concern_receipt --case -> fill in -> validate -> render."""
    monkeypatch.chdir(tmp_path)
    ok(run_cli("new", "case", "--lang", "nb", "-o", "sak.case.yaml"))
    Path("sak.case.yaml").write_text(fill(Path("sak.case.yaml").read_text("utf-8"), CASE), encoding="utf-8")
    ok(run_cli("new", "concern_receipt", "--case", "sak.case.yaml", "-o", "kvittering.yaml"))
    failed(run_cli("validate", "kvittering.yaml"))
    receipt = Path("kvittering.yaml")
    receipt.write_text(fill(receipt.read_text("utf-8"), "concern_receipt"), encoding="utf-8")
    ok(run_cli("validate", "kvittering.yaml"))
    ok(run_cli("render", "kvittering.yaml", "-o", "kvittering.docx"))
    assert Path("kvittering.docx").stat().st_size > 0


def test_the_skeleton_is_not_an_example() -> None:
    example = json.loads((Path(__file__).parent.parent / "examples" / "activity_plan.nb.json").read_text("utf-8"))
    text = new("activity_plan", "nb")
    assert example["background"][:30] not in text
    assert "docgen example activity_plan --lang nb" in text


def test_placeholders_are_found_in_every_kind_of_container() -> None:
    """The quick look for the mark (records._marked) leaves mappings other than dicts to the full
    walk, at the top and nested, so no placeholder is missed."""
    from collections import OrderedDict

    from docgen.records import placeholders

    left = "«fill in»"
    for value in (OrderedDict(name=left), {"a": OrderedDict(name=left)}, {"a": [{"b": left}]}, [left],
                  {"a": [[{"b": {"c": left}}]]}):
        assert len(placeholders(value)) == 1, value
    assert placeholders({"a": ["«Trygg skolevei»", {"b": "text"}]}) == []
