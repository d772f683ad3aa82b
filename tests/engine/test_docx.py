"""Writing the .docx: record values print as plain text however hostile, line breaks and
paragraphs survive, the output is byte-for-byte deterministic, the core properties come from
the record, and the text matches what docxtpl itself would write.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import pytest

import docgen
from docgen import archive

from conftest import EXAMPLES, all_text, load_example, open_docx, part, render_with, run_cli


# ---------------------------------------------------------------- values are text, never code


def test_hostile_values_render_and_reopen(nb_record: dict) -> None:
    record = copy.deepcopy(nb_record)
    big = ("Lang tekst om saken. " * 2600)[:50_000]
    record["background"] = "Tom & Jerry <script>alert(1)</script> 😀 שלום עליכם مرحبا\x0bny linje\x0cnytt avsnitt\x07"
    record["findings"] = big
    record["case"]["pupil"]["name"] = "Åse <Ø> & Æ"
    data = docgen.render(record)
    document = open_docx(data)
    text = all_text(document)
    assert "Tom & Jerry <script>alert(1)</script> 😀 שלום עליכם مرحبا" in text
    assert "Åse <Ø> & Æ" in text
    assert big[:1000] in text
    xml = part(data, "word/document.xml")
    assert "\x0b" not in xml and "\x0c" not in xml and "\x07" not in xml
    # \x0b became a line break inside the paragraph, \x0c a new paragraph.
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Tom & Jerry"))
    assert paragraph.text.endswith("\nny linje")
    assert any(p.text == "nytt avsnitt" for p in document.paragraphs)


LITERALS = ["A{{ 7*7 }}B", "{% raw %}", "<w:p>", "]]>", "&amp;", "{# note #}", "{%p if true %}", "<![CDATA[x", "\"'<>&"]
MARKER_VALUE = "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}"


def test_record_values_print_literally(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    record = copy.deepcopy(load_example("activity_plan.nb.json"))
    record["background"] = "\n".join(LITERALS)
    record["findings"] = MARKER_VALUE.replace("{marker}", str(marker))
    record["case"]["pupil"]["name"] = "Ida {{ 7*7 }} <w:t>"  # body and the title property
    record["school"]["name"] = "{% raw %}]]> & skole"  # the letterhead and the author property
    source = tmp_path / "case.json"
    source.write_text(json.dumps(record), encoding="utf-8")
    out = tmp_path / "plan.docx"
    result = run_cli("render", source, "-o", out)
    assert result.exit_code == 0, result.output
    document = open_docx(out.read_bytes())  # well-formed XML, or python-docx could not open it
    text = all_text(document)
    for value in LITERALS:
        assert value in text
    assert "A49B" not in text
    assert record["findings"] in text
    assert not marker.exists()
    letterhead = "\n".join(c.text for t in document.sections[0].first_page_header.tables for c in t._cells)
    assert "Ida {{ 7*7 }} <w:t>" in text
    assert "{% raw %}]]> & skole" in letterhead
    # The title property is the public one (no pupil), with the school's name literally.
    assert document.core_properties.title == "Aktivitetsplan – elev ved {% raw %}]]> & skole"
    assert document.core_properties.author == "{% raw %}]]> & skole"


def test_line_breaks_and_paragraphs_are_kept(tmp_path: Path, nb_record: dict) -> None:
    nb_record["background"] = "Første linje\nandre linje\n\nNytt avsnitt"
    document = open_docx(render_with(tmp_path, nb_record, "## Bakgrunn\n\n**{{ background }}**"))
    texts = [p.text for p in document.paragraphs]
    assert "Første linje\nandre linje" in texts
    assert "Nytt avsnitt" in texts
    # The new paragraph keeps the run's formatting (bold here).
    last = next(p for p in document.paragraphs if p.text == "Nytt avsnitt")
    assert all(r.bold for r in last.runs if r.text)


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "one\ntwo",
        "a\tb\tc",
        "first\asecond\athird",
        "page\fbreak",
        "mixed\n\t\a\f end",
    ],
)
def test_listing_resolution_matches_docxtpl(text: str) -> None:
    """engine._resolve_listing carries docxtpl's resolve_listing; they must agree exactly."""
    from docxtpl import DocxTemplate

    from docgen.engine.docx import resolve_listing as _resolve_listing

    xml = (
        '<w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
        f'<w:t xml:space="preserve">{text}</w:t></w:r><w:r><w:t>tail</w:t></w:r></w:p>'
        '<w:p w:rsidR="00AB"><w:r><w:t>untouched</w:t></w:r></w:p>'
        f"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body>"
    )
    assert _resolve_listing(xml) == DocxTemplate(io.BytesIO()).resolve_listing(xml)


@pytest.mark.parametrize(
    "xml",
    [
        # many paragraphs, breaks in some: only those change, in place
        "<w:body>" + "".join(
            f'<w:p w:rsidR="{i}"><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:t>p{i}{chr(10) if i % 7 == 0 else ""}x</w:t>'
            f"</w:r><w:r><w:t>{chr(9) if i % 11 == 0 else ''}y</w:t></w:r></w:p>" for i in range(60)) + "</w:body>",
        # a break between paragraphs (not in one) and one in the last paragraph
        "<w:body><w:p><w:r><w:t>a</w:t></w:r></w:p>\n<w:p><w:r><w:t>b\nc</w:t></w:r></w:p></w:body>",
        # a text box: paragraphs nest inside a paragraph's run
        '<w:body><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t>out\nside</w:t></w:r><w:r><w:drawing>'
        "<w:txbxContent><w:p><w:r><w:t>in\nside</w:t></w:r></w:p></w:txbxContent></w:drawing></w:r>"
        "<w:r><w:t>after\tbox</w:t></w:r></w:p><w:p><w:r><w:t>last\fpage</w:t></w:r></w:p></w:body>",
        # break characters inside the paragraph's properties and attributes are text to neither
        '<w:body><w:p><w:pPr><w:pStyle w:val="A"/></w:pPr><w:r><w:t>x\a</w:t></w:r></w:p></w:body>',
    ],
    ids=["many", "between", "textbox", "bell"],
)
def test_listing_resolution_matches_docxtpl_across_paragraphs(xml: str) -> None:
    from docxtpl import DocxTemplate

    from docgen.engine.docx import resolve_listing

    assert resolve_listing(xml) == DocxTemplate(io.BytesIO()).resolve_listing(xml)


# ---------------------------------------------------------------- the file written


def test_output_is_byte_identical(nb_record: dict) -> None:
    first = docgen.render(nb_record)
    second = docgen.render(copy.deepcopy(nb_record))
    assert first == second
    for info in zipfile.ZipFile(io.BytesIO(first)).infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_properties_come_from_the_record(nb_record: dict) -> None:
    props = open_docx(docgen.render(nb_record)).core_properties
    assert props.title == "Aktivitetsplan – elev ved Lyngåsen skole"  # the public title: no pupil in properties
    assert props.author == "Lyngåsen skole"
    assert props.subject == "Aktivitetsplan etter opplæringsloven §\u00a012-4"  # its no-break space kept
    assert props.created.isoformat().startswith("2026-11-27T00:00:00")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_same_text_as_docxtpl_itself(example: Path) -> None:
    """The prepared fast path renders exactly the text docxtpl's own render() gives."""
    import jinja2
    from docxtpl import DocxTemplate

    from docgen import engine
    from docgen.templates import find_template

    document = docgen.load(example.read_bytes())
    path = find_template(document.type, document.lang)
    ctx = engine.context(document)
    ours = open_docx(docgen.render(example.read_bytes()))

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, finalize=engine.environment().finalize)
    env.filters.update(engine.environment().filters)
    reference = DocxTemplate(str(path))
    reference.render(ctx, jinja_env=env, autoescape=True)
    buffer = io.BytesIO()
    reference.save(buffer)
    theirs = open_docx(buffer.getvalue())

    assert [p.text for p in ours.paragraphs] == [p.text for p in theirs.paragraphs]
    assert [[c.text for r in t.rows for c in r.cells] for t in ours.tables] == [
        [c.text for r in t.rows for c in r.cells] for t in theirs.tables
    ]
    for mine, other in zip(ours.sections, theirs.sections):
        assert [p.text for p in mine.header.paragraphs] == [p.text for p in other.header.paragraphs]
        assert [p.text for p in mine.footer.paragraphs] == [p.text for p in other.footer.paragraphs]
    # The title property is docgen's public title (docgen.archive); the others are the template's.
    assert ours.core_properties.title == archive.public_title(document)
    for prop in ("author", "subject", "keywords", "comments", "language"):
        assert getattr(ours.core_properties, prop) == getattr(theirs.core_properties, prop), prop
