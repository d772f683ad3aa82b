"""Archive output: PDF/A-2a, PDF/UA-1 and PDF/A-1b checked by an independent validator,
.docx and .odt by an independent OOXML/ODF validator, ODT with the same text, and the
metadata sidecar: no pupil's name, and true to the file it describes.

Validators (both from PyPI, offline, run by `make test` in CI):
- page-validation (`page`): PDF/A-1b/2a/2b and PDF/UA-1 rules (its own rule ids; it says it
  passes the veraPDF and Isartor corpora);
- openxml-audit: the Open XML SDK's schema, relationship and semantic checks (strict policy),
  and ODF package checks.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import page
import pikepdf
import pytest
from openxml_audit import OpenXmlValidator
from openxml_audit.odf import OdfValidator

from conftest import EXAMPLES, PROFILES, ROOT, load_example, needs_soffice, open_docx, run_cli

PROFILE_DIR = ROOT / "examples" / "profile"
CASE_EXAMPLES = [p for p in EXAMPLES if not p.name.startswith("strategy.")]


def names_in(record: dict) -> list[str]:
    """Every word of the pupil's and the guardians' names (what no property or sidecar may hold)."""
    case = record.get("case")
    if not case:
        return []
    people = [case["pupil"]["name"], *(g["name"] for g in case.get("guardians", []))]
    return [word for person in people for word in person.split()]


def lang_of(path: Path) -> str:
    return path.name.split(".")[1]


@pytest.fixture(scope="module")
def archive_folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example in every archive format, with its school's profile (logo and letterhead):
    one batch per language and format, so LibreOffice starts a few times, not once per file."""
    root = tmp_path_factory.mktemp("archive")
    folders: dict[str, Path] = {}
    for fmt in ("pdfa", "pdfua", "pdfa1", "odt", "docx"):
        out = folders[fmt] = root / fmt
        for lang, profile in PROFILES.items():
            source = root / f"in-{lang}"
            if not source.exists():
                source.mkdir()
                for path in EXAMPLES:
                    if lang_of(path) == lang:
                        shutil.copy(path, source / path.name)
            result = run_cli("batch", source, "-o", out, "--format", fmt, "--name", "{source}", "--workers", "2",
                             "--metadata", "--profile", PROFILE_DIR / profile)
            assert result.exit_code == 0, result.stderr
    return folders


def converted(folder: Path, path: Path, extension: str) -> Path:
    return folder / f"{path.stem}.{extension}"


# ---------------------------------------------------------------- independent validators


@needs_soffice
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt, profiles", [("pdfa", ["2a"]), ("pdfua", ["2a", "ua1"]), ("pdfa1", ["1b"])])
def test_pdf_archive_formats_pass_an_independent_validator(archive_folder: dict[str, Path], path: Path, fmt: str,
                                                           profiles: list[str]) -> None:
    pdf = converted(archive_folder[fmt], path, "pdf")
    for profile in profiles:
        report = page.validate_pdf(str(pdf), profile=profile)
        failures = [f"{f.rule_id}: {f.message}" for f in report.failures]
        assert report.is_compliant, f"{profile}: {failures}"
        assert report.rules.total > 100  # the profile's rules ran, not an empty check


def test_no_stream_data_ends_in_a_carriage_return() -> None:
    """Found when a CI-like run failed one time in a few: Flate data ending in CR (its Adler-32
    checksum's last byte) before the LF of `endstream` is counted one byte short by readers that
    take CR LF for the end of line. docgen wraps such a stream in ASCII85; its content is unchanged."""
    import os
    import zlib

    from docgen.formats import FORMATS
    from docgen.pdfa import finish

    plain = next(d for d in (os.urandom(64) for _ in range(100_000)) if zlib.compress(d).endswith(b"\r"))
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        icc = pdf.make_stream(zlib.compress(plain))
        icc.Filter = pikepdf.Name.FlateDecode
        icc.N = 3
        pdf.Root.Extra = icc
        pdf.pages[0].Contents = pdf.make_stream(b"0 0 m 10 10 l S")  # unfiltered: compressed on the way
        buffer = io.BytesIO()
        pdf.save(buffer, compress_streams=False)
    assert b"\r\nendstream" in buffer.getvalue()
    finished = finish(buffer.getvalue(), FORMATS["pdf"])
    assert b"\r\nendstream" not in finished
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        assert pdf.Root.Extra.read_bytes() == plain
        assert not pdf.Root.Extra.read_raw_bytes().endswith(b"\r")
        assert pdf.pages[0].Contents.get("/Filter") == pikepdf.Name.FlateDecode
        assert pdf.pages[0].Contents.read_bytes() == b"0 0 m 10 10 l S"
        assert "/Filter" not in pdf.Root.Metadata  # the XMP stays readable, as PDF/A asks


def test_the_pdf_validator_fails_what_it_should() -> None:
    """The validator is not a rubber stamp: a plain PDF is not PDF/A-2a, and LibreOffice's own
    PDF/A-2b (identity RoleMap, conformance B) fails the A-level checks that docgen fixes."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        buffer = io.BytesIO()
        pdf.save(buffer)
    report = page.validate_pdf_bytes(buffer.getvalue(), profile="2a")
    assert not report.is_compliant


@needs_soffice
@pytest.mark.parametrize("path", EXAMPLES[:3], ids=lambda p: p.name)
def test_pdf_archive_formats_declare_what_they_are(archive_folder: dict[str, Path], path: Path) -> None:
    expected = {"pdfa": ("2", "A", False), "pdfua": ("2", "A", True), "pdfa1": ("1", "B", False)}
    for fmt, (part, conformance, ua) in expected.items():
        with pikepdf.open(converted(archive_folder[fmt], path, "pdf")) as pdf:
            meta = pdf.open_metadata()
            assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == (part, conformance), fmt
            assert (meta.get("pdfuaid:part") == "1") is ua, fmt
            assert pdf.pdf_version == ("1.4" if fmt == "pdfa1" else "1.6")
            rolemap = pdf.Root.StructTreeRoot.get("/RoleMap", {})
            assert all(str(rolemap[k]) != k for k in rolemap.keys()), "a type mapped to itself"
            assert pdf.Root.ViewerPreferences.DisplayDocTitle
            tables = structure(pdf, "/Table")
            assert all(structure(table, "/TH") for table in tables), "a table with no header cell (layout)"


def structure(root: pikepdf.Pdf | pikepdf.Object, kind: str) -> list[pikepdf.Object]:
    """Every structure element of type `kind` below `root` (a PDF: its whole structure tree)."""
    node = root.Root.StructTreeRoot if isinstance(root, pikepdf.Pdf) else root
    found, stack = [], [node]
    while stack:
        kids = stack.pop().get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                if str(kid.S) == kind:
                    found.append(kid)
                stack.append(kid)
    return found


@needs_soffice
def test_data_tables_stay_tables_and_layout_tables_become_divs(archive_folder: dict[str, Path]) -> None:
    """The Danish letter's address block is a layout table (no header cell): not a Table for
    screen readers. The plan's tables, with their header rows and label columns, stay tables."""
    with pikepdf.open(archive_folder["pdfua"] / "concern_receipt.da.pdf") as pdf:
        assert structure(pdf, "/Table") == []
        assert structure(pdf, "/Div")
    with pikepdf.open(archive_folder["pdfua"] / "activity_plan.da.pdf") as pdf:
        tables = structure(pdf, "/Table")
        assert len(tables) >= 5 and all(structure(t, "/TH") for t in tables)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_docx_passes_the_strict_ooxml_validator(tmp_path: Path, path: Path) -> None:
    out = tmp_path / "doc.docx"
    profile = PROFILE_DIR / PROFILES[lang_of(path)]  # with the logo: an image part and its relationship
    result = run_cli("render", path, "--profile", profile, "-o", out)
    assert result.exit_code == 0, result.stderr
    report = OpenXmlValidator(max_errors=0).validate(out)
    assert report.is_valid, [f"{e.part_uri}: {e.description}" for e in report.errors]


def test_the_ooxml_validator_fails_what_it_should(tmp_path: Path) -> None:
    """Without the font table and theme (as before this check) the strict policy fails the file."""
    import zipfile

    good = tmp_path / "good.docx"
    assert run_cli("render", EXAMPLES[0], "-o", good).exit_code == 0
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"',
                                    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/x"')
            dst.writestr(item, data)
    report = OpenXmlValidator(max_errors=0).validate(bad)
    assert not report.is_valid
    assert any("theme" in e.description for e in report.errors)


# ---------------------------------------------------------------- ODT


@needs_soffice
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_odt_is_valid_odf_and_holds_the_documents_text(archive_folder: dict[str, Path], path: Path,
                                                      tmp_path: Path) -> None:
    odt = converted(archive_folder["odt"], path, "odt")
    assert odt.read_bytes()[:2] == b"PK"
    report = OdfValidator().validate(odt)
    assert report.is_valid, [f"{e.part_uri}: {e.description}" for e in report.errors]
    # LibreOffice opens it again: its text, as plain text, is the .docx's text.
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(tmp_path), str(odt)],
                   check=True, capture_output=True, timeout=120)
    text = " ".join((tmp_path / f"{path.stem}.txt").read_text(encoding="utf-8-sig").split())
    document = open_docx(converted(archive_folder["docx"], path, "docx").read_bytes())
    body = [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    paragraphs = [" ".join(line.split()) for text in body for line in text.split("\n") if len(line.split()) >= 4]
    assert paragraphs
    missing = [p for p in paragraphs if p not in text]
    assert not missing, missing[:3]


# ---------------------------------------------------------------- the metadata sidecar


@needs_soffice
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt, extension", [("docx", "docx"), ("pdfa", "pdf"), ("odt", "odt")])
def test_sidecar_names_no_one_and_matches_its_file(archive_folder: dict[str, Path], path: Path, fmt: str,
                                                    extension: str) -> None:
    record = load_example(path.name)
    document = converted(archive_folder[fmt], path, extension)
    sidecar = document.with_name(f"{path.stem}.metadata.json")
    raw = sidecar.read_text(encoding="utf-8")
    meta = json.loads(raw)
    for word in names_in(record):
        assert word not in raw, f"the sidecar holds '{word}'"
    content = document.read_bytes()
    assert meta["file"]["checksum"] == hashlib.sha256(content).hexdigest()
    assert meta["file"]["checksum_algorithm"] == "SHA-256"
    assert meta["file"]["size"] == len(content) and meta["file"]["name"] == document.name
    assert meta["file"]["format"] == fmt
    assert meta["document_type"] == record["type"] and meta["language"] == record["lang"]
    assert meta["document_date"] == record["document_date"]
    assert record["school"]["name"] in meta["public_title"]
    assert meta["title"] == meta["public_title"]  # the example profiles keep the default
    if "case" in record:
        assert meta["case_reference"] == record["case"].get("reference")
        assert meta["access"]["restricted"] is True and meta["access"]["basis"]
    else:
        assert meta["access"] == {"restricted": False, "code": None, "basis": None}
    # The file says the same title.
    if extension == "docx":
        assert open_docx(content).core_properties.title == meta["title"]
    elif extension == "pdf":
        with pikepdf.open(document) as pdf:
            assert pdf.open_metadata().get("dc:title") == meta["title"]
            assert str(pdf.docinfo.Title) == meta["title"]


def test_screening_basis_by_country(tmp_path: Path) -> None:
    bases = {}
    for name in ("activity_plan.nb.json", "activity_plan.nn.json", "activity_plan.da.json"):
        result = run_cli("render", ROOT / "examples" / name, "--metadata", "-o", tmp_path)
        assert result.exit_code == 0, result.stderr
        bases[name] = json.loads((tmp_path / name.replace(".json", ".metadata.json")).read_text())["access"]["basis"]
    assert bases["activity_plan.nb.json"] == "Offl. § 13 jf. fvl. § 13 første ledd nr. 1"
    assert bases["activity_plan.nn.json"] == bases["activity_plan.nb.json"]
    assert bases["activity_plan.da.json"] == "offentlighedsloven § 30, nr. 1"


def test_a_danish_private_school_gets_no_basis_unless_the_profile_gives_one(tmp_path: Path) -> None:
    record = load_example("activity_plan.da.json")
    record["school"]["kind"] = "independent"
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(record), encoding="utf-8")
    assert run_cli("render", source, "--metadata", "-o", tmp_path / "a.docx").exit_code == 0
    assert json.loads((tmp_path / "a.metadata.json").read_text())["access"]["basis"] is None
    profile = tmp_path / "profile.toml"
    profile.write_text('[archive]\naccess_code = "FO"\naccess_basis = "Skolens egen hjemmel"\n', encoding="utf-8")
    assert run_cli("render", source, "--metadata", "--profile", profile, "-o", tmp_path / "b.docx").exit_code == 0
    access = json.loads((tmp_path / "b.metadata.json").read_text())["access"]
    assert access == {"restricted": True, "code": "FO", "basis": "Skolens egen hjemmel"}


def test_full_title_only_when_the_profile_asks(tmp_path: Path) -> None:
    source = ROOT / "examples" / "concern_receipt.nb.json"
    pupil = load_example(source.name)["case"]["pupil"]["name"]
    profile = tmp_path / "profile.toml"
    profile.write_text('[archive]\ntitle = "full"\n', encoding="utf-8")
    assert run_cli("render", source, "--metadata", "--profile", profile, "-o", tmp_path / "x.docx").exit_code == 0
    assert pupil in open_docx((tmp_path / "x.docx").read_bytes()).core_properties.title
    meta = json.loads((tmp_path / "x.metadata.json").read_text())
    assert pupil in meta["title"] and pupil not in meta["public_title"]


def test_a_school_template_cannot_put_the_pupil_in_a_property(tmp_path: Path) -> None:
    """A school's template names the pupil in its subject and keywords: by default those
    properties are left out of the file, not written with the name."""
    import zipfile

    template = ROOT / "templates" / "nb" / "activity_plan.docx"
    edited = tmp_path / "activity_plan.docx"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "docProps/core.xml":
                data = data.replace(b"<dc:subject>", b"<dc:subject>Plan for {{ case.pupil.first_name }}: ")
                data = data.replace(b"<cp:keywords>", b"<cp:keywords>{{ case.guardians[0].name }}, ")
            dst.writestr(item, data)
    out = tmp_path / "plan.docx"
    result = run_cli("render", ROOT / "examples" / "activity_plan.nb.json", "--template", edited, "-o", out)
    assert result.exit_code == 0, result.stderr
    props = open_docx(out.read_bytes()).core_properties
    assert props.subject == "" and props.keywords == ""
    assert props.author == "Lyngåsen skole" and props.title == "Aktivitetsplan – elev ved Lyngåsen skole"


def test_render_metadata_needs_a_file_and_never_leaves_a_document_alone(tmp_path: Path) -> None:
    source = ROOT / "examples" / "strategy.nb.json"
    result = run_cli("render", source, "--metadata", "-o", "-")
    assert result.exit_code == 2 and "--metadata" in result.stderr
    (tmp_path / "plan.metadata.json").write_text("{}")
    result = run_cli("render", source, "--metadata", "-o", tmp_path / "plan.docx")
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert not (tmp_path / "plan.docx").exists()  # refused before the document was written
    assert run_cli("render", source, "--metadata", "--force", "-o", tmp_path / "plan.docx").exit_code == 0
    assert json.loads((tmp_path / "plan.metadata.json").read_text())["document_type"] == "strategy"


def test_batch_metadata_in_sidecars_and_in_each_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("batch", ROOT / "examples", "-o", out, "--name", "{source}", "--metadata")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(EXAMPLES)
    for row in rows:
        document = Path(row["output"])
        sidecar = json.loads(document.with_name(document.stem + ".metadata.json").read_text())
        assert row["metadata"] == sidecar
        assert sidecar["file"]["checksum"] == hashlib.sha256(document.read_bytes()).hexdigest()
    # --skip-existing renders a record again when its sidecar is missing.
    next(out.glob("*.metadata.json")).unlink()
    again = run_cli("batch", ROOT / "examples", "-o", out, "--name", "{source}", "--metadata", "--skip-existing")
    assert f"1 written, {len(EXAMPLES) - 1} skipped" in again.stderr
    assert len(list(out.glob("*.metadata.json"))) == len(EXAMPLES)


def test_every_case_example_public_title_names_the_school_not_the_pupil() -> None:
    from docgen.api import Options, Pipeline

    for path in CASE_EXAMPLES:
        record = load_example(path.name)
        result = Pipeline(Options()).render(record)
        assert result.metadata is not None
        title = result.metadata["public_title"]
        assert record["school"]["name"] in title and not any(w in title for w in names_in(record))
