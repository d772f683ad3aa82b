"""What the Danish documents say, as a Danish school sends them (the law as of November 2026):
section references from the reviewed law table, the complaint route after DCUM closed, the
personal-data marking, deadlines with their weekday and the school's closing days, letters that
address their readers, and Danish words only."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import pytest

import docgen
from docgen import dates
from docgen.law import table
from docgen.models.common import Channel

from conftest import all_text, load_example, open_docx

TYPES = ("activity_plan", "concern_receipt", "best_interest", "strategy")
CASE_TYPES = ("activity_plan", "concern_receipt", "best_interest")
COMPLAINT_TYPES = ("activity_plan", "concern_receipt", "strategy")

# The facts each document cites; their text comes from the table, so the test follows it.
CITED = {
    "activity_plan": ("action_plan", "action_plan_term", "plan_working_days", "temporary_measures",
                      "action_plan_leadership", "complaint_route", "complaint_subjects",
                      "complaint_first_instance_folkeskole", "national_complaint_decision"),
    "concern_receipt": ("environment_act", "action_plan", "plan_working_days", "temporary_measures",
                        "complaint_route", "complaint_subjects", "complaint_first_instance_folkeskole",
                        "national_complaint_decision"),
    "best_interest": ("action_plan", "action_plan_leadership", "confidentiality_basis"),
    "strategy": ("strategy", "strategy_folkeskole", "action_plan", "plan_working_days", "temporary_measures",
                 "school_holidays_remark", "complaint_route", "complaint_subjects",
                 "complaint_first_instance_folkeskole", "national_complaint_decision",
                 "help_line_bornetelefonen", "help_line_foraeldretelefonen", "help_line_sletdet"),
}

# Words a Danish reader would take for Norwegian (Bokmål or Nynorsk); none is Danish.
NORWEGIAN_ONLY = (
    "ikkje", "korleis", "kva", "dere", "dykk", "meg", "deg", "elevene", "elevane", "foresatte", "føresette",
    "foreldre", "skolen sin", "aktivitetsplan", "aktivitetsplikt", "Statsforvalteren", "opplæringsloven",
    "opplæringslova", "offentleglova", "Unntatt offentlighet", "rektor", "tiltak", "tiltakene", "mobbing",
    "krenkelser", "helsesykepleier", "barnets beste", "undersøkelse", "oppfølging", "saksnummer", "møte",
    "uke", "hjelp", "hva", "ble", "blitt", "gjennom", "etter", "mellom", "trygg",
)


def law(key: str) -> str:
    return table("DK").fact(key).texts["da"]


def example(type_name: str) -> dict[str, Any]:
    return load_example(f"{type_name}.da.json")


def render(record: dict[str, Any]):
    return open_docx(docgen.render(record))


def text(record: dict[str, Any]) -> str:
    return all_text(render(record))


def body(record: dict[str, Any]) -> str:
    """The body only: paragraphs and table cells, without the header and footer."""
    document = render(record)
    lines = [p.text for p in document.paragraphs]
    lines += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(lines)


def header(record: dict[str, Any]) -> str:
    return "\n".join(p.text for p in render(record).sections[0].header.paragraphs)


def weekday(value: str | dt.date) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return dates.weekday_date(day, "da")


def independent(record: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(record)
    record["school"]["kind"] = "independent"
    record["school"]["complaints_to"] = "Bestyrelsen for Egebakke Friskole, Friskolevej 3, 8999 Bøgeskov"
    return record


def summer(type_name: str) -> dict[str, Any]:
    """A concern on Monday 21 June 2027, four days before the summer closing (26 June – 8 August)."""
    record = example(type_name)
    concern = record["case"]["concern"]
    concern.update(received_date="2027-06-21", rector_informed_date="2027-06-21")
    concern.pop("school_aware_date", None)
    record["school"]["closing_days"] = [{"first": "2027-06-26", "last": "2027-08-08", "name": "sommerferie"}]
    if type_name == "concern_receipt":
        record["document_date"] = "2027-06-21"
        record["meeting"]["start"] = "2027-06-23T14:00"
    else:
        record["document_date"] = "2027-07-02"
        record["family_informed_date"] = "2027-07-02"
        for t in record["temporary_measures"]:
            t["start_date"] = "2027-06-21"
        for m in record["measures"]:
            m.update(start_date="2027-06-24", evaluation_date="2027-08-16")
    return record


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return {t: text(example(t)) for t in TYPES}


# ---------------------------------------------------------------- the law


@pytest.mark.parametrize("type_name", TYPES)
def test_cites_the_law_from_the_table(rendered: dict[str, str], type_name: str) -> None:
    found = rendered[type_name]
    for key in CITED[type_name]:
        assert law(key) in found, key
    # Every § in the document is part of a fact from the table, none written into the template.
    rest = found
    for fact in sorted(table("DK").for_language("da").values(), key=len, reverse=True):
        rest = rest.replace(fact, "")
    assert "§" not in rest


@pytest.mark.parametrize("type_name", TYPES)
def test_no_closed_body_no_security_classification(rendered: dict[str, str], type_name: str) -> None:
    found = rendered[type_name]
    for word in ("DCUM", "Dansk Center for Undervisningsmiljø", "Klageinstans", "Fortroligt", "Statsforvalter"):
        assert word not in found, word
    assert "skolens leder" not in found  # the role is always "skolelederen"
    assert not re.search(r"\b20 (arbejds)?dage\b", found)  # no unconfirmed complaint time limit


@pytest.mark.parametrize("type_name", CASE_TYPES)
def test_personal_data_marking_in_the_header(type_name: str) -> None:
    top = header(example(type_name))
    assert law("personal_data_marking") in top
    assert "Fortroligt" not in top


def test_strategy_header_has_no_personal_data_marking() -> None:
    assert law("personal_data_marking") not in header(example("strategy"))


# ---------------------------------------------------------------- complaints


@pytest.mark.parametrize("type_name", COMPLAINT_TYPES)
def test_complaint_route_folkeskole(rendered: dict[str, str], type_name: str) -> None:
    found = rendered[type_name]
    record = example(type_name)
    assert record["school"]["kind"] == "public"
    assert "sendes til skolen." in found  # the receipt: "Klagen skal være begrundet og sendes til skolen."
    assert f"{law('complaint_first_instance_folkeskole')} i {record['school']['municipality']}" in found
    assert "skolelederen" in found  # the municipality may let the school leader treat it
    assert record["school"]["complaints_to"] in found
    assert f"hvor {law('national_complaint_decision')} træffer afgørelse i sagen" in found
    assert law("complaint_first_instance_private") not in found
    if type_name == "concern_receipt":
        # The one-page receipt names what a complaint can be about in one sentence.
        assert "klage over skolens antimobbestrategi og håndtering af sagen, for eksempel undersøgelsen, " \
            "de midlertidige foranstaltninger eller handleplanen" in found
        return
    for ground in ("ikke har en antimobbestrategi", "har vurderet, at der ikke er tale om mobning",
                   "ikke har undersøgt sagen godt nok", "ikke har sat de nødvendige midlertidige foranstaltninger",
                   "ikke har lavet en handleplan"):
        assert ground in found, ground


@pytest.mark.parametrize("type_name", COMPLAINT_TYPES)
def test_complaint_route_free_and_private_schools(type_name: str) -> None:
    record = independent(example(type_name))
    found = text(record)
    assert "sendes til skolen." in found
    assert f"først behandlet af {law('complaint_first_instance_private')}" in found
    assert law("complaint_first_instance_folkeskole") not in found
    assert record["school"]["complaints_to"] in found
    assert f"hvor {law('national_complaint_decision')} træffer afgørelse i sagen" in found
    if type_name == "strategy":
        assert f"har {law('strategy_private_schools')} ansvaret for strategien" in found
        assert "som en del af skolens værdiregelsæt" not in found


def test_national_complaint_contact_only_from_the_profile() -> None:
    record = example("concern_receipt")
    assert "Kontakt om den nationale klagebehandling" not in text(record)
    record["school"]["national_complaints"] = "Se skolens hjemmeside under »Klage over mobning«."
    assert "Kontakt om den nationale klagebehandling: Se skolens hjemmeside" in text(record)


def test_strategy_is_set_by_the_school_board_at_a_folkeskole(rendered: dict[str, str]) -> None:
    assert f"{law('strategy_folkeskole').capitalize()} fastsætter strategien som en del af skolens værdiregelsæt" \
        in rendered["strategy"]
    assert "revideres efter behov" in rendered["strategy"]


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize("type_name", ["activity_plan", "concern_receipt"])
def test_deadline_carries_its_weekday(rendered: dict[str, str], type_name: str) -> None:
    deadline = docgen.load(example(type_name)).deadline
    assert deadline == dt.date(2026, 5, 21)
    assert weekday(deadline) == "torsdag den 21. maj 2026"
    if type_name == "concern_receipt":
        assert "Vi laver handleplanen senest torsdag den 21. maj 2026." in rendered[type_name]
    else:
        assert "torsdag den 21. maj 2026" in rendered[type_name].splitlines()
    found = rendered[type_name]
    if type_name == "concern_receipt":  # one sentence in the one-page letter
        assert "Vi regner de 10 arbejdsdage fra den dag, en medarbejder første gang hørte om problemet, " \
            "i denne sag onsdag den 6. maj 2026." in found
    else:
        assert "fra den dag, en medarbejder første gang hørte om problemet, i denne sag onsdag den 6. maj 2026" in found
        assert "Fristen er den 10. arbejdsdag efter den dag." in found
    assert "Lørdage, søndage og helligdage tæller ikke med som arbejdsdage." in found
    # No closing days in the period: the remark on school holidays is left out.
    assert law("school_holidays_remark") not in found
    assert "lukkedage heller ikke tælles med" not in found


@pytest.mark.parametrize("type_name", ["activity_plan", "concern_receipt"])
def test_deadline_through_the_summer_closing(type_name: str) -> None:
    record = summer(type_name)
    document = docgen.load(record)
    assert document.deadline == dt.date(2027, 7, 5)
    assert document.deadline_school_days == dt.date(2027, 8, 16)
    found = text(record)
    assert "mandag den 5. juli 2027" in found
    assert "mandag den 16. august 2027" in found
    assert ("gennem skolens sommerferie fra lørdag den 26. juni 2027 til søndag den 8. august 2027") in found
    assert law("school_holidays_remark") in found
    assert "senest mandag den 16. august 2027, som er den 10. arbejdsdag, når skolens lukkedage heller ikke " \
        "tælles med" in found
    if type_name == "concern_receipt":
        assert "Fristen for handleplanen er mandag den 5. juli 2027." in found


@pytest.mark.parametrize("type_name", ["activity_plan", "concern_receipt"])
def test_ordinary_days_are_named_when_the_count_runs_over_them(type_name: str) -> None:
    record = summer(type_name)
    record["school"]["closing_days"] = []
    concern = record["case"]["concern"]
    concern.update(received_date="2026-12-18", rector_informed_date="2026-12-18")
    if type_name == "concern_receipt":
        record["document_date"] = "2026-12-18"
        record["meeting"]["start"] = "2026-12-21T14:00"
    else:
        record["document_date"] = "2026-12-30"
        record["family_informed_date"] = "2026-12-30"
        for t in record["temporary_measures"]:
            t["start_date"] = "2026-12-18"
        for m in record["measures"]:
            m.update(start_date="2027-01-04", evaluation_date="2027-01-25")
    found = text(record)
    assert "Juleaftensdag og nytårsaftensdag tæller med som almindelige arbejdsdage." in found
    assert "Grundlovsdag" not in found


# ---------------------------------------------------------------- letters and language


def test_receipt_addresses_two_parents_in_the_plural() -> None:
    record = example("concern_receipt")
    found = body(record)
    assert "Kære Mette Kjærsgaard og Anders Kjærsgaard" in found
    assert "Tak, fordi I henvendte jer til os på e-mail fredag den 8. maj 2026." in found
    assert "jeres henvendelse" in found and "Hvis I vil klage" in found and "er I velkomne" in found
    for word in ("du", "dig", "din"):
        assert not re.search(rf"\b{word}\b", found, re.I), word


def test_receipt_addresses_one_parent_in_the_singular() -> None:
    record = example("concern_receipt")
    record["case"]["guardians"] = record["case"]["guardians"][:1]
    found = body(record)
    assert "Kære Mette Kjærsgaard" in found.splitlines()
    assert "Tak, fordi du henvendte dig til os på e-mail fredag den 8. maj 2026." in found
    assert "din henvendelse" in found and "Hvis du vil klage" in found and "er du velkommen" in found
    assert "Mener du, at skolen ikke lever op til sine pligter" in found and "Du skal ikke selv sende den videre." in found
    for word in ("I", "jer", "jeres"):
        assert not re.search(rf"\b{word}\b", found), word


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_reads_as_a_sentence(channel: Channel) -> None:
    record = example("concern_receipt")
    record["case"]["concern"]["channel"] = channel.value
    found = text(record)
    # In person the letter says "personligt", not the form's "ved personligt fremmøde".
    phrase = "personligt" if channel is Channel.IN_PERSON else channel.phrase("da")
    expected = f"henvendte jer til os {phrase} fredag" if phrase else "henvendte jer til os fredag"
    assert f"Tak, fordi I {expected} den 8. maj 2026." in found
    assert " via " not in found


def test_joined_lists_end_with_og(rendered: dict[str, str]) -> None:
    receipt, plan = rendered["concern_receipt"], rendered["activity_plan"]
    assert "Line Thomsen (klasselærer), Hanne Birk (AKT-lærer) og Jesper Holt (skoleleder)." in receipt
    assert "Mette Kjærsgaard og Anders Kjærsgaard" in plan
    assert "med Sofie, forældrene og klasselæreren" in plan
    assert "med klasseteamet og AKT-teamet" in plan
    record = example("concern_receipt")
    record["case"]["guardians"].append({"name": "Karin Bak", "relation": "plejemor"})
    assert "Kære Mette Kjærsgaard, Anders Kjærsgaard og Karin Bak" in body(record)


@pytest.mark.parametrize("type_name", ["activity_plan", "concern_receipt"])
def test_full_name_once_then_the_first_name(type_name: str) -> None:
    record = example(type_name)
    record["case"]["pupil"].update(name="Anna-Sofie Berg Kjær", first_name="Anna-Sofie")
    record["case"]["concern"]["summary"] = "Anna-Sofie bliver holdt udenfor."
    found = body(record)
    assert found.count("Anna-Sofie Berg Kjær") == 1
    first = "hvordan Anna-Sofie har det" if type_name == "concern_receipt" else "Sådan er Anna-Sofie blevet hørt"
    assert first in found


def test_wording_the_review_asked_for(rendered: dict[str, str]) -> None:
    assert "har overtaget" in rendered["activity_plan"] and "har taget over" not in rendered["activity_plan"]
    assert "Af vurderingen fremgår det" in rendered["best_interest"]
    assert "Her fremgår det" not in rendered["best_interest"]


@pytest.mark.parametrize("type_name", TYPES)
def test_no_norwegian_words(rendered: dict[str, str], type_name: str) -> None:
    variants = [rendered[type_name], text(independent(example(type_name)))]
    if type_name in ("activity_plan", "concern_receipt"):
        variants.append(text(summer(type_name)))
    for found in variants:
        for word in NORWEGIAN_ONLY:
            assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", found, re.I), word


# ---------------------------------------------------------------- the plan is the leadership's


def test_plan_has_goal_approval_revision_and_information(rendered: dict[str, str]) -> None:
    record = example("activity_plan")
    found = rendered["activity_plan"]
    assert record["goal"] in found
    assert "godkendt af Jesper Holt, skoleleder." in found
    assert f"Det er {law('action_plan_leadership')}, der har ansvaret for handleplanen" in found
    assert "Planen bliver revideret, så ofte der er behov for det" in found
    assert "Sofie og forældrene blev orienteret om handleplanen og de midlertidige foranstaltninger " \
        "mandag den 18. maj 2026." in found
    assert "underskrift" not in found


def test_plan_without_an_approver_has_a_line_for_the_school_leader() -> None:
    record = example("activity_plan")
    del record["approved_by"]
    del record["family_informed_date"]
    found = text(record)
    assert "skal godkendes af skolelederen" in found
    assert "Skolelederens navn, underskrift og dato" in found
    assert "så snart planen er godkendt" in found


def test_plan_announces_a_later_information_as_future() -> None:
    record = example("activity_plan")
    record["family_informed_date"] = "2026-05-20"
    assert "bliver orienteret om handleplanen og de midlertidige foranstaltninger onsdag den 20. maj 2026" \
        in text(record)


# ---------------------------------------------------------------- the strategy


def test_strategy_has_its_new_parts(rendered: dict[str, str]) -> None:
    record = example("strategy")
    found = rendered["strategy"]
    for key in ("values_rules", "anchoring", "informing_parents"):
        assert record[key] in found, key
    for advice in record["parent_advice"]:
        assert advice in found
    policy = record["social_media_policy"]
    for key in ("harassment", "evidence", "platforms", "follow_up"):
        assert policy[key] in found, key
    assert "Politikken for adfærd på sociale medier er vedtaget i juni 2025." in found
    for line in record["school"]["help_lines"]:
        assert line in found


def test_strategy_without_the_new_parts_leaves_no_empty_heading() -> None:
    record = example("strategy")
    for key in ("values_rules", "anchoring", "informing_parents", "parent_collaboration", "social_media_policy"):
        record[key] = None
    record["parent_advice"] = []
    record["social_media"] = {}
    record["school"]["help_lines"] = []
    found = text(record)
    for heading in ("Strategien og skolens værdiregelsæt", "Forankring i hverdagen", "Samarbejde med forældrene",
                    "Politik for adfærd på sociale medier", "Kontaktoplysninger"):
        assert heading not in found, heading
    assert law("help_line_bornetelefonen") in found  # the help lines' names come from the law table
