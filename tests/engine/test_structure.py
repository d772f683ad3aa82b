"""The structure proof (engine/structure.py): a proven part skips the whole-body parse, so what it
lets through must be exactly what would parse anyway; anything else is parsed whole and refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen import engine
from docgen.engine import structure
from docgen.errors import TemplateError

from conftest import make_template, render_with

ROOT = Path(__file__).resolve().parents[2]
DOC = '<w:document xmlns:w="w"><w:body>{}</w:body></w:document>'


def prove(body: str) -> tuple[bool, bool, bool]:
    return structure.prove(engine.environment(), DOC.format(body))


@pytest.mark.parametrize("body", [
    "<w:p><w:r><w:t>{{ a }}</w:t></w:r></w:p>",
    '<w:p w:x="{{ a }}"/>',
    "{% for m in ms %}<w:p><w:r><w:t>{{ m }}</w:t></w:r></w:p>{% endfor %}",
    "<w:p><w:r><w:t>a{% if x %}</w:t></w:r><w:r><w:t>{{ b }}{% endif %}c</w:t></w:r></w:p>",
    "{% set y = 1 %}{% if x %}<w:p/>{% elif z %}<w:p/>{% else %}{% endif %}",
])
def test_sound_shapes_are_proven(body: str) -> None:
    assert prove(body)[0]


@pytest.mark.parametrize("body", [
    "{% if x %}<w:p>{% endif %}</w:p>",  # opens in a branch, closes outside it
    "<w:p>{% if x %}</w:p>{% endif %}",
    "<w:p {{ a }}/>",  # a value inside a tag
    '<w:p w:x="{% if x %}1{% endif %}"/>',  # a branch inside an attribute
    "<w:p>{{ a }}></w:p>",  # a value ending in ]] would make ]]>
    "<w:p><!-- {{ a }} --></w:p>",
    "<w:p><![CDATA[{{ a }}]]></w:p>",
    "{% macro m() %}</w:p>{% endmacro %}<w:p>{{ m() }}",
    "{% set y %}<w:p>{% endset %}",
    "<w:p>{% if x %}</w:t></w:r>{% else %}</w:r>{% endif %}</w:p>",  # two different shapes
    "<w:p>&nbsp;</w:p>",
    "<w:p>{% raw %}<{% endraw %}</w:p>",
])
def test_unsound_shapes_are_not_proven(body: str) -> None:
    assert not prove(body)[0]


@pytest.mark.parametrize("part", [
    '{% if x %}<w:hdr xmlns:w="w"><w:p/></w:hdr>{% endif %}',  # false: no root at all
    '{% for m in ms %}<w:hdr xmlns:w="w"><w:p/></w:hdr>{% endfor %}',  # two items: two roots
])
def test_a_block_around_the_root_is_not_proven(part: str) -> None:
    """Found in review: a part that is one if/for around its root parses as one root with the
    block's placeholder, yet renders to 0 or N roots. docxtpl's {%p %} can strip a root's tags."""
    assert not structure.prove(engine.environment(), part)[0]


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def with_part(tmp_path: Path, name: str, xml: str) -> Path:
    """A school template whose part `name` is `xml` (as a school could upload it)."""
    import zipfile

    base = make_template(tmp_path, "Hei {{ case.pupil.name }}")
    hostile = tmp_path / "nb" / "hostile.docx"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(hostile, "w") as dst:
        assert name in src.namelist()
        for info in src.infolist():
            dst.writestr(info.filename, xml.encode() if info.filename == name else src.read(info))
    return hostile


def test_a_root_swallowed_by_paragraph_tags_is_refused(tmp_path: Path) -> None:
    from docgen import render

    from conftest import load_example

    header = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:p {W_NS}><w:r><w:t>'
              '{%p if case.pupil.name == "nobody" %}</w:t></w:r><w:p><w:r><w:t>z</w:t></w:r></w:p>'
              f'<w:hdr {W_NS}><w:p><w:r><w:t>x</w:t></w:r></w:p></w:hdr><w:p><w:r><w:t>{{%p endif -%}}'
              '</w:t></w:r></w:p><w:t/></w:p>')
    with pytest.raises(TemplateError, match="broken document"):
        render(load_example("activity_plan.nb.json"), template=with_part(tmp_path, "word/header1.xml", header))


def test_a_value_inside_a_complex_field_is_scanned(tmp_path: Path) -> None:
    """Found in review: a field's begin and end in the template, the value in w:t between them, no
    "instr" in the template's text: the value is still read as the field's instruction."""
    body = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:t>{{ case.pupil.name }}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    assert prove(body)[1]
    from docgen import render

    from conftest import load_example

    record = load_example("activity_plan.nb.json")
    record["case"]["pupil"]["name"] = 'INCLUDEPICTURE "http://example.invalid/a.png"'
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W_NS}><w:body>{body}'
                '</w:body></w:document>')
    with pytest.raises(TemplateError, match="INCLUDEPICTURE"):
        render(record, template=with_part(tmp_path, "word/document.xml", document))


def test_the_link_markers_are_found_in_the_templates_own_text() -> None:
    assert prove("<w:p><w:instrText>{{ a }}</w:instrText></w:p>") == (True, True, True)
    assert prove('<w:p r:href="x"/>')[1]
    assert not prove("<w:p><w:t>{{ a }}</w:t></w:p>")[1]


@pytest.mark.parametrize("value, ok", [
    ("plain text, æøå – ok & fine", False),
    ("Ida &amp; Ola &lt;3 &#34;x&#39;", True),
    ("tab\tbreak\nparagraph\apage\f", True),
    ("<w:p>", False), (">", False), ('"', False), ("'", False), ("&", False), ("&nbsp;", False),
    ("&#0;", False), ("\x00", False), ("\x01", False), ("\x1b", False), ("\ufffe", False), ("\ud800", False),
])
def test_values_are_text_only_when_escaped_text(value: str, ok: bool) -> None:
    if value.startswith("plain"):
        value, ok = value.replace("&", "&amp;"), True
    assert structure.values_are_text([value]) is ok
    assert structure.values_are_text(["fine", value]) is ok


def test_values_are_checked_one_by_one() -> None:
    """An '&' at the end of one value and 'amp;' at the start of the next are not a reference."""
    assert not structure.values_are_text(["a &", "amp; b"])


def test_splits_cleanly() -> None:
    assert structure.splits_cleanly(["</w:p>\n<w:p>x", "abc"])
    assert not structure.splits_cleanly(["<w:p>x"])  # its line break eaten by -%}
    assert not structure.splits_cleanly(["w:p "])
    assert not structure.splits_cleanly([" x"])


def test_every_bundled_template_part_is_proven() -> None:
    for path in sorted((ROOT / "templates").glob("*/*.docx")):
        prepared = engine.load_template(path)
        for name, part in prepared.parts.items():
            assert part.proven and part.unsplit is not None, (path, name)


@pytest.mark.parametrize("body", [
    "{%p if case.reference %}",  # an unclosed block is a syntax error, not a broken document
])
def test_syntax_errors_still_name_the_place(tmp_path: Path, nb_record: dict, body: str) -> None:
    with pytest.raises(TemplateError):
        render_with(tmp_path, nb_record, body)


@pytest.mark.parametrize("markup, broken", [("</w:t></w:r></w:p><w:p>", True), ("<w:br/>", False)])
def test_a_value_with_markup_is_parsed_whole(tmp_path: Path, nb_record: dict, markup: str, broken: bool) -> None:
    """A Markup value (as the logo is) is not plain text: the part is parsed whole, and refused if broken."""
    from markupsafe import Markup

    from docgen.api import load

    prepared = engine.load_template(make_template(tmp_path, "Hei {{ logo }}"))
    assert prepared.parts["word/document.xml"].proven
    ctx = engine.context(load(nb_record))
    ctx["logo"] = Markup(markup)
    if broken:
        with pytest.raises(TemplateError, match="broken document"):
            prepared.render(ctx)
    else:
        prepared.render(ctx)


def test_a_control_character_in_a_value_is_refused(tmp_path: Path, nb_record: dict) -> None:
    from markupsafe import Markup

    from docgen.api import load

    prepared = engine.load_template(make_template(tmp_path, "Hei {{ logo }}"))
    ctx = engine.context(load(nb_record))
    ctx["logo"] = Markup("a\x01b")
    with pytest.raises(TemplateError, match="broken document"):
        prepared.render(ctx)
