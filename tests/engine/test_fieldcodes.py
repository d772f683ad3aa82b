"""Fields and VML links that make LibreOffice (or Word) fetch or embed something from outside the file
(docgen/engine/package.py): INCLUDEPICTURE, INCLUDETEXT, LINK, IMPORT, DDE, DDEAUTO in `w:fldSimple w:instr`
and in the `w:instrText` of a complex field (split across runs too), and VML `o:href` / `r:href` / `src`,
refused in a template by prepare, `docgen render` (exit 1, nothing written) and `templates check`; an
instruction built from a record value or a template expression at render time refused by the output check
before anything is written; PAGE, NUMPAGES and HYPERLINK still render."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from docgen.engine import prepare
from docgen.engine.package import fetching
from docgen.errors import TemplateError

from conftest import NB, ROOT, assert_clean_error, check_refused, ok, render_refused, run_cli

BASE = ROOT / "templates" / "nb" / "activity_plan.docx"
DOCUMENT = "word/document.xml"
VML_NS = b' xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
KINDS = ["INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "IMPORT", "DDE", "DDEAUTO"]
TARGET = "http://127.0.0.1:9/x.png"


def with_body(xml: str) -> bytes:
    """The built-in activity plan with `xml` (paragraph content) in a paragraph at the start of the body."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(BASE) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == DOCUMENT:
                blob = blob.replace(b"<w:document ", b"<w:document" + VML_NS + b" ", 1)
                blob = blob.replace(b"<w:body>", b"<w:body><w:p>" + xml.encode() + b"</w:p>", 1)
            out.writestr(info, blob)
    return buffer.getvalue()


def simple(instr: str) -> str:
    return f'<w:fldSimple w:instr="{instr}"><w:r><w:t>x</w:t></w:r></w:fldSimple>'


def complex_field(*pieces: str) -> str:
    """A complex field whose instruction is `pieces`, one run each."""
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{p}</w:instrText></w:r>' for p in pieces)
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>' + runs
            + '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def write(tmp_path: Path, data: bytes) -> Path:
    folder = tmp_path / "maler"
    folder.mkdir(exist_ok=True)
    path = folder / "activity_plan.docx"
    path.write_bytes(data)
    return path


def refused(tmp_path: Path, data: bytes, message: str) -> None:
    """Refused by prepare() (naming the template and the part), `docgen render` and `templates check`."""
    with pytest.raises(TemplateError) as info:
        prepare(data, "mal.docx")
    assert str(info.value).startswith("mal.docx, the document body: "), info.value
    assert message in str(info.value), info.value
    template = write(tmp_path, data)
    render_refused(template, tmp_path / "out", message)
    check_refused(template, message)


def rendered(tmp_path: Path, data: bytes, record: Path = NB) -> zipfile.ZipFile:
    template = write(tmp_path, data)
    out = tmp_path / "plan.docx"
    ok(run_cli("render", record, "--template", template, "-o", out))
    return zipfile.ZipFile(out)


def render_time_refused(tmp_path: Path, data: bytes, record: Path, message: str) -> None:
    """prepare() accepts the template, but rendering `record` with it is refused and writes nothing."""
    prepare(data, "mal.docx")
    template = write(tmp_path, data)
    if record == NB:
        render_refused(template, tmp_path / "out", message)
        return
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run_cli("render", record, "--template", template, "-o", out_dir / "plan.docx")
    assert_clean_error(result, message, template)
    assert sorted(out_dir.iterdir()) == []  # not even a hidden .part file


# ---------------------------------------------------------------- in the template


@pytest.mark.parametrize("kind", KINDS)
def test_a_fetching_field_in_fldsimple_is_refused(tmp_path: Path, kind: str) -> None:
    refused(tmp_path, with_body(simple(f" {kind} &quot;{TARGET}&quot; \\d ")), f"the field {kind}")


@pytest.mark.parametrize("kind", KINDS)
def test_a_fetching_field_in_instrtext_is_refused(tmp_path: Path, kind: str) -> None:
    refused(tmp_path, with_body(complex_field(f' {kind} "{TARGET}" ')), f"the field {kind}")


@pytest.mark.parametrize("kind", KINDS)
def test_a_fetching_field_split_across_runs_is_refused(tmp_path: Path, kind: str) -> None:
    half = len(kind) // 2 or 1
    refused(tmp_path, with_body(complex_field(" ", kind[:half], kind[half:], f' "{TARGET}" ')), f"the field {kind}")


@pytest.mark.parametrize("instruction", [
    "includepicture x",  # Word's field names have no case
    "&#73;NCLUDEPICTURE x",  # a character reference spells the same instruction
    "INCLUDEPICTURE\\d x",  # a switch right after the name
    "\u00a0LINK Excel.Sheet.8 C:\\\\x.xlsx",
])
def test_a_disguised_fetching_field_is_refused(tmp_path: Path, instruction: str) -> None:
    with pytest.raises(TemplateError, match="the field .*, which would be fetched"):
        prepare(with_body(simple(instruction)), "mal.docx")
    with pytest.raises(TemplateError, match="the field .*, which would be fetched"):
        prepare(with_body(complex_field(instruction)), "mal.docx")


def test_a_nested_field_that_spells_the_instruction_is_refused() -> None:
    nested = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
              '<w:r><w:instrText>QUOTE "INCLUDEPICTURE"</w:instrText></w:r>'
              '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>INCLUDEPICTURE</w:t></w:r>'
              '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
              f'<w:r><w:instrText> "{TARGET}"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')
    with pytest.raises(TemplateError, match="the field INCLUDEPICTURE"):
        prepare(with_body(nested), "mal.docx")


VML = {
    "o:href": f'<w:r><w:pict><v:shape style="width:10pt;height:10pt"><v:imagedata o:href="{TARGET}"/>'
              '</v:shape></w:pict></w:r>',
    "src": '<w:r><w:pict><v:shape style="width:10pt;height:10pt"><v:imagedata src="file:///etc/passwd"/>'
           '</v:shape></w:pict></w:r>',
    "r:href": '<w:r><w:pict><v:shape style="width:10pt;height:10pt"><v:imagedata r:href="\\\\server\\x.png"/>'
              '</v:shape></w:pict></w:r>',
}


@pytest.mark.parametrize("attr", list(VML))
def test_a_vml_picture_linked_outside_is_refused(tmp_path: Path, attr: str) -> None:
    refused(tmp_path, with_body(VML[attr]), f"a picture or shape linked to something outside the file ({attr})")


# ---------------------------------------------------------------- built at render time


def record_with(tmp_path: Path, name: str) -> Path:
    record = json.loads(NB.read_text(encoding="utf-8"))
    record["school"]["name"] = name
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_instruction_from_a_record_value_is_refused_and_nothing_written(tmp_path: Path) -> None:
    data = with_body(complex_field("{{ school.name }}"))
    # An ordinary value gives an ordinary (harmless) field.
    rendered(tmp_path, data, record_with(tmp_path, "Nordby skole"))
    record = record_with(tmp_path, f'INCLUDEPICTURE "{TARGET}"')
    render_time_refused(tmp_path, data, record, "rendering it gives a document with the field INCLUDEPICTURE")


def test_an_instruction_from_a_record_value_in_fldsimple_is_refused(tmp_path: Path) -> None:
    data = with_body(simple("{{ school.name }}"))
    render_time_refused(tmp_path, data, record_with(tmp_path, f'DDEAUTO c:\\x "{TARGET}"'), "the field DDEAUTO")


def test_an_instruction_a_template_expression_spells_is_refused_at_render_time(tmp_path: Path) -> None:
    data = with_body(complex_field("{{ 'INCLUDE' }}TEXT ", f'"{TARGET}"'))
    render_time_refused(tmp_path, data, NB, "the field INCLUDETEXT")


def test_a_vml_link_from_a_record_value_is_refused(tmp_path: Path) -> None:
    data = with_body('<w:r><w:pict><v:shape style="width:10pt;height:10pt">'
                     '<v:imagedata o:href="{{ school[\'name\'] }}"/></v:shape></w:pict></w:r>')
    render_time_refused(tmp_path, data, record_with(tmp_path, TARGET), "(o:href)")


# ---------------------------------------------------------------- ordinary fields are kept


def test_the_built_in_templates_have_nothing_that_fetches() -> None:
    for path in sorted((ROOT / "templates").glob("*/*.docx")):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".xml"):
                    assert fetching(zf.read(name)) is None, (path, name)


def test_page_numpages_date_and_hyperlink_fields_still_render(tmp_path: Path) -> None:
    fields = (simple(" PAGE ") + simple(" NUMPAGES ") + simple(' DATE \\@ &quot;d. MMMM yyyy&quot; ')
              + complex_field(' HYPERLINK "https://skole.example.no/', 'link/import" \\o "Nettside" ')
              + simple(' HYPERLINK &quot;https://skole.example.no/include&quot; ')
              + '<w:r><w:pict><v:shape href="https://skole.example.no/" style="width:1pt;height:1pt"/></w:pict></w:r>')
    data = with_body(fields)
    prepare(data, "mal.docx")
    out = rendered(tmp_path, data)
    body = out.read(DOCUMENT)
    assert b"HYPERLINK" in body and b"NUMPAGES" in body and b"DATE" in body
    assert b'w:instr=" PAGE "' in out.read("word/footer1.xml")
    result = run_cli("templates", "check", write(tmp_path, data), "--type", "activity_plan")
    ok(result)
