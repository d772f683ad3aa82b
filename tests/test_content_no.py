"""What the Norwegian documents say, in Bokmål and Nynorsk: the sections they cite (read from the
law table, so the tests follow it), the Statsforvalter paragraph, the marking, weekdays on dates,
lists that end with "og", the family addressed as du/dere (du/de), the pupil's first name after
the first mention, and no word from the other written standard."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import docgen
from docgen import dates
from docgen.law import table
from docgen.models.best_interest import Aspect
from docgen.models.common import Channel

from conftest import all_text, load_example, open_docx

LANGS = ("nb", "nn")
TYPES = ("activity_plan", "concern_receipt", "best_interest", "strategy")
CASE_TYPES = ("activity_plan", "concern_receipt", "best_interest")
LAW = table("NO")

# The sections each document must cite (keys of docgen/law/no.toml).
CITES = {
    "activity_plan": ("right_to_school_environment", "duty_to_act", "right_to_be_heard", "best_interest_rule",
                      "enforcement"),
    "concern_receipt": ("right_to_school_environment", "duty_to_act", "activity_plan", "right_to_be_heard",
                        "enforcement"),
    "best_interest": ("best_interest_rule", "right_to_be_heard", "constitution_104", "crc_article_3",
                      "crc_article_12", "crc_incorporated", "duty_to_act"),
    "strategy": ("zero_tolerance_prevention", "duty_to_act", "rector_notifies_owner", "staff_violation",
                 "staff_violation_leadership", "enforcement"),
}

WORDS = {
    "nb": {"one_week": "minst én uke", "special": "særlige grunner", "now": "kan melde saken nå",
           "from": "kan derfor melde saken fra og med", "orally": "muntlig eller skriftlig",
           "you_told": "meldte fra til", "pupil_told": "sa selv fra til", "thanks": "Takk for at"},
    "nn": {"one_week": "minst ei veke", "special": "særlege grunnar", "now": "kan melde saka no",
           "from": "kan difor melde saka frå og med", "orally": "munnleg eller skriftleg",
           "you_told": "melde frå til", "pupil_told": "sa sjølv frå til", "thanks": "Takk for at"},
}
SINGULAR = {"nb": ("Du", "du", "deg"), "nn": ("Du", "du", "deg")}
PLURAL = {"nb": ("Dere", "dere", "dere"), "nn": ("De", "de", "dykk")}

# Forms only one of the two written standards has; a document in the other must not contain them.
# ("skolen" is not here: Nynorsk allows "skole" beside "skule", and opplæringslova itself writes "skolen".)
BOKMAL_ONLY = (
    "ikke", "hvordan", "hva", "hvem", "hvis", "hvilke", "hvilket", "jeg", "mottatt", "fra", "være",
    "bare", "noen", "mye", "hjem", "dere", "deres", "uke", "selv", "sier", "ble", "tiltakene", "elevene",
    "foresatte", "kontaktlærer", "undersøkelsen", "sammen", "fikk", "gjelder", "mener", "vet", "hensyn",
    "grunnleggende", "ansatte", "Unntatt", "offentlighet",
)
NYNORSK_ONLY = (
    "ikkje", "korleis", "kva", "kven", "eg", "skulen", "frå", "vere", "berre", "nokon", "mykje", "heim", "dykk",
    "dykkar", "sjølv", "seier", "vart", "tiltaka", "elevane", "føresette", "kontaktlærar", "undersøkinga", "saman",
    "fekk", "gjeld", "meiner", "veit", "omsyn", "grunnleggjande", "tilsette", "høyrd", "veke", "då", "Unnateke",
    "offentlegheit",
)
OTHER_STANDARD = {"nn": BOKMAL_ONLY, "nb": NYNORSK_ONLY}


def example(type_name: str, lang: str) -> dict[str, Any]:
    return load_example(f"{type_name}.{lang}.json")


def render(record: dict[str, Any], **kw: Any):
    return open_docx(docgen.render(record, **kw))


def body(document) -> str:
    """The text of the body (paragraphs and table cells), without the header and footer."""
    lines = [p.text for p in document.paragraphs]
    for t in document.tables:
        for row in t.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def header(document) -> str:
    return "\n".join(p.text for p in document.sections[0].header.paragraphs)


def text(law_key: str, lang: str) -> str:
    return LAW.fact(law_key).texts[lang]


def cites(content: str, law_key: str, lang: str) -> bool:
    """The fact's text is in the document, also where it opens a sentence ("Barnekonvensjonen …")."""
    fact = text(law_key, lang)
    return fact in content or fact[:1].upper() + fact[1:] in content


def day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def words(value: str) -> set[str]:
    return set(re.findall(r"[\wæøåÆØÅéÉ]+", value))


# ---------------------------------------------------------------- the law, as the table states it


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("type_name", TYPES)
def test_each_document_cites_its_sections(type_name: str, lang: str) -> None:
    content = all_text(render(example(type_name, lang)))
    for key in CITES[type_name]:
        assert cites(content, key, lang), key


@pytest.mark.parametrize("lang", LANGS)
def test_best_interest_is_a_fundamental_consideration(lang: str) -> None:
    content = all_text(render(example("best_interest", lang)))
    assert text("best_interest_standard", lang) in content
    assert "telle tungt" not in content and "vege tungt" not in content


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("type_name", CASE_TYPES)
def test_case_documents_carry_the_marking(type_name: str, lang: str) -> None:
    document = render(example(type_name, lang))
    assert text("access_marking", lang) in header(document)
    assert ("Unnateke offentlegheit" if lang == "nn" else "Unntatt offentlighet") in header(document)
    assert "Unntatt offentlegheit" not in all_text(document)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("type_name", ("activity_plan", "concern_receipt", "strategy"))
def test_the_statsforvalter_paragraph(type_name: str, lang: str) -> None:
    record = example(type_name, lang)
    content = body(render(record))
    w = WORDS[lang]
    paragraph = next(p for p in content.split("\n") if text("enforcement", lang) in p)
    assert text("enforcement_body", lang) in paragraph
    assert w["one_week"] in paragraph and "rektor" in paragraph
    assert w["special"] in paragraph  # the Statsforvalter may take the case earlier
    assert "arbeidsdag" not in content  # the statute counts a week, not working days
    assert w["orally"] in content
    assert record["school"]["statsforvalter"] in content.split("\n")  # the office, on a line of its own

    del record["school"]["statsforvalter"]
    without = body(render(record))
    assert text("statsforvalter_contact", lang) in without


# ---------------------------------------------------------------- the plan


@pytest.mark.parametrize("lang", LANGS)
def test_plan_says_when_the_family_may_report(lang: str) -> None:
    record = example("activity_plan", lang)
    plan = docgen.load(record)
    escalation = plan.escalation_date
    assert escalation is not None and escalation > plan.document_date
    later = body(render(record))
    assert f"{WORDS[lang]['from']} {dates.weekday_date(escalation, lang)}" in later
    assert WORDS[lang]["now"] not in later

    for on in (escalation, escalation + dt.timedelta(days=3)):  # the day itself and after it
        record["document_date"] = on.isoformat()
        now = body(render(record))
        assert WORDS[lang]["now"] in now, on
        assert WORDS[lang]["from"] not in now
        assert dates.weekday_date(day(record["case"]["concern"]["rector_informed_date"]), lang) in now

    record["case"]["concern"]["rector_informed_date"] = None
    unknown = body(render(record))
    assert WORDS[lang]["now"] not in unknown and WORDS[lang]["from"] not in unknown
    assert WORDS[lang]["one_week"] in unknown


@pytest.mark.parametrize("lang", LANGS)
def test_plan_prints_the_case_and_its_goal(lang: str) -> None:
    record = example("activity_plan", lang)
    content = body(render(record))
    case = record["case"]
    assert dates.long_date(day(case["pupil"]["date_of_birth"]), lang) in content
    names = [g["name"] for g in case["guardians"]]
    assert f"{names[0]} og {names[1]}" in content
    assert case["concern"]["summary"] in content
    assert record["goal"] in content
    for m in record["measures"]:
        assert dates.weekday_date(day(m["start_date"]), lang) in content
        assert dates.weekday_date(day(m["evaluation_date"]), lang) in content
        people = m.get("evaluation_participants", [])
        if len(people) > 2:
            assert ", ".join(people[:-1]) + " og " + people[-1] in content
            assert ", ".join(people) not in content


@pytest.mark.parametrize("lang", LANGS)
def test_plan_is_signed_for_the_leadership(lang: str, tmp_path: Path) -> None:
    record = example("activity_plan", lang)
    rector = record["approved_by"]
    assert f"{rector['name']}, {rector['title']}" in body(render(record))

    del record["approved_by"]
    blank = body(render(record))
    assert ("Rektor (namn og underskrift)" if lang == "nn" else "Rektor (navn og underskrift)") in blank

    profile = tmp_path / "school.toml"
    profile.write_text('[signature]\nname = "Berit Signe Lund"\ntitle = "rektor"\n', encoding="utf-8")
    assert "Berit Signe Lund, rektor" in body(render(record, profile=profile))


# ---------------------------------------------------------------- the receipt


def receipt(lang: str, guardians: int = 2, **concern: Any) -> dict[str, Any]:
    record = example("concern_receipt", lang)
    record["case"]["guardians"] = record["case"]["guardians"][:guardians]
    record["case"]["concern"].update(concern)
    return record


@pytest.mark.parametrize("lang", LANGS)
def test_receipt_addresses_two_guardians_in_the_plural(lang: str) -> None:
    content = body(render(receipt(lang, 2, reported_by="guardians")))
    you, you_lower, you_object = PLURAL[lang]
    assert f"{you} {WORDS[lang]['you_told']}" in content
    assert f"{WORDS[lang]['thanks']} {you_lower} sa fr" in content
    assert f"saman med {you_object}" in content if lang == "nn" else f"sammen med {you_object}" in content
    names = [g["name"] for g in example("concern_receipt", lang)["case"]["guardians"]]
    assert f"{names[0]} og {names[1]}" in content


@pytest.mark.parametrize("lang", LANGS)
def test_receipt_addresses_one_guardian_in_the_singular(lang: str) -> None:
    content = body(render(receipt(lang, 1, reported_by="guardians")))
    you, you_lower, you_object = SINGULAR[lang]
    assert f"{you} {WORDS[lang]['you_told']}" in content
    assert f"{WORDS[lang]['thanks']} {you_lower} sa fr" in content
    assert f"saman med {you_object}" in content if lang == "nn" else f"sammen med {you_object}" in content
    plural = words(content) & ({"dere", "Dere"} if lang == "nb" else {"dykk", "De"})
    assert not plural, plural


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("guardians", (1, 2))
@pytest.mark.parametrize("channel", [c.value for c in Channel])
def test_receipt_says_how_the_concern_came_for_every_channel(lang: str, guardians: int, channel: str) -> None:
    content = body(render(receipt(lang, guardians, reported_by="guardians", channel=channel)))
    you = (SINGULAR if guardians == 1 else PLURAL)[lang]
    sentence = next(line for line in content.split("\n") if WORDS[lang]["you_told"] in line)
    if channel == "in_person":
        came = {"nb": "da {} kom til skolen", "nn": "då {} kom til skulen"}[lang].format(you[1])
        assert came in sentence
    elif channel != "other":
        assert Channel(channel).phrase(lang) in sentence
    assert "  " not in sentence and "via" not in words(sentence)


@pytest.mark.parametrize("lang", LANGS)
def test_receipt_when_the_pupil_told_the_school(lang: str) -> None:
    record = receipt(lang, 2, reported_by="pupil", channel="in_person")
    content = body(render(record))
    first = record["case"]["pupil"]["first_name"] if "first_name" in record["case"]["pupil"] else \
        record["case"]["pupil"]["name"].split()[0]
    assert f"{first} {WORDS[lang]['pupil_told']}" in content
    assert "kom til sk" not in content  # "da dere kom til skolen" is the family's visit, not the pupil's


@pytest.mark.parametrize("lang", LANGS)
def test_receipt_promises_a_plan_and_that_the_pupil_is_heard(lang: str) -> None:
    content = body(render(example("concern_receipt", lang)))
    plan = next(p for p in content.split("\n") if text("activity_plan", lang) in p)
    assert "aktivitetsplan" in plan
    heard = next(p for p in content.split("\n") if text("right_to_be_heard", lang) in p)
    assert ("høyrd" if lang == "nn" else "hørt") in heard
    # The duty is the school's: what it does, not a loose "everyone who works here".
    assert "Alle som jobber" not in content and "Alle som arbeider" not in content


@pytest.mark.parametrize("lang", LANGS)
def test_receipt_meeting_has_its_weekday_and_is_never_announced_after_it(lang: str) -> None:
    record = example("concern_receipt", lang)
    start = dt.datetime.fromisoformat(record["meeting"]["start"])
    content = body(render(record))
    assert dates.weekday_date_time(start, lang) in content
    assert "Invitasjon til oppstartsmøte" in content
    people = record["meeting"]["participants"]
    assert ", ".join(people[:-1]) + " og " + people[-1] in content

    record["document_date"] = (start.date() + dt.timedelta(days=1)).isoformat()
    after = body(render(record))
    assert "Invitasjon" not in after and dates.weekday_date_time(start, lang) in after
    assert ("vart halde" if lang == "nn" else "ble holdt") in after


def test_nynorsk_receipt_does_not_contradict_itself() -> None:
    content = body(render(example("concern_receipt", "nn")))
    assert "alt sett i gang" not in content  # its measure may start "frå i morgon"


# ---------------------------------------------------------------- the pupil's name


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("type_name", CASE_TYPES)
def test_full_name_once_then_the_first_name(type_name: str, lang: str) -> None:
    record = example(type_name, lang)
    full = record["case"]["pupil"]["name"]
    assert body(render(record)).count(full) == 1
    if type_name == "best_interest":
        return  # the assessment speaks of "eleven" and anonymises other children
    record["case"]["pupil"]["first_name"] = "Kaja"  # what the letters call the pupil
    content = body(render(record))
    assert content.count(full) == 1
    assert content.count("Kaja") >= (5 if type_name == "concern_receipt" else 3)


# ---------------------------------------------------------------- the best-interest form


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("archive_copy", (False, True))
def test_best_interest_keeps_the_prompts(lang: str, archive_copy: bool) -> None:
    record = example("best_interest", lang)
    record["archive_copy"] = archive_copy
    cells = [c.text for t in render(record).tables for r in t.rows for c in r.cells]
    for aspect in Aspect:
        assert f"{aspect.label(lang)}\n{aspect.hint(lang)}" in cells, aspect


# ---------------------------------------------------------------- the strategy


@pytest.mark.parametrize("lang", LANGS)
def test_strategy_names_the_school_owner_and_the_new_parts(lang: str) -> None:
    record = example("strategy", lang)
    content = body(render(record))
    assert record["school"]["municipality"] in content
    for key in ("anchoring", "informing_parents"):
        assert record[key] in content
    for advice in record["parent_advice"]:
        assert advice in content
    for line in record["school"]["help_lines"]:
        assert line in content
    policy = record.get("social_media_policy")
    if policy:
        for key in ("harassment", "evidence", "platforms", "follow_up"):
            assert policy[key] in content
        assert dates.month_year(day(policy["adopted"]), lang) in content


# ---------------------------------------------------------------- Bokmål and Nynorsk kept apart


def variants(type_name: str, lang: str) -> list[dict[str, Any]]:
    """The example and the branches it does not show."""
    base = example(type_name, lang)
    out = [base]
    if type_name == "concern_receipt":
        for guardians in (1, 2):
            for reporter in ("guardians", "pupil", "staff", "other_pupil", "other"):
                out.append(receipt(lang, guardians, reported_by=reporter, channel="in_person"))
        late = copy.deepcopy(base)
        late["document_date"] = "2027-01-04"
        del late["school"]["statsforvalter"]
        late["agenda"] = []
        out.append(late)
    if type_name == "activity_plan":
        now = copy.deepcopy(base)
        now["document_date"] = (docgen.load(base).escalation_date + dt.timedelta(days=1)).isoformat()
        del now["approved_by"]
        del now["school"]["statsforvalter"]
        out.append(now)
    if type_name == "best_interest":
        archive = copy.deepcopy(base)
        archive["archive_copy"] = True
        out.append(archive)
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("type_name", TYPES)
def test_no_word_of_the_other_written_standard(type_name: str, lang: str) -> None:
    forbidden = set(OTHER_STANDARD[lang])
    for record in variants(type_name, lang):
        found = words(all_text(render(record))) & forbidden
        assert not found, f"{type_name}.{lang}: {sorted(found)}"


# Danish words no Norwegian document uses (the Danish documents are checked the other way round in
# tests/test_content_dk.py).
DANISH_ONLY = (
    "af", "efter", "hvad", "nogen", "noget", "jer", "jeres", "forældre", "forældrene", "skolelederen",
    "handleplan", "handleplanen", "mobning", "undervisningsmiljøloven", "foranstaltninger", "klasselærer",
    "kære", "venlig", "sagsnummer", "vedrørende", "kommunalbestyrelsen", "arbejdsdage", "elevens trivsel",
)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("type_name", TYPES)
def test_no_danish_word_in_a_norwegian_document(type_name: str, lang: str) -> None:
    single = {w for w in DANISH_ONLY if " " not in w}
    phrases = [w for w in DANISH_ONLY if " " in w]
    for record in variants(type_name, lang):
        text = all_text(render(record)).casefold()
        found = words(text) & single
        found |= {p for p in phrases if p in text}
        assert not found, f"{type_name}.{lang}: {sorted(found)}"
