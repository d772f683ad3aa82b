"""Where in a template something is, in words a school can find in Word, and the errors that say so.

A location is the part (body, header, footer, a document property) and the
text of the paragraph around the Jinja line: "the page footer, near "Side 1 av"".
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

from ..errors import TemplateError
from .sandbox import TooLarge

RENDERED_PART = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_PART_NAMES = {"document": "the document body", "header": "the page header", "footer": "the page footer",
               "footnotes": "the footnotes", "endnotes": "the endnotes"}
_BLOCK_TAG = re.compile(r"\{%-?\s*(\w+)")
_OPENERS = {"if", "for", "macro", "call", "filter", "with", "block", "raw", "autoescape"}


def part_location(part: str) -> str:
    """'word/footer2.xml' -> 'the page footer'; 'docProps/core.xml:title' -> "the document property 'title'"."""
    if part.startswith("docProps/core.xml:"):
        return f"the document property '{part.partition(':')[2]}'"
    kind = re.sub(r"\d+$", "", Path(part).stem)
    return _PART_NAMES.get(kind, part)


def near(source: str, lineno: int | None) -> str:
    """The text of the paragraph around a Jinja line: what a school can find in Word."""
    if not lineno:
        return ""
    lines = source.splitlines()
    return near_text(lines[lineno - 1] if 0 < lineno <= len(lines) else "")


def near_text(xml: str) -> str:
    """'near "…"' with the visible words of a piece of WordprocessingML, shortened."""
    text = " ".join(re.sub(r"<[^>]+>", "", xml).split())
    if len(text) > 70:
        text = text[:67] + "…"
    return f'near "{text}"' if text else ""


def where(part: str, source: str = "", lineno: int | None = None) -> str:
    return ", ".join(x for x in (part_location(part), near(source, lineno)) if x)


def template_lineno(exc: BaseException) -> int | None:
    """The template line an exception was raised on, from Jinja's rewritten traceback."""
    tb, lineno = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def unclosed_block(source: str) -> tuple[str, int] | None:
    """The innermost block tag with no end tag, and its line."""
    stack: list[tuple[str, int]] = []
    for m in _BLOCK_TAG.finditer(source):
        name = m.group(1)
        line = source.count("\n", 0, m.start()) + 1
        if name in _OPENERS:
            stack.append((name, line))
        elif name.startswith("end") and stack and stack[-1][0] == name[3:]:
            stack.pop()
    return stack[-1] if stack else None


def template_error(exc: BaseException, template: str, part: str, source: str) -> TemplateError:
    """A Jinja (or other) failure while compiling or rendering one part, as the school should read it."""
    lineno = getattr(exc, "lineno", None) or template_lineno(exc)
    place = where(part, source, lineno)
    if isinstance(exc, RecursionError):
        return TemplateError("the template nests too deeply", template, part_location(part))
    if not isinstance(exc, jinja2.TemplateError):  # a filter or test failed on this record's data
        return TemplateError(f"an expression failed while rendering ({type(exc).__name__})", template, place)
    text = str(exc.message or exc)
    if isinstance(exc, UndefinedError):
        m = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", text)
        name = next((g for g in m.groups() if g), None) if m else None
        text = f"unknown field '{name}'" if name else "a field the record does not have"
    elif isinstance(exc, TooLarge):
        text = str(exc)
    elif isinstance(exc, SecurityError):
        text = "the template tries to reach something it may not use (blocked by the sandbox)"
    elif isinstance(exc, TemplateSyntaxError):
        text = f"template syntax error: {text}"
        opener = unclosed_block(source) if "end of template" in text else None
        if opener is not None:  # Jinja points at the end; the school needs the tag that is never closed
            name, line = opener
            place = where(part, source, line)
            text = f"template syntax error: this {{% {name} %}} is never closed with {{% end{name} %}}"
    return TemplateError(text, template, place)
