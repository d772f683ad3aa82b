"""The template's view of a record: choices print as words but compare by their code."""

from __future__ import annotations

from pathlib import Path

from conftest import all_text, open_docx, render_with


def test_choices_compare_by_code(tmp_path: Path, nb_record: dict) -> None:
    body = "{% for m in measures %}{% if m.level.code == 'system' %}[{{ m.name }}]{% endif %}{% endfor %}"
    text = all_text(open_docx(render_with(tmp_path, nb_record, body)))
    assert "[Økt voksentetthet i friminuttene]" in text
