"""PDF and PDF/A through LibreOffice: a real client opens every rendered example, real text,
PDF/A-2a metadata, hangs contained, clear when missing."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

import docgen
from docgen.dates import long_date, month_year

from conftest import EXAMPLES, ROOT, load_example, needs_soffice, run_cli, soffice, tiny_pdf


def pdf_text(path: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def pdfa_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled example as PDF/A, in one batch: LibreOffice starts a few times, not once per file."""
    out = tmp_path_factory.mktemp("pdfa")
    result = run_cli("batch", str(ROOT / "examples"), "-o", str(out), "--format", "pdfa", "--name", "{source}",
                     "--workers", "2")
    assert result.exit_code == 0, result.stderr
    return out


@needs_soffice
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_pdf_of_every_type_and_language(pdfa_folder: Path, path: Path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    text = pdf_text(pdfa_folder / f"{path.stem}.pdf")
    if "case" in record:
        assert record["case"]["pupil"]["name"] in text
        assert long_date(dt.date.fromisoformat(record["document_date"]), record["lang"]) in text
    else:
        assert record["school"]["name"] in text
        assert month_year(dt.date.fromisoformat(record["revised"]), record["lang"]) in text


@needs_soffice
@pytest.mark.parametrize("path", EXAMPLES[:3], ids=lambda p: p.name)
def test_pdfa_declares_pdfa_2a_tagged_with_language(pdfa_folder: Path, path: Path) -> None:
    lang = json.loads(path.read_text(encoding="utf-8"))["lang"]
    with pikepdf.open(pdfa_folder / f"{path.stem}.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta.get("pdfaid:part") == "2"
        assert meta.get("pdfaid:conformance") == "A"
        assert str(pdf.Root.Lang) == {"nb": "nb-NO", "nn": "nn-NO", "da": "da-DK"}[lang]
        assert pdf.Root.MarkInfo.Marked  # tagged: headings and tables have structure
        assert "/StructTreeRoot" in pdf.Root


@needs_soffice
def test_render_one_pdf(tmp_path: Path) -> None:
    out = tmp_path / "plan.pdf"  # the suffix chooses the format
    result = run_cli("render", str(ROOT / "examples" / "activity_plan.da.json"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes()[:5] == b"%PDF-"
    assert load_example("activity_plan.da.json")["case"]["pupil"]["name"] in pdf_text(out)


STUB = '''#!{python}
"""A stand-in for soffice: converts instantly, except a document containing HANG, where it hangs."""
import shutil, sys, time, zipfile
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
out.mkdir(parents=True, exist_ok=True)
for name in args:
    if name.endswith(".docx"):
        if b"HANG" in zipfile.ZipFile(name).read("word/document.xml"):
            time.sleep(600)
        shutil.copyfile("{pdf}", out / (Path(name).stem + ".pdf"))
'''


def test_a_hanging_conversion_is_stopped_and_reported(tmp_path: Path) -> None:
    stub = tmp_path / "fake-soffice"
    stub.write_text(STUB.format(python=sys.executable, pdf=tiny_pdf(tmp_path)))
    stub.chmod(0o755)
    records = []
    for i in range(4):
        record = load_example("activity_plan.nb.json")
        record["case"]["pupil"]["name"] = f"Elev {i}"
        if i == 2:
            record["background"] = "HANG"
        records.append(json.dumps(record))
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join(records) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("batch", str(source), "-o", str(out), "--format", "pdf", "--pdf-timeout", "2",
                     "--workers", "1", "--name", "{pupil.name}", env={"DOCGEN_SOFFICE": str(stub)})
    assert result.exit_code == 1
    assert "3 written, 0 skipped, 1 failed" in result.stderr
    assert sorted(p.name for p in out.glob("*.pdf")) == ["Elev 0.pdf", "Elev 1.pdf", "Elev 3.pdf"]
    report = json.loads((out / "docgen-errors.jsonl").read_text(encoding="utf-8"))
    assert report["line"] == 3 and "did not finish within 2 s" in report["message"]
    left = subprocess.run(["pgrep", "-f", str(stub)], capture_output=True, text=True).stdout
    assert left.strip() == "", "nothing may be left running"


def test_missing_libreoffice_is_one_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "DOCGEN_SOFFICE": ""}
    source = str(ROOT / "examples" / "activity_plan.nb.json")
    docgen = [sys.executable, "-m", "docgen"]
    missing = subprocess.run([*docgen, "render", source, "--format", "pdf", "-o", str(tmp_path / "x.pdf")],
                             capture_output=True, text=True, env=env)
    assert missing.returncode == 1
    assert "apt-get install libreoffice-writer-nogui" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "x.pdf").exists()
    batch = subprocess.run([*docgen, "batch", source, "--format", "pdfa", "-o", str(tmp_path / "b")],
                           capture_output=True, text=True, env=env)
    assert batch.returncode == 1 and "LibreOffice" in batch.stderr
    docx = subprocess.run([*docgen, "render", source, "-o", str(tmp_path / "x.docx")], capture_output=True, env=env)
    assert docx.returncode == 0 and (tmp_path / "x.docx").is_file()


# ---------------------------------------------------------------- a real client opens every rendered example


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All examples rendered and converted in one LibreOffice run (a cold start costs ~1.5 s)."""
    work = tmp_path_factory.mktemp("lo")
    docs = []
    for path in EXAMPLES:
        target = work / f"{path.stem}.docx"
        target.write_bytes(docgen.render(path.read_bytes()))
        docs.append(target)
    soffice(docs, work, "pdf", work / "profile")
    return {path.stem: work / f"{path.stem}.pdf" for path in EXAMPLES}


@needs_soffice
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
