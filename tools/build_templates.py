#!/usr/bin/env python3
"""Build the Word templates in templates/<lang>/ from their readable source.

Each `templates/<lang>/<type>.md` becomes `templates/<lang>/<type>.docx`. The
.docx files are committed so schools can open them in Word; this script is the
reviewable truth, and a test fails when the two drift apart.

The .docx is written as plain OOXML rather than through python-docx, whose
default template carries ~790 KB of unused styles into every document.

Source format
-------------
A front-matter block between `---` lines sets document properties and the
page header and footer (each may repeat `header:` / `footer:` for more lines):

    ---
    title: Aktivitetsplan for {{ case.pupil.name }}
    subject: ...
    author: {{ school.name }}
    header: Unntatt offentlighet ...
    footer: Side {PAGE} av {NUMPAGES}
    ---

Then blocks separated by blank lines:

    # Title                 document title (style Title)
    ## Heading              Heading 1;  ### Heading 2;  #### Heading 3
    - item                  a bulleted list item (one per line)
    > text                  a notice box (style Notice)
    {%p for x in xs %}      a Jinja tag on a paragraph of its own (docxtpl)
    | a | b |               a table; a `|---|------|` line under the first row
    |---|------|            makes it a repeated header row and sets relative
    | c | d |               column widths by the number of dashes
    plain text              a paragraph; lines of one block are joined

Page parts: a line `=== first-header ===`, `=== first-footer ===`, `=== header ===` or
`=== footer ===` starts that part (blocks as in the body, tables included) and
`=== body ===` returns to the body. The first-page parts give page 1 its own
letterhead and footer (Word's "different first page"); front-matter `header:` /
`footer:` lines remain a short way to write the other pages' parts.

    {SECTION landscape}     a block of its own: the blocks after it are on landscape
    {SECTION portrait}      pages, until the next {SECTION portrait}
    {.Style} text           a paragraph in one of the named styles below (PARAGRAPH_STYLES)
    {.plain} / {.reference} the first line of a table block: a table without borders, or the
                            letter's reference line (small grey labels over the values);
    {.grid keep}            or the ordinary table with options: `keep` (the whole table on one
                            page: for short tables), `height=30mm` (exact row height),
                            `min=30mm` (at least) and `widths=3:5:2`. A plain table in a footer
                            gets a hairline above it.

A label/value table (no header row) gives its label column the style "Table Heading",
which LibreOffice's tagged PDF turns into header cells (TH); a header row repeats on
every page. Tables are separated from a following table or a Jinja tag paragraph (which may
repeat them in a loop) by a thin Spacer paragraph, since Word joins adjacent tables; other
blocks after a table get space above instead (as do blocks after a bulleted list).

Each .docx carries a version stamp (a hash of its source) in docProps/custom.xml.

Inline: **bold**, *italic*. `{PAGE}` and `{NUMPAGES}` become page-number fields,
`{TAB}` a tab (header and footer have a right-aligned tab stop), `{BR}` a line break
(two lines in one table cell).
Table rows may hold docxtpl's `{%tr ... %}` tags.
"""

from __future__ import annotations

import functools
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
LANG_TAGS = {"nb": "nb-NO", "nn": "nn-NO", "da": "da-DK"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# A4 with 2 cm margins, in twentieths of a point.
PAGE_W, PAGE_H, MARGIN = 11906, 16838, 1134
TEXT_W = PAGE_W - 2 * MARGIN
WIDE_TEXT_W = PAGE_H - 2 * MARGIN  # on landscape pages
FONT = "Arial"
ACCENT = "1F3864"


PART_NAMES = ("body", "header", "footer", "first-header", "first-footer")
_PART_LINE = re.compile(r"^=== ([a-z-]+) ===$")


@dataclass
class Source:
    props: dict[str, str] = field(default_factory=dict)
    # part name -> its blocks; front-matter header:/footer: lines become one-line blocks.
    parts: dict[str, list[list[str]]] = field(default_factory=lambda: {name: [] for name in PART_NAMES})

    @property
    def blocks(self) -> list[list[str]]:
        return self.parts["body"]

    @property
    def first_page(self) -> bool:
        return bool(self.parts["first-header"] or self.parts["first-footer"])

    @property
    def landscape(self) -> bool:
        return any(b == ["{SECTION landscape}"] for b in self.blocks)


def parse(text: str) -> Source:
    src = Source()
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        for line in lines[1:end]:
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key in ("header", "footer"):
                src.parts[key].append([value])
            elif key:
                src.props[key] = value
        lines = lines[end + 1 :]
    part = "body"
    block: list[str] = []
    for line in lines + [""]:
        marker = _PART_LINE.match(line.strip())
        if marker or not line.strip():
            if block:
                src.parts[part].append(block)
                block = []
            if marker:
                if marker.group(1) not in PART_NAMES:
                    raise ValueError(f"unknown part '{marker.group(1)}'; use one of {', '.join(PART_NAMES)}")
                part = marker.group(1)
        else:
            block.append(line.rstrip())
    return src


# ---------------------------------------------------------------- inline text

_INLINE = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\{PAGE\}|\{NUMPAGES\}|\{TAB\}|\{BR\}|\*\*|\*)")


def runs(text: str) -> str:
    """Inline markup to runs; Jinja tags always stay whole inside one run."""
    out: list[str] = []
    bold = italic = False
    for token in _INLINE.split(text):
        if not token:
            continue
        if token == "**":
            bold = not bold
        elif token == "*":
            italic = not italic
        elif token == "{TAB}":
            out.append(f"<w:r>{_rpr(bold, italic)}<w:tab/></w:r>")
        elif token == "{BR}":
            out.append("<w:r><w:br/></w:r>")
        elif token in ("{PAGE}", "{NUMPAGES}"):
            name = token.strip("{}")
            out.append(
                f'<w:fldSimple w:instr=" {name} "><w:r>{_rpr(bold, italic)}<w:t>1</w:t></w:r></w:fldSimple>'
            )
        else:
            out.append(f'<w:r>{_rpr(bold, italic)}<w:t xml:space="preserve">{escape(token)}</w:t></w:r>')
    return "".join(out)


def _rpr(bold: bool, italic: bool) -> str:
    inner = ("<w:b/><w:bCs/>" if bold else "") + ("<w:i/><w:iCs/>" if italic else "")
    return f"<w:rPr>{inner}</w:rPr>" if inner else ""


def paragraph(text: str, style: str | None = None, keep_next: bool = False, space_before: bool = False) -> str:
    inner = (
        (f'<w:pStyle w:val="{style}"/>' if style else "")
        + ("<w:keepNext/>" if keep_next else "")
        + ('<w:spacing w:before="160"/>' if space_before else "")
    )
    ppr = f"<w:pPr>{inner}</w:pPr>" if inner else ""
    return f"<w:p>{ppr}{runs(text)}</w:p>"


# ---------------------------------------------------------------- blocks

_HEADINGS = {"#": "Title", "##": "Heading1", "###": "Heading2", "####": "Heading3"}
_SEPARATOR = re.compile(r"^\|(\s*-+\s*\|)+$")


# Styles a source may name with `{.Style} text`; the id is the style's id in styles.xml.
PARAGRAPH_STYLES = ("Letterhead", "Sender", "Recipient", "Closing", "Signature", "Small", "Subject")
_STYLED = re.compile(r"^\{\.([A-Za-z]+)\}\s?(.*)$")
_TABLE_OPTIONS = re.compile(r"^\{\.(grid|plain|reference)((?:\s+[a-z]+(?:=[0-9a-z:.]+)?)*)\}$")


def is_table(block: list[str]) -> bool:
    return block[0].startswith("|") or bool(_TABLE_OPTIONS.match(block[0]))


def is_tag(block: list[str]) -> bool:
    return block[0].startswith("{%p") or block[0].startswith("{%tr")


def blocks_xml(blocks: list[list[str]], section: Callable[[str], str] | None = None) -> str:
    """The blocks of one part; `section(orientation)` closes a section (body only)."""
    out: list[str] = []
    width = TEXT_W
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        # What the reader sees above this block (Jinja tag paragraphs disappear when rendered).
        above = next((b for b in reversed(blocks[:i]) if not is_tag(b)), None)
        after_table = above is not None and (is_table(above) or above[0].startswith("- "))
        if block[0] in ("{SECTION landscape}", "{SECTION portrait}"):
            if section is None:
                raise ValueError("{SECTION ...} belongs in the body")
            # A section's properties sit in its last paragraph: this one closes the section before.
            out.append(section("portrait" if block[0] == "{SECTION landscape}" else "landscape"))
            width = WIDE_TEXT_W if block[0] == "{SECTION landscape}" else TEXT_W
            continue
        if is_table(block):
            out.append(table(block, spacer=following is None or is_table(following) or is_tag(following), width=width))
        else:
            out.append(block_xml(block, space_before=after_table))
    return "".join(out)


def block_xml(block: list[str], space_before: bool = False) -> str:
    first = block[0]
    if is_tag(block):
        return "".join(paragraph(line) for line in block)
    m = re.match(r"^(#{1,4}) (.*)$", first)
    if m:
        return paragraph(" ".join([m.group(2), *block[1:]]), _HEADINGS[m.group(1)])
    if first.startswith("- "):
        return "".join(
            paragraph(line[2:], "ListBullet", space_before=space_before and n == 0) for n, line in enumerate(block)
        )
    if first.startswith("> "):
        return "".join(paragraph(line[2:], "Notice", space_before=space_before and n == 0) for n, line in enumerate(block))
    styled = _STYLED.match(first)
    if styled:
        style = styled.group(1)
        if style not in PARAGRAPH_STYLES:
            raise ValueError(f"unknown paragraph style {{.{style}}}; use one of {', '.join(PARAGRAPH_STYLES)}")
        # Each line of a styled block is a paragraph of its own (an address, a closing).
        texts = [styled.group(2)] + [(_STYLED.match(line) or re.match(r"^()(.*)$", line)).group(2) for line in block[1:]]
        return "".join(
            paragraph(text, style, space_before=space_before and n == 0) if not text.startswith("{%p") else paragraph(text)
            for n, text in enumerate(texts)
        )
    return paragraph(" ".join(block), space_before=space_before)


_CELL = re.compile(r"((?:\{\{.*?\}\}|\{%.*?%\}|[^|])*)\|")


def _cells(line: str) -> list[str]:
    """Cells of a table line; a `|` inside a Jinja tag is a filter, not a border."""
    line = line.strip()
    return [c.strip() for c in _CELL.findall(line[1:] if line.startswith("|") else line)]


def _mm(value: str) -> int:
    """'30mm' -> twentieths of a point."""
    return round(float(value.removesuffix("mm")) * 1440 / 25.4)


def table(block: list[str], spacer: bool = True, width: int = TEXT_W, footer: bool = False) -> str:
    kind, options = "grid", {}
    m = _TABLE_OPTIONS.match(block[0])
    if m:
        kind = m.group(1)
        options = dict((pair.split("=", 1) + [""])[:2] for pair in m.group(2).split())
        block = block[1:]
    rows = [_cells(line) for line in block if not _SEPARATOR.match(line)]
    header = len(block) > 1 and bool(_SEPARATOR.match(block[1]))
    ncols = max(len(r) for r in rows)
    if "widths" in options:
        weights = [int(w) for w in options["widths"].split(":")]
    elif header:
        weights = [len(c.strip()) for c in block[1].strip().strip("|").split("|")]
    else:
        weights = [3, 7] if ncols == 2 else [1] * ncols
    if len(weights) != ncols:
        raise ValueError(f"table has {ncols} columns but {len(weights)} widths: {block[0]}")
    total = sum(weights)
    widths = [width * w // total for w in weights]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    label_column = kind == "grid" and not header and ncols > 1
    look = '<w:tblLook w:val="0620" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
    if not header:
        look = (f'<w:tblLook w:val="{"0680" if label_column else "0600"}" w:firstRow="0" w:lastRow="0" '
                f'w:firstColumn="{1 if label_column else 0}" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>')
    style = {"grid": "DocgenTable", "plain": "PlainTable", "reference": "ReferenceTable"}[kind]
    rule = footer and kind == "plain"
    out = [
        "<w:tbl><w:tblPr>",
        f'<w:tblStyle w:val="{style}"/>',
        f'<w:tblW w:w="{width}" w:type="dxa"/>',
        # A footer's sender table: a hairline and some room between it and the page's text
        # (the children of w:tblPr keep the schema's order: borders, layout, cell margins).
        '<w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/></w:tblBorders>' if rule else "",
        '<w:tblLayout w:type="fixed"/>',
        '<w:tblCellMar><w:top w:w="85" w:type="dxa"/><w:left w:w="0" w:type="dxa"/><w:right w:w="113" w:type="dxa"/></w:tblCellMar>'
        if rule else "",
        look,
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>",
    ]
    height = ""
    if "height" in options:
        height = f'<w:trHeight w:val="{_mm(options["height"])}" w:hRule="exact"/>'
    elif "min" in options:
        height = f'<w:trHeight w:val="{_mm(options["min"])}" w:hRule="atLeast"/>'

    for i, row in enumerate(rows):
        row = row + [""] * (ncols - len(row))
        # Rows never break across pages; the header row repeats on each page and stays with the
        # first row under it. A label/value table (no header row) is kept whole on one page, so
        # a measure's details never leave one row stranded; a list table breaks between rows.
        heading_row = header and i == 0
        trpr = f"<w:trPr><w:cantSplit/>{height}{'<w:tblHeader/>' if heading_row else ''}</w:trPr>"
        keep = heading_row or (not header and i < len(rows) - 1) or ("keep" in options and i < len(rows) - 1)
        cells = []
        for n, (text, w) in enumerate(zip(row, widths)):
            # The label column's style makes its cells header cells (TH) in the tagged PDF.
            cell_style = "TableHeading" if label_column and n == 0 else "ReferenceLabel" if kind == "reference" and heading_row else None
            paras = "".join(
                paragraph(_styled(part)[1], _styled(part)[0] or cell_style, keep_next=keep) for part in text.split("{P}")
            )
            cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{paras}</w:tc>')
        out.append(f"<w:tr>{trpr}{''.join(cells)}</w:tr>")
    out.append("</w:tbl>")
    if spacer:
        # Word joins two adjacent tables, and needs a paragraph after a table that ends a part.
        out.append('<w:p><w:pPr><w:pStyle w:val="Spacer"/></w:pPr></w:p>')
    return "".join(out)


def _styled(text: str) -> tuple[str | None, str]:
    """A cell's paragraph (cells split into paragraphs at `{P}`) may name its style: `{.Sender} …`."""
    m = _STYLED.match(text)
    if not m:
        return None, text
    if m.group(1) not in PARAGRAPH_STYLES:
        raise ValueError(f"unknown paragraph style {{.{m.group(1)}}}; use one of {', '.join(PARAGRAPH_STYLES)}")
    return m.group(1), m.group(2)


# ---------------------------------------------------------------- parts


def sect_pr(src: Source, orientation: str, first: bool) -> str:
    """A section's page: the first section may have its own first page (letterhead); landscape
    sections have their own header and footer, whose right tab stop fits the wider text."""
    wide = orientation == "landscape"
    n = 3 if wide else 1
    refs = f'<w:headerReference w:type="default" r:id="rIdHeader{n}"/>'
    if first and src.first_page:
        refs += '<w:headerReference w:type="first" r:id="rIdHeader2"/>'
    refs += f'<w:footerReference w:type="default" r:id="rIdFooter{n}"/>'
    if first and src.first_page:
        refs += '<w:footerReference w:type="first" r:id="rIdFooter2"/>'
    size = (f'<w:pgSz w:w="{PAGE_H}" w:h="{PAGE_W}" w:orient="landscape"/>' if wide
            else f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>')
    title_pg = "<w:titlePg/>" if first and src.first_page else ""
    return (
        f"<w:sectPr>{refs}"
        + ('<w:type w:val="nextPage"/>' if not first else "")
        + size
        + f'<w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" w:left="{MARGIN}" '
        'w:header="567" w:footer="567" w:gutter="0"/>'
        f"{title_pg}</w:sectPr>"
    )


def document_xml(src: Source) -> str:
    count = 0

    def close_section(orientation: str) -> str:
        nonlocal count
        count += 1
        return f'<w:p><w:pPr><w:pStyle w:val="Spacer"/>{sect_pr(src, orientation, count == 1)}</w:pPr></w:p>'

    body = blocks_xml(src.blocks, close_section)
    last = "portrait"
    for block in src.blocks:
        if block[0] in ("{SECTION landscape}", "{SECTION portrait}"):
            last = block[0].split()[1].rstrip("}")
    sect = sect_pr(src, last, count == 0)
    return f'{XML_HEAD}<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body}{sect}</w:body></w:document>'


def header_footer_xml(tag: str, blocks: list[list[str]], style: str, width: int = TEXT_W) -> str:
    """A header or footer part; one-line blocks without markup take the part's style."""
    out: list[str] = []
    for i, block in enumerate(blocks):
        if is_table(block):
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            out.append(table(block, spacer=following is None or is_table(following) or is_tag(following), width=width,
                             footer=tag == "ftr"))
        elif len(block) == 1 and not is_tag(block) and not _STYLED.match(block[0]) and not block[0].startswith(("#", "- ", "> ")):
            out.append(paragraph(block[0], style))
        else:
            out.append(block_xml(block))
    paras = "".join(out) or f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr></w:p>'
    if width != TEXT_W:
        # The style's right tab stop is at the portrait text width; move it to this page's.
        tabs = f'<w:tabs><w:tab w:val="clear" w:pos="{TEXT_W}"/><w:tab w:val="right" w:pos="{width}"/></w:tabs>'
        paras = paras.replace(f'<w:pStyle w:val="{style}"/></w:pPr>', f'<w:pStyle w:val="{style}"/>{tabs}</w:pPr>')
    return f'{XML_HEAD}<w:{tag} xmlns:w="{W}" xmlns:r="{R}">{paras}</w:{tag}>'


def styles_xml(lang_tag: str) -> str:
    def pstyle(sid: str, name: str, ppr: str = "", rpr: str = "", extra: str = "") -> str:
        return (
            f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="Normal"/><w:next w:val="Normal"/>{extra}<w:qFormat/>'
            f"<w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"
        )

    color = f'<w:color w:val="{ACCENT}"/>'
    cell_borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="8EA9DB"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    return (
        f'{XML_HEAD}<w:styles xmlns:w="{W}">'
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
        '<w:sz w:val="21"/><w:szCs w:val="21"/>'
        f'<w:lang w:val="{lang_tag}" w:eastAsia="{lang_tag}" w:bidi="ar-SA"/>'
        "</w:rPr></w:rPrDefault>"
        # Widow and orphan control: a paragraph never leaves one line alone at the foot or head of a page.
        '<w:pPrDefault><w:pPr><w:widowControl/><w:spacing w:after="120" w:line="264" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
        "</w:docDefaults>"
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>'
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>'
        # The title is the document's first heading (outline level 1), so Word's navigation pane, PDF
        # bookmarks and screen readers find it; the section headings sit one level below it.
        + pstyle("Title", "Title", '<w:keepNext/><w:spacing w:before="280" w:after="160"/><w:outlineLvl w:val="0"/>', f'<w:b/><w:bCs/>{color}<w:sz w:val="32"/><w:szCs w:val="32"/>')
        + pstyle(
            "Heading1", "heading 1",
            f'<w:keepNext/><w:keepLines/><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="{ACCENT}"/></w:pBdr>'
            '<w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="1"/>',
            f'<w:b/><w:bCs/>{color}<w:sz w:val="28"/><w:szCs w:val="28"/>',
        )
        + pstyle(
            "Heading2", "heading 2",
            '<w:keepNext/><w:keepLines/><w:spacing w:before="240" w:after="80"/><w:outlineLvl w:val="2"/>',
            f'<w:b/><w:bCs/>{color}<w:sz w:val="24"/><w:szCs w:val="24"/>',
        )
        + pstyle(
            "Heading3", "heading 3",
            '<w:keepNext/><w:keepLines/><w:spacing w:before="200" w:after="60"/><w:outlineLvl w:val="3"/>',
            "<w:b/><w:bCs/><w:i/><w:iCs/>",
        )
        + pstyle("ListBullet", "List Bullet", '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr><w:spacing w:after="60"/>')
        + pstyle(
            "Notice", "Notice",
            # Borders in the fill colour give the text room inside the shaded box (padding);
            # the children of w:pBdr keep the schema's order (top, left, bottom, right, between).
            '<w:pBdr><w:top w:val="single" w:sz="4" w:space="4" w:color="EEF2F8"/>'
            '<w:left w:val="single" w:sz="4" w:space="6" w:color="8EA9DB"/>'
            '<w:bottom w:val="single" w:sz="4" w:space="4" w:color="EEF2F8"/>'
            '<w:right w:val="single" w:sz="4" w:space="6" w:color="EEF2F8"/>'
            '<w:between w:val="nil"/></w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="EEF2F8"/>'
            '<w:ind w:left="170" w:right="170"/>',
            '<w:sz w:val="19"/><w:szCs w:val="19"/>',
        )
        # "Table Heading" is LibreOffice's own style name: its tagged PDF makes such cells TH. The
        # letter styles' names are chosen not to be LibreOffice's own (its "Sender" and "Signature"
        # would replace ours when it opens the file).
        + pstyle("TableHeading", "Table Heading", "", "<w:b/><w:bCs/>")
        + pstyle("ReferenceLabel", "Reference Label", '<w:spacing w:after="0"/>',
                 '<w:color w:val="595959"/><w:sz w:val="15"/><w:szCs w:val="15"/>')
        + pstyle("Letterhead", "Docgen Letterhead", '<w:spacing w:after="40"/>',
                 f'<w:b/><w:bCs/>{color}<w:sz w:val="28"/><w:szCs w:val="28"/>')
        # A tab stop lines up "Dato:<tab>value" pairs; each pair stays one paragraph for screen readers.
        + pstyle("Sender", "Letter Sender", '<w:tabs><w:tab w:val="left" w:pos="1134"/></w:tabs><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
                 '<w:color w:val="404040"/><w:sz w:val="16"/><w:szCs w:val="16"/>')
        # The recipient's name and address: one block, as it shows in the envelope's window.
        + pstyle("Recipient", "Letter Recipient", '<w:keepNext/><w:keepLines/><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>')
        + pstyle("Subject", "Letter Subject", '<w:keepNext/><w:spacing w:before="240" w:after="120"/>', "<w:b/><w:bCs/>")
        # The closing stays together with the signatory; Signature leaves room above the name to sign.
        + pstyle("Closing", "Letter Closing", '<w:keepNext/><w:keepLines/><w:spacing w:before="240" w:after="0"/>')
        + pstyle("Signature", "Letter Signature", '<w:keepNext/><w:keepLines/><w:spacing w:before="720" w:after="0"/>')
        + pstyle("Small", "Docgen Small", '<w:spacing w:after="60"/>', '<w:sz w:val="17"/><w:szCs w:val="17"/>')
        + pstyle("Spacer", "Spacer", '<w:spacing w:after="0" w:line="120" w:lineRule="exact"/>', '<w:sz w:val="8"/>')
        + pstyle(
            "Header", "header",
            f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_W}"/></w:tabs><w:spacing w:after="0"/>',
            '<w:color w:val="595959"/><w:sz w:val="16"/><w:szCs w:val="16"/>',
        )
        + pstyle(
            "Footer", "footer",
            f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_W}"/></w:tabs><w:spacing w:after="0"/>',
            '<w:color w:val="595959"/><w:sz w:val="16"/><w:szCs w:val="16"/>',
        )
        + '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
        '<w:style w:type="table" w:styleId="DocgenTable"><w:name w:val="Docgen Table"/><w:basedOn w:val="TableNormal"/>'
        '<w:pPr><w:spacing w:before="40" w:after="40"/></w:pPr>'
        f"<w:tblPr><w:tblBorders>{cell_borders}</w:tblBorders>"
        '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
        '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/></w:tcPr></w:tblStylePr>'
        '<w:tblStylePr w:type="firstCol"><w:rPr><w:b/><w:bCs/></w:rPr>'
        '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="F2F5FA"/></w:tcPr></w:tblStylePr>'
        "</w:style>"
        # Layout tables (letterhead, sender details): no borders, no cell padding at the edges.
        '<w:style w:type="table" w:styleId="PlainTable"><w:name w:val="Docgen Plain Table"/><w:basedOn w:val="TableNormal"/>'
        '<w:pPr><w:spacing w:after="0"/></w:pPr>'
        '<w:tblPr><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="113" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        "</w:style>"
        # The letter's reference line: labels over values, a hairline above and below.
        '<w:style w:type="table" w:styleId="ReferenceTable"><w:name w:val="Docgen Reference Line"/><w:basedOn w:val="TableNormal"/>'
        '<w:pPr><w:spacing w:after="0"/></w:pPr>'
        '<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/>'
        '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/></w:tblBorders>'
        '<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="0" w:type="dxa"/>'
        '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="113" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        "</w:style></w:styles>"
    )


def numbering_xml() -> str:
    return (
        f'{XML_HEAD}<w:numbering xmlns:w="{W}">'
        '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="360" w:hanging="360"/></w:pPr></w:lvl>'
        "</w:abstractNum>"
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    )


def settings_xml(lang_tag: str) -> str:
    return (
        f'{XML_HEAD}<w:settings xmlns:w="{W}">'
        '<w:defaultTabStop w:val="708"/><w:characterSpacingControl w:val="doNotCompress"/>'
        '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
        f'<w:themeFontLang w:val="{lang_tag}"/>'
        "</w:settings>"
    )


def core_xml(src: Source, lang_tag: str) -> str:
    p = src.props
    return (
        f"{XML_HEAD}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(p.get('title', ''))}</dc:title>"
        f"<dc:subject>{escape(p.get('subject', ''))}</dc:subject>"
        f"<dc:creator>{escape(p.get('author', ''))}</dc:creator>"
        f"<cp:keywords>{escape(p.get('keywords', ''))}</cp:keywords>"
        f"<dc:description>{escape(p.get('comments', ''))}</dc:description>"
        f"<dc:language>{lang_tag}</dc:language>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    )


def custom_xml(name: str, version: str) -> str:
    """The version stamp (docgen.versions): Word keeps custom properties when a school edits its copy."""
    fmtid = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
    props = "".join(
        f'<property fmtid="{fmtid}" pid="{pid}" name="{key}"><vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
        for pid, (key, value) in enumerate((("docgen.template", name), ("docgen.version", version)), start=2)
    )
    return (
        f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{props}</Properties>'
    )


def version_of(source_text: str) -> str:
    """A short hash of the template's source: changes whenever its wording or layout does."""
    import hashlib

    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()[:12]


def font_table_xml() -> str:
    """The one font the styles name. Word writes this part itself; strict OOXML checkers
    (openxml-audit, as the Open XML SDK) require the relationship to it."""
    return (
        f'{XML_HEAD}<w:fonts xmlns:w="{W}"><w:font w:name="{FONT}"><w:panose1 w:val="020B0604020202020204"/>'
        '<w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font></w:fonts>'
    )


@functools.cache
def theme_xml() -> str:
    """Word's default theme, from python-docx's own default.docx, with the document's font as the
    theme fonts. Strict checkers require a theme part; docgen's styles name their font outright,
    so the theme changes nothing on the page. Not written by hand: a theme is 11 kB of
    DrawingML that Word and LibreOffice already agree on."""
    import docx

    with zipfile.ZipFile(Path(docx.__file__).parent / "templates" / "default.docx") as zf:
        xml = zf.read("word/theme/theme1.xml").decode("utf-8")
    themed, found = re.subn(r'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*', rf"\g<1>{FONT}", xml)
    assert found == 2, "python-docx's theme changed shape"
    return themed


def app_xml() -> str:
    return (
        f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>docgen</Application><DocSecurity>0</DocSecurity></Properties>"
    )


CONTENT_TYPES = (
    f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    '<Default Extension="jpeg" ContentType="image/jpeg"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
    '<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>'
    '<Override PartName="/word/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
    '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    "{EXTRA}"
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
    "</Types>"
)

ROOT_RELS = (
    f'{XML_HEAD}<Relationships xmlns="{PKG_R}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>'
    "</Relationships>"
)

DOCUMENT_RELS = (
    f'{XML_HEAD}<Relationships xmlns="{PKG_R}">'
    f'<Relationship Id="rIdStyles" Type="{R}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rIdSettings" Type="{R}/settings" Target="settings.xml"/>'
    f'<Relationship Id="rIdNumbering" Type="{R}/numbering" Target="numbering.xml"/>'
    f'<Relationship Id="rIdFontTable" Type="{R}/fontTable" Target="fontTable.xml"/>'
    f'<Relationship Id="rIdTheme" Type="{R}/theme" Target="theme/theme1.xml"/>'
    f'<Relationship Id="rIdHeader1" Type="{R}/header" Target="header1.xml"/>'
    f'<Relationship Id="rIdFooter1" Type="{R}/footer" Target="footer1.xml"/>'
    "{EXTRA}</Relationships>"
)


def extra_parts(src: Source) -> list[tuple[str, str]]:
    """(part, kind) of the headers and footers beyond the default pair: the first page's, the landscape pages'."""
    out = []
    if src.first_page:
        out += [("header2", "header"), ("footer2", "footer")]
    if src.landscape:
        out += [("header3", "header"), ("footer3", "footer")]
    return out


def parts(source_text: str, lang: str, name: str = "custom") -> dict[str, bytes]:
    """Every part of the .docx, in the order they are written; `name` is the document type."""
    src = parse(source_text)
    tag = LANG_TAGS[lang]
    extra = extra_parts(src)
    types = "".join(
        f'<Override PartName="/word/{name}.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"/>'
        for name, kind in extra
    )
    rels = "".join(
        f'<Relationship Id="rId{kind.capitalize()}{name[-1]}" Type="{R}/{kind}" Target="{name}.xml"/>' for name, kind in extra
    )
    text = {
        "[Content_Types].xml": CONTENT_TYPES.replace("{EXTRA}", types),
        "_rels/.rels": ROOT_RELS,
        "docProps/core.xml": core_xml(src, tag),
        "docProps/app.xml": app_xml(),
        "docProps/custom.xml": custom_xml(f"{lang}/{name}", version_of(source_text)),
        "word/document.xml": document_xml(src),
        "word/_rels/document.xml.rels": DOCUMENT_RELS.replace("{EXTRA}", rels),
        "word/styles.xml": styles_xml(tag),
        "word/settings.xml": settings_xml(tag),
        "word/numbering.xml": numbering_xml(),
        "word/fontTable.xml": font_table_xml(),
        "word/theme/theme1.xml": theme_xml(),
        "word/header1.xml": header_footer_xml("hdr", src.parts["header"], "Header"),
        "word/footer1.xml": header_footer_xml("ftr", src.parts["footer"], "Footer"),
    }
    if src.first_page:
        text["word/header2.xml"] = header_footer_xml("hdr", src.parts["first-header"], "Header")
        text["word/footer2.xml"] = header_footer_xml("ftr", src.parts["first-footer"], "Footer")
    if src.landscape:
        text["word/header3.xml"] = header_footer_xml("hdr", src.parts["header"], "Header", WIDE_TEXT_W)
        text["word/footer3.xml"] = header_footer_xml("ftr", src.parts["footer"], "Footer", WIDE_TEXT_W)
    return {name: value.encode("utf-8") for name, value in text.items()}


def build(source: Path) -> bytes:
    import io

    lang = source.parent.name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts(source.read_text(encoding="utf-8"), lang, source.stem).items():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def sources(root: Path = TEMPLATES) -> list[Path]:
    return sorted(p for p in root.glob("*/*.md") if p.parent.name in LANG_TAGS)


def record_history(source: Path, data: bytes) -> None:
    """Keep this version's paragraphs in templates/history/<lang>/<type>.json, so `docgen templates
    diff` can show a school what changed since the version its copy came from."""
    import json

    from docgen.versions import paragraphs

    path = TEMPLATES / "history" / source.parent.name / f"{source.stem}.json"
    history = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    version = version_of(source.read_text(encoding="utf-8"))
    if version in history:
        return
    history[version] = paragraphs(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(history, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """Build every template; with --release, also record each version in the history that
    `docgen templates diff` reads (do it for the versions that are committed)."""
    for source in sources():
        target = source.with_suffix(".docx")
        data = build(source)
        target.write_bytes(data)
        if "--release" in argv:
            record_history(source, data)
        print(f"built {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
