"""Text from records always fits in a Word document."""

from __future__ import annotations

from docgen.text import clean_line, clean_text, to_docx_text


def test_word_pastes_become_breaks() -> None:
    assert clean_text("a\x0bb\x0cc") == "a\nb\n\nc"


def test_illegal_xml_characters_are_removed() -> None:
    assert clean_text("a\x00b\x01c\x1fd\ufffee\ud800") == "abcde"


def test_tabs_and_newlines_survive() -> None:
    assert clean_text("a\tb\r\nc\rd") == "a\tb\nc\nd"


def test_paragraph_marks() -> None:
    assert to_docx_text("one\ntwo\n\n\n three") == "one\ntwo\athree"


def test_lines_collapse() -> None:
    assert clean_line("  Ida\n  Fjelltun\t ") == "Ida Fjelltun"
