"""A real client opens our files: LibreOffice converts every rendered example to PDF."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

import docgen
from docgen.dates import long_date, month_year

from conftest import EXAMPLES

SOFFICE = os.environ.get("DOCGEN_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (CI installs it)",
)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All examples rendered and converted in one LibreOffice run (a cold start costs ~1.5 s)."""
    assert SOFFICE, "CI must install LibreOffice (libreoffice-writer-nogui)"
    work = tmp_path_factory.mktemp("lo")
    docs = []
    for path in EXAMPLES:
        target = work / f"{path.stem}.docx"
        target.write_bytes(docgen.render(path.read_bytes()))
        docs.append(str(target))
    profile = (work / "profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(work), *docs],
        check=True, capture_output=True, timeout=300,
    )
    return {path.stem: work / f"{path.stem}.pdf" for path in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_pdf_has_the_name_and_the_date(pdfs: dict[str, Path], path: Path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    pdf = pdfs[path.stem]
    assert pdf.is_file(), "LibreOffice could not open the rendered document"
    text = " ".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    text = " ".join(text.split())
    name = record["case"]["pupil"]["name"] if "case" in record else record["school"]["name"]
    assert name in text
    if "case" in record:
        assert long_date(dt.date.fromisoformat(record["document_date"]), record["lang"]) in text
    else:  # school-wide documents carry their revision as month and year
        assert month_year(dt.date.fromisoformat(record["revised"]), record["lang"]) in text
