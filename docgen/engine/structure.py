"""Proving, once per template part, that every rendering of it is well-formed XML, so that a
document only needs its record values checked, not its whole body parsed again.

A part is *proven* when its Jinja is only text, `{{ … }}` outputs, `{% if %}`, `{% for %}` and
`{% set x = … %}` (no macros, call, filter or set blocks: they turn template markup into values),
and, with every output replaced by a placeholder text and every if/for by a placeholder element:

- the whole part (after the XML declaration) parses as a document (expat, no DTD, no entities),
  with every if/for inside its root element (one around the root would give 0 or N roots),
- the body of every branch and loop parses as element content on its own (`<r>body</r>`), so
  repeating it or leaving it out keeps the elements balanced,
- every placeholder text is character data or inside an attribute value (not in a name, a
  comment, a CDATA section or a processing instruction; none of those may occur at all), and
  every placeholder element is an element (so no branch or loop sits inside a tag);
- a body may also close elements and open the same ones again (an inline `{% if %}` ends a run
  and starts another: `</w:t></w:r>…<w:r><w:t>`): it is checked inside those elements, and its
  placeholder is those end tags, the element, and those start tags, so its place must have them;
- no `>` in the template's text outside tags (see _no_greater_than).

Then the rendered part is well-formed if every value printed into it is plain escaped text:
no `<`, `>`, quotes or control characters, and `&` only in the references escaping makes
(`values_are_text`; tabs and breaks aside, which become markup after rendering and are
checked where they do). Record values always are (autoescape cannot be turned off); a value that
carries markup (the letterhead logo, a recursive loop's output) is not, and that part is then
parsed whole, as every part of an unproven template is. The placeholder text ends in `]]`, so
a value followed by `>` (which would make `]]>`) is not proven either.

The proof also says whether the part's markup names a field or a link (`instr…`,
`href`, `src`, `fldChar`): the names in a proven part's output all come from the template's own text, so
without them no output of the part can fetch anything (see package.fetching).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import jinja2
from jinja2 import nodes

from .package import LINK_MARKERS, expat_parser

TEXT = "\ue000]]"  # an output's placeholder: a private-use character no Word template holds
ELEMENT = "<docgen-m/>"  # an if's or a for's placeholder
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Anything in a printed value that could change the XML around it (or is not an XML character).
# Tabs and breaks (\t \a \n \f) are let through: docx.resolve_listing makes them markup, and
# docx.write checks what it changed and that no \a or \f is left.
_NOT_TEXT = re.compile(
    "[<>\"'\x00-\x06\x08\x0b\x0e-\x1f\ud800-\udfff\ufffe\uffff]|&(?!(?:amp|lt|gt|quot|apos|#34|#39);)")


class _Unproven(Exception):
    pass


def prove(env: jinja2.Environment, source: str) -> tuple[bool, bool, bool]:
    """(proven, may link, splits cleanly): see the module's docstring and splits_cleanly. Never raises."""
    try:
        ast = env.parse(source)
        body = ast.body
        texts: list[str] = []
        top, outputs, blocks = _skeleton(body, texts)
        _no_greater_than(top)
        _check(_HEAD + top, outputs, blocks)
        texts.append(top)
    except Exception:  # _Unproven, or anything else: the part is parsed whole after every render
        return False, True, False
    may_link = any(marker.decode() in text for text in texts for marker in LINK_MARKERS)
    return True, may_link, splits_cleanly(node.data for node in ast.find_all(nodes.TemplateData))


SPLIT = ("\n<w:p ", "\n<w:p>")  # compiler._compile puts a line break before each paragraph; docx.write removes it


def splits_cleanly(texts: Iterable[str]) -> bool:
    """Whether, in a proven part whose values are text, removing SPLIT from each piece of the
    template's own text gives what removing it from the whole output gives: true when no piece
    starts with the rest of one (`<w:p ` after a `-%}` ate its line break, say), as values hold
    no `<` and so cannot hold the rest of one either."""
    for text in texts:
        for split in SPLIT:
            for at in range(1, len(split)):
                rest = split[at:]
                if text[:len(rest)] == rest[:len(text)] and text:
                    return False
    return True


def values_are_text(values: list[str]) -> bool:
    """Whether every printed value of a proven part is plain escaped text (see the docstring)."""
    return not values or _NOT_TEXT.search(" ".join(values)) is None


def _skeleton(body: list[nodes.Node], texts: list[str]) -> tuple[str, int, int]:
    out: list[str] = []
    outputs = blocks = 0
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    if "\ue000" in child.data or "docgen-m" in child.data:
                        raise _Unproven
                    out.append(child.data)
                else:
                    out.append(TEXT)
                    outputs += 1
        elif isinstance(node, (nodes.If, nodes.For)):
            if isinstance(node, nodes.If):
                branches = [node.body, *(e.body for e in node.elif_), node.else_]
            else:
                branches = [node.body, node.else_]
            shapes = {tuple(_fragment(branch, texts)) for branch in branches if branch}
            shapes.discard(())
            if len(shapes) > 1:
                raise _Unproven
            closes = list(shapes.pop()) if shapes else []
            out.append(_closing(closes) + ELEMENT + _opening(closes))
            blocks += 1
        elif isinstance(node, nodes.Assign):
            continue  # prints nothing
        else:
            raise _Unproven
    return "".join(out), outputs, blocks


def _fragment(body: list[nodes.Node], texts: list[str]) -> list[str]:
    """Check an if's branch or a for's body; the elements it closes and opens again (innermost
    first), as in an inline `{% if %}` that ends a run and starts another: `</w:t></w:r><w:r><w:t>`.
    Each rendering of it then leaves the elements around it as it found them."""
    text, outputs, blocks = _skeleton(body, texts)
    closes = _closes(text)
    _no_greater_than(text)
    _check(f"<docgen-r>{_opening(closes)}{text}{_closing(closes)}</docgen-r>", outputs, blocks)
    texts.append(text)
    return closes


_TAG = re.compile(r"""<(/?)([^\s/>!?"']+)(?:[^>"']|"[^"]*"|'[^']*')*?(/?)>""")


def _closes(text: str) -> list[str]:
    """The names of the elements `text` closes without opening them, innermost first (a guess
    from the tags alone: the parse in _fragment is what checks it)."""
    open_: list[str] = []
    closes: list[str] = []
    for m in _TAG.finditer(text):
        end, name, empty = m.groups()
        if end:
            if open_:
                open_.pop()
            else:
                closes.append(name)
        elif not empty:
            open_.append(name)
    return closes


def _no_greater_than(text: str) -> None:
    """No `>` in the template's own text outside tags (lxml writes it `&gt;`): a branch left out
    would otherwise let a value ending in `]]` meet it, and `]]>` is not allowed in text."""
    if ">" in _TAG.sub("", text):
        raise _Unproven


def _opening(closes: list[str]) -> str:
    return "".join(f"<{name}>" for name in reversed(closes))


def _closing(closes: list[str]) -> str:
    return "".join(f"</{name}>" for name in closes)


def _check(document: str, outputs: int, blocks: int) -> None:
    """`document` well-formed, with exactly `outputs` placeholder texts in character data or
    attribute values and `blocks` placeholder elements; no comment, CDATA or PI."""
    seen = {"text": 0, "element": 0, "depth": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "docgen-m":
            if not seen["depth"]:  # a block around the root: 0 or N roots when rendered
                raise _Unproven
            seen["element"] += 1
        seen["text"] += sum(value.count("\ue000") for value in attrs.values())
        seen["depth"] += 1

    def end(tag: str) -> None:
        seen["depth"] -= 1

    def chars(data: str) -> None:
        seen["text"] += data.count("\ue000")

    def refuse(*_: Any) -> None:
        raise _Unproven

    p = expat_parser()
    p.buffer_text = True
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    p.CommentHandler = p.ProcessingInstructionHandler = p.StartCdataSectionHandler = refuse
    p.Parse(document.encode("utf-8"), True)
    if seen["text"] != outputs or seen["element"] != blocks:
        raise _Unproven
