"""Errors say where in the template the problem is: the part and the paragraph, in words a school can find."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.engine import prepare
from docgen.errors import TemplateError

from conftest import NB, Resaved, failed, make_template, needs_soffice, render_with, run_cli


def test_unknown_field_names_the_field_and_the_paragraph(tmp_path: Path, nb_record: dict) -> None:
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, nb_record, "Intro\n\nElev: {{ case.pupil.nmae }}")
    message = str(info.value)
    assert "unknown field 'nmae'" in message
    assert "the document body" in message
    assert 'near "Elev: {{ case.pupil.nmae }}"' in message


def test_syntax_error_names_the_paragraph(tmp_path: Path) -> None:
    path = make_template(tmp_path, "Fint avsnitt\n\n{% if case.pupil.name %}Uten slutt")
    with pytest.raises(TemplateError) as info:
        prepare(path.read_bytes(), "skolens-mal.docx")
    assert "skolens-mal.docx" in str(info.value)
    assert "syntax error" in str(info.value)


def test_error_in_footer_says_footer(tmp_path: Path, nb_record: dict) -> None:
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, nb_record, "Tekst", front="footer: {{ school.nmae }}\n")
    assert "the page footer" in str(info.value)


@needs_soffice
@pytest.mark.parametrize("name", ["unclosed_if", "misspelt"])
def test_render_with_a_broken_template_fails_cleanly(resaved: Resaved, name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.docx"
    result = run_cli("render", NB, "--templates", resaved.broken[name], "-o", out)
    failed(result)
    assert "the document body" in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either
