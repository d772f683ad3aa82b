"""How values print in a document (None, dates, yes/no, choices) and the filters templates use."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.errors import TemplateError

from conftest import all_text, open_docx, render_with


def test_none_prints_as_nothing(tmp_path: Path, nb_record: dict) -> None:
    nb_record["case"]["reference"] = None
    nb_record["views"]["guardians"] = None
    text = all_text(open_docx(render_with(tmp_path, nb_record, "Ref: [{{ case.reference }}] [{{ views.guardians }}]")))
    assert "Ref: [] []" in text
    assert "None" not in text


def test_values_print_in_the_documents_language(tmp_path: Path, nb_record: dict) -> None:
    body = "{{ document_date }} | {{ measures[0].level }} | {{ measures[0].ended }} | {{ case.concern.channel }}"
    nb = all_text(open_docx(render_with(tmp_path, nb_record, body)))
    assert "27. november 2026 | individnivå | nei | e-post" in nb
    da = all_text(open_docx(render_with(tmp_path, {**nb_record, "lang": "da"}, body, lang="da")))
    assert "27. november 2026 | individniveau | nej | e-mail" in da


def test_printing_a_whole_object_is_refused(tmp_path: Path, nb_record: dict) -> None:
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, nb_record, "Tiltak: {{ measures }}")
    assert "cannot be printed" in str(info.value)
    assert 'near "Tiltak: {{ measures }}"' in str(info.value)


def test_date_filters(tmp_path: Path, nb_record: dict) -> None:
    body = "{{ document_date | weekday_date }} / {{ document_date | month_year }} / {{ document_date | add_working_days(10) | short_date }}"
    text = all_text(open_docx(render_with(tmp_path, {**nb_record, "lang": "da"}, body, lang="da")))
    assert "fredag den 27. november 2026 / november 2026 / 11.12.2026" in text


def test_capfirst_keeps_the_rest(tmp_path: Path, nb_record: dict) -> None:
    nb_record["school"]["name"] = "skolen på Ås og McKinley"
    text = all_text(open_docx(render_with(tmp_path, nb_record, "{{ school.name | capfirst }} / {{ school.name | capitalize }}")))
    assert "Skolen på Ås og McKinley / Skolen på ås og mckinley" in text
