"""Writing the .docx: each part rendered and mended, the core properties, the zip.

The output is deterministic: the same record and template give a
byte-identical file (fixed zip timestamps; the properties' dates come from
`document_date`), which archives and caches rely on.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import unescape as _unescape

import jinja2

from ..languages import language
from .docxtpl_bridge import fix_tables
from .locations import PARAGRAPH, template_error
from .package import check_output, well_formed
from .sandbox import render_chunks
from .structure import values_are_text

if TYPE_CHECKING:
    from .compiler import PreparedTemplate
    from .logo import Logo

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CORE_TAGS = {"title": "dc:title", "subject": "dc:subject", "creator": "dc:creator",
             "keywords": "cp:keywords", "description": "dc:description"}

_ENTITIES = {"&#34;": '"', "&#39;": "'", "&quot;": '"', "&apos;": "'"}  # markupsafe's, and XML's own
_SPACES = re.compile("[ \t\r\n\a]+")  # not the no-break spaces in "§ 12-4"
_RUN = re.compile(r"<w:r(?: [^>]*)?>.*?</w:r>", re.DOTALL)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>.*?</w:t>", re.DOTALL)
_LISTING_CHARS = re.compile("[\\t\\a\\n\\f]")


def write(template: PreparedTemplate, ctx: dict[str, Any], logo: Logo | None = None,
          compresslevel: int = 6, properties: Mapping[str, str] | None = None) -> bytes:
    """One document: every part rendered in the sandbox, then the package zipped."""
    if logo is not None:
        school, letters = ctx.get("school"), ctx.get("letters")
        name = str(school.get("name", "")) if isinstance(school, dict) else ""
        decorative = bool(letters.get("logo_decorative")) if isinstance(letters, dict) else False
        ctx = {**ctx, "logo": logo.markup(name, decorative)}
    out: dict[str, bytes] = {}
    proven: dict[str, tuple[bytes, bool]] = {}  # parts known well-formed -> (their bytes, may link)
    for index, (name, part) in enumerate(template.parts.items()):
        chunks = run(part.template, ctx, template.name, name, part.source)
        # A proven part is well-formed when all it printed is plain text (structure.py): values only
        # are checked, not the whole body; the listing's changes are checked paragraph by paragraph.
        checked = part.proven and values_are_text([c for c in chunks if c.__class__ is not str])
        if checked and part.unsplit is not None:  # the split undone in the template's own pieces of text
            xml = "".join(map(part.unsplit.get, map(id, chunks), chunks))
        else:  # undo the split made before Jinja
            xml = "".join(chunks).replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        changed: list[tuple[str, str]] | None = [] if checked else None
        xml = resolve_listing(xml, changed)
        if part.fix_tables:
            xml = fix_tables(xml)
        if "docPr" in xml:
            xml = _renumber_docpr(xml, 1001 + 100_000 * index)  # digits for digits in an id: still well-formed
        out[name] = data = (XML_HEAD + xml).encode("utf-8")
        if (checked and "\a" not in xml and "\f" not in xml
                and all(_balanced(_LISTING_CHARS.sub(" ", old)) and _balanced(new) for old, new in changed or ())):
            proven[name] = (data, part.may_link)
    out["docProps/core.xml"] = _core(properties if properties is not None else properties_of(template, ctx), ctx)
    if logo is not None:
        out.update(logo.parts(template.raw, out))
    # Never a corrupt document with exit 0: each part made here must parse (expat), unless proven so.
    check_output(out, template.raw, template.name, proven)
    return _zip(template, out, compresslevel)


def _balanced(fragment: str) -> bool:
    """Whether `fragment` is element content on its own (balanced tags, nothing else amiss)."""
    return well_formed(f"<r>{fragment}</r>".encode()) is None


def run(template: jinja2.Template, ctx: dict[str, Any], name: str, part: str, source: str) -> list[str]:
    """Render one part (in the pieces sandbox.render_chunks gives), turning any failure into a
    TemplateError that says where."""
    try:
        return render_chunks(template, ctx)
    except Exception as exc:
        raise template_error(exc, name, part, source) from None


def resolve_listing(xml: str, changed: list[tuple[str, str]] | None = None) -> str:
    """Tabs, line breaks, paragraph and page breaks inside rendered text become Word structure.

    The same transformation as docxtpl's `DocxTemplate.resolve_listing` (a
    test checks they agree), kept here because importing docxtpl loads
    python-docx (~90 ms), which a one-shot `docgen render` of a cached
    template would otherwise pay. It also skips the many paragraphs that have
    nothing to resolve. `changed`, if given, gets each paragraph changed, before and after (or a
    pair that is not XML when the whole part went through the regex).
    """
    positions = _listing_positions(xml)
    if not positions:
        return xml
    if "txbxContent" in xml:  # paragraphs inside text boxes nest: docxtpl's way, paragraph by paragraph
        if changed is not None:
            changed.append(("<", "<"))
        return PARAGRAPH.sub(lambda m: _resolve_paragraph(m.group(0)), xml)
    # Without nesting, the paragraph around a character is the last "<w:p>" or "<w:p …>" before it up
    # to the first "</w:p>" after: only those few paragraphs are visited, not every one (the
    # regex over all paragraphs cost a quarter of a large document's render).
    out: list[str] = []
    done = 0
    for at in positions:
        if at < done:
            continue  # in a paragraph already resolved
        start = _paragraph_start(xml, done, at)
        end = xml.find("</w:p>", at)
        if start < 0 or end < 0 or xml.find("</w:p>", start, at) >= 0:
            continue  # outside any paragraph: left as it is, as docxtpl does
        end += len("</w:p>")
        before = xml[start:end]
        after = _resolve_paragraph(before)
        if changed is not None and after != before:
            changed.append((before, after))
        out += (xml[done:start], after)
        done = end
    out.append(xml[done:])
    return "".join(out)


def _paragraph_start(xml: str, done: int, at: int) -> int:
    """The last "<w:p>" or "<w:p " that starts in xml[done:at] (and ends before `at`), or -1: the
    nearest "<w:p" first, so the search stays short (two rfinds back to `done` cost a full scan
    of a large body for each tab or break)."""
    end = at
    while True:
        start = xml.rfind("<w:p", done, end)
        if start < 0 or (start + 4 < at and xml[start + 4] in "> "):
            return start
        end = start + 3  # "<w:p" can not start again before it ends


def _listing_positions(xml: str) -> list[int]:
    """Where the tabs and breaks are, in order: str.find runs at memchr speed, several times
    faster than a regex character class over a large body."""
    found = []
    for char in "\t\a\n\f":
        at = xml.find(char)
        while at >= 0:
            found.append(at)
            at = xml.find(char, at + 1)
    return sorted(found)


def _resolve_paragraph(text: str) -> str:
    if not _LISTING_CHARS.search(text):
        return text
    found = re.search(r"<w:pPr>.*?</w:pPr>", text)
    ppr = found.group(0) if found else ""
    return _RUN.sub(lambda r: _resolve_run(ppr, r.group(0)), text)


def _resolve_run(ppr: str, run: str) -> str:
    if not _LISTING_CHARS.search(run):
        return run  # nothing to resolve in this run
    found = re.search(r"<w:rPr>.*?</w:rPr>", run)
    rpr = found.group(0) if found else ""

    def text(m: re.Match[str]) -> str:
        xml = m.group(0).replace(
            "\t", f'</w:t></w:r><w:r>{rpr}<w:tab/></w:r><w:r>{rpr}<w:t xml:space="preserve">'
        )
        xml = xml.replace("\a", f'</w:t></w:r></w:p><w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">')
        xml = xml.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
        return xml.replace(
            "\f",
            '</w:t></w:r></w:p><w:p><w:r><w:br w:type="page"/></w:r></w:p>'
            f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">',
        )

    return _TEXT.sub(text, run)


def _renumber_docpr(xml: str, start: int) -> str:
    """Loops copy pictures; Word refuses a file whose drawing ids repeat (in any part: each part
    numbers from its own start)."""
    counter = iter(range(start, start + 100_000))
    return re.sub(r'(<wp:docPr\b[^>]*?\bid=")\d+', lambda m: f"{m.group(1)}{next(counter)}", xml)


def properties_of(template: PreparedTemplate, ctx: dict[str, Any]) -> dict[str, str]:
    """The template's document properties rendered, each as one line of plain text (Jinja escaped
    the values for XML; _core escapes them again when it writes them)."""
    values = {}
    for prop, compiled in template.core.items():
        text = "".join(run(compiled, ctx, template.name, f"docProps/core.xml:{prop}", ""))
        values[prop] = _unescape(_SPACES.sub(" ", text).strip(" "), _ENTITIES)
    return values


def _core(values: Mapping[str, str], ctx: dict[str, Any]) -> bytes:
    """docProps/core.xml: the properties (XML-escaped here), dates from the document's date."""
    stamp = f"{ctx.get('document_date', dt.date(2000, 1, 1)).isoformat()}T00:00:00Z"
    lang = language(ctx["lang"]).tag
    body = "".join(f"<{tag}>{_escape(values[p])}</{tag}>" for p, tag in CORE_TAGS.items() if values.get(p))
    return (
        f"{XML_HEAD}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{body}<cp:lastModifiedBy>docgen</cp:lastModifiedBy><dc:language>{lang}</dc:language>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def _zip(template: PreparedTemplate, replaced: dict[str, bytes], compresslevel: int) -> bytes:
    """The package, written by hand rather than with zipfile: the parts no render changes (styles,
    numbering, settings, images …) are compressed once per template and copied in as they are,
    which zipfile cannot do; that saves about a third of the zip time per document. The layout
    is the one zipfile writes (no data descriptors, fixed timestamps, Unix 0644)."""
    static = template.zipped.get(compresslevel)
    if static is None:
        static = template.zipped[compresslevel] = {
            m.filename: _deflate(template.raw.get(m.filename, b""), compresslevel) for m in template.members
        }
    names = [m.filename for m in template.members]
    names += [name for name in replaced if name not in static]
    body, central = bytearray(), bytearray()
    for name in names:
        entry = _deflate(replaced[name], compresslevel) if name in replaced else static[name]
        _add(body, central, name, entry)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(names), len(names), len(central), len(body), 0)
    return bytes(body + central + end)


# (crc32, uncompressed size, raw deflate data) of one member
Entry = tuple[int, int, bytes]
_DOS_DATE, _DOS_TIME = (ZIP_DATE[0] - 1980) << 9 | ZIP_DATE[1] << 5 | ZIP_DATE[2], 0


def _deflate(data: bytes, level: int) -> Entry:
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return zlib.crc32(data), len(data), packer.compress(data) + packer.flush()


def _add(body: bytearray, central: bytearray, name: str, entry: Entry) -> None:
    crc, size, data = entry
    encoded = name.encode("utf-8")
    flags = 0x800 if not name.isascii() else 0  # bit 11: the name is UTF-8
    offset = len(body)
    body += struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE,
                        crc, len(data), size, len(encoded), 0)
    body += encoded
    body += data
    central += struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME,
                           _DOS_DATE, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0o644 << 16, offset)
    central += encoded
