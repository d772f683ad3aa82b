"""The law as data: every legal statement in a template comes from the reviewed tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from docgen.cli import cli
from docgen.languages import LANGUAGES
from docgen.law import table

from conftest import ROOT

SOURCES = sorted((ROOT / "templates").glob("*/*.md"))
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_LAW_FIELD = re.compile(r"\blaw\.([a-z0-9_]+)")


@pytest.mark.parametrize("country", ["NO", "DK"])
def test_every_fact_has_a_source_and_a_date(country: str) -> None:
    facts = table(country).facts
    assert facts
    languages = {code for code, info in LANGUAGES.items() if info.country == country}
    for key, fact in facts.items():
        assert fact.source.startswith(("https://", "http://")), key
        assert fact.summary, key
        if fact.confirmed and fact.texts:  # a fact without text is for reviewers only
            assert set(fact.texts) == languages, key


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_templates_state_no_section_of_their_own(source: Path) -> None:
    """A § or a body's name written into a template would not change when the law does."""
    text = _JINJA.sub("", source.read_text(encoding="utf-8"))
    assert "§" not in text
    for name in ("DCUM", "Statsforvalter", "Klageinstans", "Fortroligt"):
        assert name not in text, name


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_templates_use_only_confirmed_facts(source: Path) -> None:
    country = LANGUAGES[source.parent.name].country
    facts = table(country).facts
    for key in _LAW_FIELD.findall(source.read_text(encoding="utf-8")):
        assert key in facts, f"law.{key} is not in the {country} table"
        assert facts[key].confirmed, f"law.{key} is not confirmed"


def test_docgen_law_prints_the_sources() -> None:
    result = CliRunner().invoke(cli, ["law", "--country", "no"])
    assert result.exit_code == 0
    duty = table("NO").fact("duty_to_act")
    assert duty.texts["nb"] in result.output and duty.source in result.output
    assert "DK:" not in result.output
    everything = CliRunner().invoke(cli, ["law", "--all"])
    unconfirmed = [f for c in ("NO", "DK") for f in table(c).facts.values() if not f.confirmed]
    for fact in unconfirmed:
        assert f"{fact.key}  [NOT CONFIRMED" in everything.output
