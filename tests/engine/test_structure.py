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
