"""The committed .docx templates are exactly what tools/build_templates.py makes of their source."""

from __future__ import annotations

import io
import zipfile

import pytest

from docgen.doctypes import DOCTYPES
from docgen.resources import data_dir

from conftest import ROOT, builder

SOURCES = builder().sources(ROOT / "templates")


def test_every_type_has_a_template_per_language() -> None:
    for info in DOCTYPES.values():
        for lang in info.languages:
            assert (ROOT / "templates" / lang / f"{info.name}.md").is_file()
            assert (ROOT / "templates" / lang / f"{info.name}.docx").is_file()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_committed_docx_matches_its_source(source) -> None:
    """Compared part by part (not zip bytes, which depend on the zlib version)."""
    committed = zipfile.ZipFile(source.with_suffix(".docx"))
    fresh = zipfile.ZipFile(io.BytesIO(builder().build(source)))
    assert committed.namelist() == fresh.namelist(), "run `make templates` and commit the result"
    for name in fresh.namelist():
        assert committed.read(name) == fresh.read(name), f"{name} differs: run `make templates` and commit"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_installed_templates_are_the_committed_ones(source) -> None:
    installed = data_dir("templates") / source.parent.name / source.with_suffix(".docx").name
    assert installed.read_bytes() == source.with_suffix(".docx").read_bytes()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_templates_are_real_word_documents(source) -> None:
    import docx

    document = docx.Document(str(source.with_suffix(".docx")))
    styles = {s.style_id for s in document.styles}
    assert {"Title", "Heading1", "Heading2", "DocgenTable", "Header", "Footer"} <= styles
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    header_rows = document.element.body.xpath(".//w:trPr/w:tblHeader")
    assert header_rows, "tables with a header row repeat it on each page"
