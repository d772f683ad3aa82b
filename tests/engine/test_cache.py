"""The compiled form of a template, kept on disk between runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import docgen

from conftest import all_text, make_template, open_docx


def test_compiled_templates_are_cached_on_disk(tmp_path: Path, nb_record: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen import engine
    from docgen.engine import compiler as preparing

    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "cache"))
    template = make_template(tmp_path, "Hei {{ case.pupil.name }}")
    first = engine.prepare(template.read_bytes(), "t.docx")
    assert len(list((tmp_path / "cache").glob("template-*.marshal"))) == 1

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again despite the cache")

    monkeypatch.setattr(preparing, "_compile", no_compiling)
    second = engine.prepare(template.read_bytes(), "t.docx")
    ctx = engine.context(docgen.load(nb_record))
    assert second.render(ctx) == first.render(ctx)


def test_a_damaged_cache_is_ignored(tmp_path: Path, nb_record: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen import engine

    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "cache"))
    template = make_template(tmp_path, "Hei {{ case.pupil.name }}")
    engine.prepare(template.read_bytes(), "t.docx")
    for path in (tmp_path / "cache").glob("*.marshal"):
        path.write_bytes(b"garbage")
    prepared = engine.prepare(template.read_bytes(), "t.docx")
    assert "Hei Ida Fjelltun" in all_text(open_docx(prepared.render(engine.context(docgen.load(nb_record)))))
