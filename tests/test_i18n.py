"""Messages in the school's language: the catalogs in docgen/locale/ are sound, cover the cheat sheet,
and reach the person at the keyboard through the command line; a message with no entry stays English."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from docgen.cli import cli
from docgen.fields import context_shape, rows
from docgen.i18n import translate, translate_issue, translate_lines
from docgen.law import table
from docgen.languages import LANGUAGES
from docgen.records import validate

from conftest import ROOT, load_example, make_template

LANGS = ("nb", "nn", "da")


@pytest.fixture(autouse=True)
def _the_schools_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest makes messages English for the rest of the suite; here they follow the record."""
    monkeypatch.delenv("DOCGEN_MESSAGES", raising=False)
TYPES = ("activity_plan", "concern_receipt", "best_interest", "strategy")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")  # as docgen.i18n reads them


def catalog(lang: str) -> dict[str, str]:
    """The catalog as shipped with the package, refusing a key that appears twice (JSON would keep the last)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        repeated = {key for key in keys if keys.count(key) > 1}
        assert not repeated, f"{lang}.json has these keys twice: {sorted(repeated)}"
        return dict(pairs)

    text = files("docgen").joinpath("locale", f"{lang}.json").read_text("utf-8")
    loaded: dict[str, str] = json.loads(text, object_pairs_hook=no_duplicates)
    return loaded


def law_summaries(country: str) -> set[str]:
    """What `docgen fields` shows under law.* for a country: the confirmed facts' summaries."""
    return {fact.summary for fact in table(country).facts.values() if fact.confirmed}


def docgen(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def shift(day: str, days: int) -> str:
    """A date of the example record moved by some days (the examples' dates may change)."""
    return (dt.date.fromisoformat(day[:10]) + dt.timedelta(days=days)).isoformat()


def write_record(folder: Path, record: dict[str, Any], name: str = "case.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------- (a) the catalogs are sound


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_maps_english_to_text_with_the_same_placeholders(lang: str) -> None:
    entries = catalog(lang)
    assert isinstance(entries, dict) and entries
    wrong = []
    for key, value in entries.items():
        assert isinstance(key, str) and isinstance(value, str), (key, value)
        assert key.strip() and value.strip(), f"empty entry: {key!r}: {value!r}"
        if set(PLACEHOLDER.findall(key)) != set(PLACEHOLDER.findall(value)):
            wrong.append(f"{key!r} -> {value!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_catalogs_translate_the_same_messages() -> None:
    """Every message in every language; only the legal facts differ (each language shows its country's)."""
    nb, nn, da = (set(catalog(lang)) for lang in LANGS)
    assert nb == nn
    assert nb - law_summaries("NO") == da - law_summaries("DK")


@pytest.mark.parametrize("lang", LANGS)
def test_the_same_name_twice_in_a_key_fills_both_places(lang: str) -> None:
    text = "more than 6 weeks after the start; the routine asks for evaluation within 6 weeks"
    translated = translate(text, lang)
    assert translated != text
    assert translated.count("6") == 2
    # Two different numbers are not this message: it stays as it is.
    odd = "more than 6 weeks after the start; the routine asks for evaluation within 8 weeks"
    assert translate(odd, lang) == odd


# ---------------------------------------------------------------- (b) the cheat sheet


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("type_name", TYPES)
def test_every_description_of_docgen_fields_is_translated(type_name: str, lang: str) -> None:
    """`docgen fields TYPE --lang LANG` shows the record's fields and the legal facts of LANG's country."""
    entries = catalog(lang)
    missing = [
        f"{path}: {description}"
        for path, _, description in rows(context_shape(type_name, None, lang))
        if description and description not in entries
    ]
    assert not missing, "\n".join(missing)


def test_every_record_field_description_is_in_all_three_catalogs() -> None:
    """The record's own fields (not the legal facts, which are per country) in every language."""
    facts = law_summaries("NO") | law_summaries("DK")
    for type_name in TYPES:
        described = {d for _, _, d in rows(context_shape(type_name)) if d and d not in facts}
        for lang in LANGS:
            assert described <= set(catalog(lang)), (type_name, lang, sorted(described - set(catalog(lang))))


@pytest.mark.parametrize(
    "lang, expected, english",
    [
        ("nb", "Klasse eller gruppe, f.eks. '6B'.", "Class or group"),
        ("nn", "Kven som er med på evalueringsmøtet.", "Who takes part in the evaluation meeting."),
        ("da", "Klasse eller gruppe, f.eks. '6.B'.", "Class or group"),
    ],
)
def test_docgen_fields_prints_the_cheat_sheet_in_the_language(lang: str, expected: str, english: str) -> None:
    result = docgen("fields", "activity_plan", "--lang", lang)
    assert result.exit_code == 0, result.output
    assert expected in result.stdout
    assert english not in result.stdout


# ---------------------------------------------------------------- (c) real messages through the pipeline


def test_validate_a_danish_record_prints_danish(tmp_path: Path) -> None:
    record = load_example("activity_plan.da.json")
    measure = record["measures"][2]
    measure["evaluation_date"] = shift(measure["start_date"], -1)
    path = write_record(tmp_path, record)
    result = docgen("validate", path)
    assert result.exit_code == 1
    assert (f"docgen: error: {path}: measures[2].evaluation_date: "
            "evalueringen kan ikke ligge før tiltaget starter") in result.stderr
    assert "the evaluation cannot come before" not in result.stderr


def test_validate_a_nynorsk_record_prints_nynorsk(tmp_path: Path) -> None:
    record = load_example("activity_plan.nn.json")
    measures = record["measures"]
    measures[2]["evaluation_date"] = shift(measures[2]["start_date"], -1)
    measures[0]["evaluation_date"] = shift(measures[0]["start_date"], 60)  # more than six weeks after
    path = write_record(tmp_path, record)
    result = docgen("validate", path)
    assert result.exit_code == 1
    assert "measures[2].evaluation_date: evalueringa kan ikkje kome før tiltaket tek til" in result.stderr
    assert (f"docgen: warning: {path}: measures[0].evaluation_date: meir enn 6 veker etter oppstart; "
            "rutinen seier at tiltaket skal evaluerast innan 6 veker") in result.stderr
    assert "weeks" not in result.stderr


def test_render_lists_every_error_under_a_translated_head(tmp_path: Path) -> None:
    record = load_example("activity_plan.nb.json")
    measure = record["measures"][2]
    measure["evaluation_date"] = shift(measure["start_date"], -1)
    record["views"]["pupil"] = "TBD"
    path = write_record(tmp_path, record)
    out = tmp_path / "plan.docx"
    result = docgen("render", path, "-o", out)
    assert result.exit_code == 1
    assert not out.exists()
    lines = result.stderr.splitlines()
    assert f"docgen: error: {path}: opplysningene har 2 feil:" in lines
    assert "  measures[2].evaluation_date: evalueringen kan ikke komme før tiltaket starter" in lines
    assert "  views.pupil: inneholder ikke noe reelt svar; skriv hvordan eleven ble hørt og hva eleven sa" in lines


def test_a_record_in_another_language_is_told_so_in_its_own(tmp_path: Path) -> None:
    path = write_record(tmp_path, load_example("activity_plan.nb.json"))
    result = docgen("validate", path, "--lang", "da")
    assert result.exit_code == 1
    assert (f"{path}: lang: opplysningene er skrevet på 'nb'; med 'da' ville teksten havnet under overskrifter "
            "for det andre landet.") in result.stderr


def test_a_json_syntax_error_is_told_in_the_school_profiles_language(tmp_path: Path) -> None:
    profile = tmp_path / "skule.toml"
    profile.write_text('language = "nn"\n', encoding="utf-8")
    broken = tmp_path / "sak.json"
    broken.write_text('{"type": "activity_plan" "lang": "nn"}', encoding="utf-8")
    result = docgen("render", broken, "--profile", profile, "-o", tmp_path / "plan.docx")
    assert result.exit_code == 1
    assert result.stderr == (f"docgen: error: {broken}: ikkje gyldig JSON: det manglar eit komma mellom to verdiar "
                             "på linje 1, kolonne 26\n")


def test_the_school_profiles_own_fields_are_checked_in_its_language(tmp_path: Path) -> None:
    profile = tmp_path / "skole.toml"
    profile.write_text('language = "da"\n\n[fields.kommunenummer]\ndescription = "Kommunenummer"\n'
                       'kind = "number"\nrequired = true\n', encoding="utf-8")
    record = load_example("activity_plan.da.json")
    del record["lang"]  # the profile's language fills it in
    record["custom"] = {"komunenummer": 101}
    path = write_record(tmp_path, record)
    result = docgen("validate", path, "--profile", profile)
    assert result.exit_code == 1
    assert ("custom.komunenummer: er ikke et felt som skoleprofilen definerer; mente du 'kommunenummer'?"
            in result.stderr)
    assert "custom.kommunenummer: skal udfyldes ifølge skoleprofilen" in result.stderr


def _broken(name: str) -> dict[str, Any]:
    """Example records with mistakes, each making messages the school must understand."""
    if name == "plan":
        r = load_example("activity_plan.nb.json")
        received = r["case"]["concern"]["received_date"]
        r["measures"][0]["start_date"] = shift(received, -30)
        r["measures"][1]["evaluation_date"] = shift(r["measures"][1]["start_date"], 100)
        r["measures"][3]["ended"] = True
        r["case"]["concern"]["school_aware_date"] = shift(received, 30)
        r["case"]["pupil"]["date_of_birth"] = shift(received, 1)
        r["family_informed_date"] = shift(received, -10)
        r["temporary_measures"] = [{"description": "Følge i friminutt", "start_date": shift(received, -30)}]
    elif name == "shape":
        r = load_example("activity_plan.nb.json")
        del r["background"]
        r["measurez"] = []
        r["school"]["kind"] = "kommunal"
        r["school"]["email"] = "skolen"
        r["school"]["help_lines"] = "116 111"
        r["case"]["pupil"]["name"] = 5
        r["case"]["concern"]["received_date"] = "2026-02-31"
        r["case"]["concern"]["received_by"]["rolle"] = "kontaktlærer"
        r["document_date"] = "2026-13-01"
        r["measures"][0]["ended"] = "kanskje"
        r["school"]["closing_days"] = [{"first": "2026-05-10", "last": "2026-05-01"}, {"first": "1800-01-01",
                                                                                       "last": "2026-01-00"}]
    elif name == "handleplan":
        r = load_example("activity_plan.da.json")
        received = r["case"]["concern"]["received_date"]
        r["case"]["concern"].pop("school_aware_date", None)
        r["temporary_measures"] = []
        r["document_date"] = shift(received, 60)
        r["school"]["closing_days"] = [{"first": shift(received, 3), "last": shift(received, 4), "name": "fridage"}]
    elif name == "receipt":
        r = load_example("concern_receipt.nb.json")
        received = r["case"]["concern"]["received_date"]
        r["meeting"]["start"] = shift(received, 5) + "T20:00"
        del r["case"]["pupil"]["date_of_birth"]
        r["document_date"] = shift(received, 20)
        r["case"]["concern"]["reported_by"] = "guardians"
        r["case"]["guardians"] = []
    elif name == "kvittering":
        r = load_example("concern_receipt.da.json")
        r["temporary_measures"] = []
        r["meeting"]["start"] = shift(r["case"]["concern"]["received_date"], 40) + "T10:00"
    elif name == "best_interest":
        r = load_example("best_interest.nn.json")
        r["considerations"]["child_views"]["information"] = None
        r["considerations"]["family"] = {"weighting": "Mykje"}
        r["considerations"]["health"] = {"information": "..."}
        r["other_children"] = [{"reference": "Ola Nordmann", "assessment": "Han må byte plass."}]
    elif name == "strategi":
        r = load_example("strategy.da.json")
        r["digital_prevention"], r["prevention"], r["intervention"] = {}, {}, {}
        r["approved"], r["approved_by"] = shift(r["revised"], -100), None
    elif name == "plan_for_skolemiljo":
        r = load_example("strategy.nb.json")
        r["procedure"] = []
        r["document_date"] = shift(r["revised"], 500)
    else:
        r = load_example("strategy.nn.json")
        r["annual_cycle"] = [{"month": 13, "activity": "Elevundersøkinga"}, {"month": 0, "activity": "Foreldremøte"},
                             {"month": 1.5, "activity": "Trivselsveke"}]
    return r


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["plan", "shape", "handleplan", "receipt", "kvittering", "best_interest",
                                  "strategi", "plan_for_skolemiljo", "arshjul"])
def test_every_message_of_these_broken_records_is_translated(name: str, lang: str) -> None:
    report = validate(_broken(name))
    assert report.issues
    untranslated = [str(i) for i in report.issues if translate_issue(str(i), lang) == str(i)]
    assert not untranslated, "\n".join(untranslated)


@pytest.mark.parametrize(
    "text",
    ['{"a": "one\ntwo"}', '{"a": 1 "b": 2}', "{'a': 1}", '{"a": 1} {"b": 2}', '{"a": "open', '{"a" 1}',
     '{"a": "\\x"}', '{"a": "\\u12"}', "", '{"a": 1, "a": 2}'],
)
def test_parser_messages_are_translated(text: str) -> None:
    from docgen.errors import InputError
    from docgen.sources import parse_json

    with pytest.raises(InputError) as info:
        parse_json(text, "sak.json")
    message = str(info.value)
    for lang in LANGS:
        translated = translate_lines(message, lang)
        assert translated.startswith("sak.json: ")
        assert translated != message, lang


def test_a_template_check_finding_has_its_words_in_the_catalogs(tmp_path: Path) -> None:
    from docgen.check import check_template

    template = make_template(tmp_path, "Hei {{ case.pupil.nmae }}", lang="nn")
    (issue,) = check_template(template, "activity_plan")
    assert issue.message == "unknown field 'case.pupil.nmae'; did you mean 'name'?"
    assert translate(issue.message, "nn") == "ukjent felt 'case.pupil.nmae'; meinte du 'name'?"
    assert translate(issue.message, "da") == "ukendt felt 'case.pupil.nmae'; mente du 'name'?"


def test_templates_check_prints_its_findings_in_the_templates_language(tmp_path: Path) -> None:
    template = make_template(tmp_path, "Hei {{ case.pupil.nmae }}", lang="nn")
    result = docgen("templates", "check", template, "--type", "activity_plan")
    assert "ukjent felt 'case.pupil.nmae'" in result.stderr


@pytest.mark.parametrize("lang", LANGS)
def test_a_message_with_literal_braces_is_translated(lang: str) -> None:
    assert "must be an object ({...})" in catalog(lang)
    assert translate("must be an object ({...})", lang) == catalog(lang)["must be an object ({...})"]


# ---------------------------------------------------------------- (d) a message with no entry stays English


@pytest.mark.parametrize("lang", LANGS)
def test_a_message_the_catalog_does_not_know_stays_english(lang: str) -> None:
    new = "a rule written after the catalogs were"
    assert translate(new, lang) == new
    assert translate_issue(f"measures[0].name: {new}", lang) == f"measures[0].name: {new}"
    assert translate_lines(f"case.json: the record has 1 error:\n  views.pupil: {new}", lang).endswith(
        f"\n  views.pupil: {new}"
    )


def test_without_a_language_nothing_is_translated() -> None:
    for lang in (None, "", "en", "sv"):
        assert translate("is required but missing", lang) == "is required but missing"


def test_every_catalog_belongs_to_a_language() -> None:
    shipped = {path.stem for path in (ROOT / "docgen" / "locale").glob("*.json")}
    assert shipped == set(LANGS) == set(LANGUAGES)


def test_docgen_messages_chooses_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    assert translate("is required but missing", "da") != "is required but missing"
    monkeypatch.setenv("DOCGEN_MESSAGES", "en")
    assert translate("is required but missing", "da") == "is required but missing"
    monkeypatch.setenv("DOCGEN_MESSAGES", "nn")
    assert translate("is required but missing", None) == translate("is required but missing", "nn") != (
        "is required but missing")
