"""The rendering engine: sandbox, escaping, how values print, locations in errors, determinism."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

import pytest

import docgen
from docgen.engine import prepare
from docgen.errors import TemplateError

from conftest import all_text, make_template, open_docx, part


def render_with(tmp_path: Path, record: dict, body: str, **kw) -> bytes:
    return docgen.render(record, template=make_template(tmp_path, body, **kw))


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


def test_line_breaks_and_paragraphs_are_kept(tmp_path: Path, nb_record: dict) -> None:
    nb_record["background"] = "Første linje\nandre linje\n\nNytt avsnitt"
    document = open_docx(render_with(tmp_path, nb_record, "## Bakgrunn\n\n**{{ background }}**"))
    texts = [p.text for p in document.paragraphs]
    assert "Første linje\nandre linje" in texts
    assert "Nytt avsnitt" in texts
    # The new paragraph keeps the run's formatting (bold here).
    last = next(p for p in document.paragraphs if p.text == "Nytt avsnitt")
    assert all(r.bold for r in last.runs if r.text)


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


def test_choices_compare_by_code(tmp_path: Path, nb_record: dict) -> None:
    body = "{% for m in measures %}{% if m.level.code == 'system' %}[{{ m.name }}]{% endif %}{% endfor %}"
    text = all_text(open_docx(render_with(tmp_path, nb_record, body)))
    assert "[Økt voksentetthet i friminuttene]" in text


def test_date_filters(tmp_path: Path, nb_record: dict) -> None:
    body = "{{ document_date | weekday_date }} / {{ document_date | month_year }} / {{ document_date | add_working_days(10) | short_date }}"
    text = all_text(open_docx(render_with(tmp_path, {**nb_record, "lang": "da"}, body, lang="da")))
    assert "fredag den 27. november 2026 / november 2026 / 11.12.2026" in text


def test_printing_a_whole_object_is_refused(tmp_path: Path, nb_record: dict) -> None:
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, nb_record, "Tiltak: {{ measures }}")
    assert "cannot be printed" in str(info.value)
    assert 'near "Tiltak: {{ measures }}"' in str(info.value)


def test_unknown_field_names_the_field_and_the_paragraph(tmp_path: Path, nb_record: dict) -> None:
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, nb_record, "Intro\n\nElev: {{ case.pupil.nmae }}")
    message = str(info.value)
    assert "unknown field 'nmae'" in message
    assert "the document body" in message
    assert 'near "Elev: {{ case.pupil.nmae }}"' in message


def test_syntax_error_names_the_paragraph(tmp_path: Path) -> None:
    path = make_template(tmp_path, "Fint avsnitt\n\n{% if case.pupil.name %}Uten slutt")
    with pytest.raises(TemplateError) as info:
        prepare(path.read_bytes(), "skolens-mal.docx")
    assert "skolens-mal.docx" in str(info.value)
    assert "syntax error" in str(info.value)


def test_error_in_footer_says_footer(tmp_path: Path, nb_record: dict) -> None:
    with pytest.raises(TemplateError) as info:
        render_with(tmp_path, nb_record, "Tekst", front="footer: {{ school.nmae }}\n")
    assert "the page footer" in str(info.value)


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('touch /tmp/docgen-pwned').read() }}",
        "{{ case.__class__ }}",
        "{{ case.update({'x': 1}) }}",
        "{{ (('a' * 1000) * 100000) }}",
        "{{ 'x' | safe }}",
    ],
)
def test_sandbox_blocks_template_attacks(tmp_path: Path, nb_record: dict, payload: str) -> None:
    marker = Path("/tmp/docgen-pwned")
    marker.unlink(missing_ok=True)
    with pytest.raises(TemplateError):
        render_with(tmp_path, nb_record, f"Hei {payload}")
    assert not marker.exists()


def test_output_is_byte_identical(nb_record: dict) -> None:
    first = docgen.render(nb_record)
    second = docgen.render(copy.deepcopy(nb_record))
    assert first == second
    for info in zipfile.ZipFile(io.BytesIO(first)).infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_properties_come_from_the_record(nb_record: dict) -> None:
    props = open_docx(docgen.render(nb_record)).core_properties
    assert props.title == "Aktivitetsplan for Ida Fjelltun"
    assert props.author == "Lyngåsen skole"
    assert props.subject == "Aktivitetsplan etter opplæringsloven § 12-4"
    assert props.created.isoformat().startswith("2026-11-27T00:00:00")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip at all", "not a Word document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
    ],
)
def test_broken_template_files(content: bytes, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        prepare(content, "mal.docx")
    assert message in str(info.value)


def test_zip_without_document_xml() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(TemplateError, match="no word/document.xml"):
        prepare(buffer.getvalue(), "mal.docx")


def test_truncated_template(tmp_path: Path) -> None:
    data = make_template(tmp_path, "Hei {{ school.name }}").read_bytes()
    with pytest.raises(TemplateError):
        prepare(data[: len(data) // 2], "mal.docx")


def test_zip_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", "<w:document/>")
        zf.writestr("word/media/bomb.bin", b"\0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(TemplateError, match="more than 50 MB"):
        prepare(buffer.getvalue(), "mal.docx")


def test_compiled_templates_are_cached_on_disk(tmp_path: Path, nb_record: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen import engine

    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "cache"))
    template = make_template(tmp_path, "Hei {{ case.pupil.name }}")
    first = engine.prepare(template.read_bytes(), "t.docx")
    assert len(list((tmp_path / "cache").glob("template-*.marshal"))) == 1

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again despite the cache")

    monkeypatch.setattr(engine, "_compile", no_compiling)
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


BUNDLED = sorted(Path(__file__).resolve().parent.parent.joinpath("examples").glob("*.json"))


@pytest.mark.parametrize("example", BUNDLED, ids=lambda p: p.name)
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
    assert ours.core_properties.title == theirs.core_properties.title


def test_capfirst_keeps_the_rest(tmp_path: Path, nb_record: dict) -> None:
    nb_record["school"]["name"] = "skolen på Ås og McKinley"
    text = all_text(open_docx(render_with(tmp_path, nb_record, "{{ school.name | capfirst }} / {{ school.name | capitalize }}")))
    assert "Skolen på Ås og McKinley / Skolen på ås og mckinley" in text


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

    from docgen.engine import _resolve_listing

    xml = (
        '<w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
        f'<w:t xml:space="preserve">{text}</w:t></w:r><w:r><w:t>tail</w:t></w:r></w:p>'
        '<w:p w:rsidR="00AB"><w:r><w:t>untouched</w:t></w:r></w:p>'
        f"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body>"
    )
    assert _resolve_listing(xml) == DocxTemplate(io.BytesIO()).resolve_listing(xml)
