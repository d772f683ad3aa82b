"""The school's logo in the letterhead: packaged as Word expects it, and shown by a real client."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import (
    SCHOOL_NAME,
    School,
    all_text,
    needs_soffice,
    ok,
    open_docx,
    part,
    profile_record,
    render_with_profile,
    soffice,
)


def test_profile_fills_in_school_logo_custom_fields_and_signature(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    ok(render_with_profile(school, profile_record(tmp_path), out))
    data = out.read_bytes()

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "word/media/docgen-logo.png" in names
    assert zipfile.ZipFile(io.BytesIO(data)).read("word/media/docgen-logo.png") == school.logo.read_bytes()
    headers = [n for n in names if re.fullmatch(r"word/header\d*\.xml", n) and "rIdDocgenLogo" in part(data, n)]
    assert headers, "no page header shows the logo"
    for header in headers:
        assert "<w:drawing>" in part(data, header)
        rels = part(data, f"word/_rels/{header.removeprefix('word/')}.rels")
        assert re.search(r'Id="rIdDocgenLogo"[^>]*Target="media/docgen-logo.png"', rels)
    assert 'Extension="png"' in part(data, "[Content_Types].xml")
    assert "rIdDocgenLogo" not in part(data, "word/document.xml")  # only the parts that show it

    lines = all_text(open_docx(data)).splitlines()
    assert f"Skole: {SCHOOL_NAME}" in lines
    assert SCHOOL_NAME in lines  # the page header
    assert "Kommunenummer: 4601" in lines
    assert "Med vennlig hilsen Bjørn Aasen, rektor" in lines
    assert "Elev: Ida Fjelltun" in lines


@pytest.fixture(scope="module")
def logo_pdf(school: School, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The profile's document with its logo, converted to PDF by LibreOffice."""
    work = tmp_path_factory.mktemp("logo-pdf")
    docx_path = work / "plan.docx"
    ok(render_with_profile(school, profile_record(work), docx_path))
    soffice([docx_path], work, "pdf", work / "lo-profile")
    return work / "plan.pdf"


@needs_soffice
def test_libreoffice_opens_the_document_with_the_logo(logo_pdf: Path) -> None:
    assert logo_pdf.is_file(), "LibreOffice could not convert the document with the logo"
    reader = PdfReader(str(logo_pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert SCHOOL_NAME in text
    assert "Kommunenummer: 4601" in text
    assert "Bjørn Aasen" in text
    assert any(len(page.images) for page in reader.pages), "the logo is not in the PDF"


def test_jpeg_size_agrees_with_python_docx(tmp_path: Path) -> None:
    """The hand-written JPEG reader (kept to avoid importing python-docx) against docx.image."""
    pil = pytest.importorskip("PIL.Image")
    from docx.image.image import Image

    from docgen.engine.logo import Logo

    for size, mode in (((173, 41), "RGB"), ((64, 300), "L"), ((1, 1), "RGB")):
        buffer = io.BytesIO()
        pil.new(mode, size).save(buffer, "JPEG", progressive=size[0] == 64)
        data = buffer.getvalue()
        ours = Logo.from_bytes(data)
        theirs = Image.from_blob(data)
        assert (ours.extension, ours.width, ours.height) == ("jpeg", theirs.px_width, theirs.px_height)


def test_the_logo_has_the_schools_name_as_alt_text() -> None:
    import docgen

    from conftest import ROOT, load_example, part

    data = docgen.render(load_example("concern_receipt.nb.json"), profile=ROOT / "examples" / "profile" / "school.toml")
    header = part(data, "word/header2.xml")  # the first page's letterhead
    assert 'descr="Lyngåsen skole"' in header


def test_a_decorative_logo_is_marked_so_and_has_no_alt_text() -> None:
    from docgen.engine.logo import Logo

    from conftest import ROOT

    logo = Logo.from_bytes((ROOT / "examples" / "profile" / "logo.png").read_bytes())
    decorative = str(logo.markup("Lyngåsen skole", decorative=True))
    assert 'val="1"' in decorative and "adec:decorative" in decorative and "descr=" not in decorative
    assert 'descr="Lyngåsen skole"' in str(logo.markup("Lyngåsen skole"))
