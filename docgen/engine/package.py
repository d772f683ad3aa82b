"""The .docx package (the zip around the XML): read from a template and cleaned, checked again on the way out.

A school's template is untrusted. On the way in:

- entry names must be plain relative part names: no absolute paths, no `..`,
  no backslashes, no control characters, no name twice (OPC compares names
  without case), so nothing odd is copied into every document;
- `[Content_Types].xml` and the package relationships (`_rels/.rels`) must be
  there, or Word and LibreOffice call the output corrupt;
- only parts reachable through the relationships from the package root are
  kept; anything else (junk, leftovers, 10,000 padding entries) is dropped,
  with a warning from `docgen templates check`;
- every XML part is decoded as its byte-order mark or declaration says (UTF-8
  or UTF-16, the two OOXML allows; anything else is refused) *before* looking
  for a DOCTYPE, so a UTF-16 part cannot hide one; UTF-16 parts are stored as
  UTF-8 from then on; each XML part must parse (expat, no DTD, no entities);
- relationships to something outside the package (TargetMode="External") are
  refused, except hyperlinks: a school's web address in a letter is legitimate,
  and a link is only followed when a reader clicks it. An external image,
  OLE object, subdocument, frame or font is fetched (or a local file read) by
  LibreOffice when it converts the document to PDF, and by Word when it opens
  it: a server-side request forgery from a template. LibreOffice has no
  command-line switch that turns its networking off, so this refusal is the
  protection. The one external relationship Word writes by itself, the
  `attachedTemplate` of a document made from a .dotx, is dropped (with its
  reference in settings.xml) and reported as a warning instead, so an ordinary
  school document is not refused;
- for the same reason, fields that fetch or embed something from outside the
  file (INCLUDEPICTURE, INCLUDETEXT, INCLUDE, LINK, IMPORT, DDE, DDEAUTO,
  DATABASE), in `w:fldSimple w:instr` or in the `w:instrText` of a complex
  field (however it is split across runs, or nested), and VML pictures and
  shapes whose `o:href`, `r:href` or `src` points outside the package are
  refused. Hyperlinks (HYPERLINK) and ordinary fields (PAGE, NUMPAGES, DATE, …)
  are kept.

On the way out (`check_output`), every part that rendering made must parse as
XML, the package must still have its content types and relationships, and the
rendered parts are checked again for fetching fields and links, since a
template could build an instruction from record values
(`<w:instrText>{{ kind }} "{{ url }}"</w:instrText>`); a document that fails
is a TemplateError and never written. That check costs a substring search per
part unless the part has a field instruction or a `href`/`src` attribute at all.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote
from xml.parsers import expat

from ..errors import TemplateError
from .locations import RENDERED_PART, part_location

MAX_TEMPLATE_BYTES = 50 * 1024 * 1024  # uncompressed, all parts together
MAX_PART_BYTES = 20 * 1024 * 1024
CONTENT_TYPES = "[Content_Types].xml"
PACKAGE_RELS = "_rels/.rels"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word's encrypted .docx, or an old .doc
_DECLARED = re.compile(rb"""\A<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARATION_ENCODING = re.compile(r"""\A(<\?xml[^>]*?\bencoding\s*=\s*["'])[A-Za-z0-9._-]+""")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_BAD_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f\\:*?\"<>|]")
_ATTACHED_TEMPLATE = re.compile(rb"<(?:\w+:)?attachedTemplate\b[^>]*/>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*?/>", re.S)
_XML_TYPE = re.compile(r"[/+]xml$")
_HYPERLINK = "/hyperlink"
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ATTACHED = "/attachedTemplate"
# Field types that make LibreOffice (or Word) fetch, read or embed something from outside the file.
_FETCHING_FIELDS = frozenset({"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "IMPORT", "DDE", "DDEAUTO",
                              "DATABASE"})
# Names a part needs before it can hold a field instruction (instr, instrText, delInstrText) or a
# linked picture (src, o:href, r:href). Names cannot be spelled with character references, so
# finding none of these bytes proves the part has neither: the cheap test on the hot path.
# fldChar too: text printed between a complex field's begin and end is read as its instruction
# by the scan, even in w:t (a value need not hold "instr" to sit there).
LINK_MARKERS = (b"nstr", b"href", b"src", b"fldChar")
# A field instruction's words: a quoted argument, or a run of characters up to a space, quote or
# backslash (a switch), so `INCLUDEPICTURE\d` is still found and a URL is one word.
_WORD = re.compile(r'"([^"]*)"?|([^\s"\\]+)')
_OUTSIDE_VALUE = re.compile(r"[:/\\.%]")  # a URL, a path or a file name; a relationship id ("rId7") has none
_INSTRUCTION_TEXT = frozenset({"instrText", "delInstrText"})


@dataclass
class Package:
    members: list[zipfile.ZipInfo]  # the kept entries, in the template's order
    raw: dict[str, bytes]  # their bytes; XML parts as UTF-8
    warnings: list[str] = field(default_factory=list)


class _Refused(Exception):
    """A DOCTYPE or an entity declaration, met by the parser."""


def read(data: bytes, name: str) -> Package:
    """The template's package, checked and cleaned; TemplateError naming the template if it is not sound."""
    if data[:8] == _OLE:
        raise TemplateError("the file is password-protected or an old .doc; save it as .docx without a password", name)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TemplateError("not a Word document (.docx); it may be damaged, or an old .doc file", name) from None
    _check_names(members, name)
    files = {m.filename: m for m in members if not m.is_dir()}
    if "word/document.xml" not in files:
        raise TemplateError("not a Word document: it has no word/document.xml", name)
    if any(m.flag_bits & 0x1 for m in members):
        raise TemplateError("the file is encrypted; save it without a password", name)
    if sum(m.file_size for m in members) > MAX_TEMPLATE_BYTES:
        raise TemplateError("the file unpacks to more than 50 MB; is it really a letter template?", name)
    for required in (CONTENT_TYPES, PACKAGE_RELS):
        if required not in files:
            raise TemplateError(f"not a Word document: it has no {required}", name)
    try:
        return _Reader(zf, files, name).read()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
        raise TemplateError("the file is damaged (truncated or corrupt zip)", name) from None


def _check_names(members: list[zipfile.ZipInfo], name: str) -> None:
    """Every entry a plain relative part name, each once (OPC names compare without case)."""
    seen: set[str] = set()
    for m in members:
        entry = m.filename
        segments = entry.rstrip("/").split("/")
        if (
            not entry
            or entry.startswith("/")
            or _BAD_NAME_CHARS.search(entry)
            or any(s in ("", ".", "..") for s in segments)
            or len(entry) > 1000
        ):
            shown = _shown(entry)
            raise TemplateError(
                f"the file holds an entry with an unsafe name ({shown}); Word never writes one, "
                "so the file may have been crafted", name)
        key = entry.casefold()
        if key in seen:
            raise TemplateError(
                f"the file holds the entry {_shown(entry)} twice; Word never writes that, "
                "so the file may have been crafted", name)
        seen.add(key)


def _extension(part: str) -> str:
    """'word/media/a.PNG' -> 'png'; '_rels/.rels' -> 'rels' (OPC's extension is after the last dot)."""
    base = part.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].casefold() if "." in base else ""


def _shown(text: str, limit: int = 80) -> str:
    """A name from the file, safe to print: no control characters, not too long."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[:limit] + "…"


class _Reader:
    def __init__(self, zf: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo], name: str) -> None:
        self.zf, self.files, self.name = zf, files, name
        self.by_key = {n.casefold(): n for n in files}
        self.raw: dict[str, bytes] = {}
        self.warnings: list[str] = []

    def read(self) -> Package:
        types = self.xml(CONTENT_TYPES)
        defaults, overrides = _content_types(types, self.name)
        keep = [CONTENT_TYPES]
        queue = [("", PACKAGE_RELS)]
        reached = {CONTENT_TYPES, PACKAGE_RELS}
        while queue:
            source, rels = queue.pop(0)
            keep.append(rels)
            for target in self.relationships(source, rels):
                part = self.by_key.get(target.casefold())
                if part is None or part in reached:
                    continue  # a relationship to a missing part: Word ignores it
                reached.add(part)
                keep.append(part)
                folder, base = posixpath.split(part)
                own = self.by_key.get(posixpath.join(folder, "_rels", base + ".rels").casefold())
                if own is not None and own not in reached:
                    reached.add(own)
                    queue.append((part, own))
        for part in keep[1:]:  # [Content_Types].xml has none itself
            kind = overrides.get("/" + part.casefold()) or defaults.get(_extension(part))
            if kind is None:
                raise TemplateError(f"{part} has no content type in [Content_Types].xml, so Word cannot open "
                                    "the document; save it again in Word", self.name)
            if part not in self.raw:
                if _XML_TYPE.search(kind) or part.endswith((".xml", ".rels")):
                    self.xml(part)
                else:
                    self.raw[part] = self.blob(part)
        dropped = len(self.files) - len(keep)
        if dropped:
            self.warnings.append(
                f"{dropped} files in the template are not part of the document (nothing in it refers to them); "
                "they are left out of every document made from it")
        members = [m for m in self.files.values() if m.filename in reached]
        return Package(members, {m.filename: self.raw[m.filename] for m in members}, self.warnings)

    def blob(self, part: str) -> bytes:
        data = self.zf.read(self.files[part])
        if len(data) > MAX_PART_BYTES and RENDERED_PART.match(part):
            raise TemplateError(f"the part {part} is larger than 20 MB", self.name)
        return data

    def xml(self, part: str) -> bytes:
        """An XML part as UTF-8, refused if it declares a DOCTYPE (in any encoding) or does not parse."""
        if part not in self.raw:
            data = utf8(self.blob(part), part, self.name)
            if well_formed(data):
                raise TemplateError(f"{part} is not well-formed XML", self.name, part_location(part))
            _refuse_fetching(data, part, self.name, rendered=False)
            self.raw[part] = data
        return self.raw[part]

    def relationships(self, source: str, rels: str) -> list[str]:
        """The parts `rels` points to; external targets refused, except hyperlinks (and attachedTemplate, dropped)."""
        data = self.xml(rels)
        targets, drop = [], []
        for attrs in _elements(data, "Relationship"):
            kind, target = attrs.get("Type", ""), attrs.get("Target", "")
            if attrs.get("TargetMode") == "External":
                if kind.endswith(_HYPERLINK):
                    continue
                if kind.endswith(_ATTACHED) and source:
                    drop.append(attrs.get("Id", ""))
                    continue
                raise TemplateError(
                    f"the document links to something outside the file ({kind.rsplit('/', 1)[-1]}: "
                    f"{_shown(target)}), which would be fetched when it is opened or converted to PDF; "
                    "insert it into the document instead (only hyperlinks may point outside)",
                    self.name, part_location(source) if source else None)
            if kind.endswith(_HYPERLINK):
                continue  # a bookmark in the document itself
            path = unquote(target.split("#", 1)[0])
            if not path:
                continue
            folder = "" if path.startswith("/") else posixpath.dirname(source)
            resolved = posixpath.normpath(posixpath.join(folder, path.lstrip("/")))
            if _URI.match(path) or path.startswith("//") or "\\" in path or resolved.startswith("../"):
                # An "internal" target that is a URL or climbs out of the package: a reader may
                # resolve it against the file's own location and fetch it. Word never writes one.
                raise TemplateError(
                    f"the document links to something outside the file ({kind.rsplit('/', 1)[-1]}: "
                    f"{_shown(target)}), which would be fetched when it is opened or converted to PDF; "
                    "insert it into the document instead (only hyperlinks may point outside)",
                    self.name, part_location(source) if source else None)
            targets.append(resolved)
        if drop:
            self.drop_attached_template(source, rels, drop)
        return targets

    def drop_attached_template(self, source: str, rels: str, ids: list[str]) -> None:
        """The link to the .dotx a document was made from: removed, with its reference in the source part."""
        wanted = {i.encode() for i in ids}

        def unwanted(m: re.Match[bytes]) -> bytes:
            found = re.search(rb'\bId\s*=\s*["\']([^"\']*)["\']', m.group(0))
            return b"" if found and found.group(1) in wanted and b"External" in m.group(0) else m.group(0)

        self.raw[rels] = _RELATIONSHIP.sub(unwanted, self.raw[rels])
        left = [a for a in _elements(self.raw[rels], "Relationship")
                if a.get("TargetMode") == "External" and not a.get("Type", "").endswith(_HYPERLINK)]
        if left:  # written in a way the cleaning does not recognise: refuse rather than guess
            raise TemplateError("the document links to the Word template it was made from in an unusual way; "
                                "save it again in Word", self.name)
        owner = self.by_key.get(source.casefold())
        if owner is not None:
            self.raw[owner] = _ATTACHED_TEMPLATE.sub(b"", self.xml(owner))
        self.warnings.append("the link to the Word template (.dotx) this file was made from is left out of "
                             "every document made from it")


def utf8(blob: bytes, part: str, name: str) -> bytes:
    """An XML part decoded as its byte-order mark or declaration says, checked for a DOCTYPE, as UTF-8."""
    encoding, body = "utf-8", blob
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if blob.startswith(bom):
            encoding, body = codec, blob[len(bom):]
            break
    else:
        if blob[:4] == b"<\0?\0":
            encoding = "utf-16-le"
        elif blob[:4] == b"\0<\0?":
            encoding = "utf-16-be"
        elif blob[:4] in (b"<\0\0\0", b"\0\0\0<"):
            encoding = "utf-32"
        else:
            declared = _DECLARED.match(blob)
            if declared:
                encoding = declared.group(1).decode("ascii").lower()
    if encoding in ("utf8", "utf-8"):
        if _DOCTYPE.search(body):
            raise _doctype(part, name)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise TemplateError(f"{part} is not valid UTF-8 text", name) from None
        return blob
    if encoding not in ("utf-16", "utf-16-le", "utf-16-be"):
        raise TemplateError(f"{part} is written in the character encoding {_shown(encoding, 20)}; "
                            "Word writes UTF-8. Save the file again in Word", name)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        raise TemplateError(f"{part} is not valid UTF-16 text", name) from None
    text = text.lstrip("\ufeff")
    if _DOCTYPE.search(text.encode("utf-8")):
        raise _doctype(part, name)
    return _DECLARATION_ENCODING.sub(r"\1UTF-8", text, count=1).encode("utf-8")


def _doctype(part: str, name: str) -> TemplateError:
    # Anywhere in the part: whitespace or comments may come first. Text in a
    # document is escaped, so only markup can contain this.
    return TemplateError(f"{part} declares a DOCTYPE, which Word never writes; the file may have been crafted", name)


def expat_parser() -> expat.XMLParserType:
    """expat (C, fast), refusing any DTD: no entity is ever declared, let alone expanded."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: object) -> None:
        raise _Refused

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def well_formed(data: bytes) -> str | None:
    """None if `data` is well-formed XML without a DTD, else what is wrong (expat's words and the place)."""
    parser = expat_parser()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        return f"{expat.ErrorString(exc.code)}, line {exc.lineno}, column {exc.offset}"
    except _Refused:
        return "a DOCTYPE"
    return None


def _elements(data: bytes, local: str) -> list[dict[str, str]]:
    """The attributes of every element called `local` (any namespace)."""
    found: list[dict[str, str]] = []
    parser = expat_parser()

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == local or tag.endswith(":" + local):
            found.append(attrs)

    parser.StartElementHandler = start
    parser.Parse(data, True)  # already parsed once: well-formed
    return found


def _content_types(data: bytes, name: str) -> tuple[dict[str, str], dict[str, str]]:
    """[Content_Types].xml: extension -> type, /part/name -> type (both keys without case)."""
    defaults = {a.get("Extension", "").casefold(): a.get("ContentType", "") for a in _elements(data, "Default")}
    overrides = {a.get("PartName", "").casefold(): a.get("ContentType", "") for a in _elements(data, "Override")}
    return defaults, overrides


def fetching(data: bytes) -> str | None:
    """What in a well-formed XML part would make a reader fetch or embed something from outside the
    file — "the field INCLUDEPICTURE", "a picture or shape linked to …" — or None.

    A part with none of the marker names costs three substring searches (~25 µs each for a 40 kB
    body); one with them (a footer with PAGE) is parsed, and small ones are remembered, as a
    footer renders to the same bytes for every record."""
    if not any(marker in data for marker in LINK_MARKERS):
        return None
    if len(data) <= _REMEMBERED_PART:
        return _small_fetching(data)
    return _FieldScan().scan(data)


_REMEMBERED_PART = 16 * 1024


@lru_cache(maxsize=64)
def _small_fetching(data: bytes) -> str | None:
    return _FieldScan().scan(data)


def _refuse_fetching(data: bytes, part: str, name: str, rendered: bool) -> None:
    """A TemplateError naming the template and the part if `part` (of the document itself) fetches."""
    if not part.startswith("word/") or not part.endswith(".xml"):
        return  # relationships are checked as relationships; docProps and customXml are not displayed
    found = fetching(data)
    if found is None:
        return
    if rendered:
        raise TemplateError(
            f"rendering it gives a document with {found}, which would be fetched or embedded from outside "
            "the file when it is opened or converted to PDF; a field may not be built from record values "
            "(only hyperlinks may point outside)", name, part_location(part))
    raise TemplateError(
        f"the document has {found}, which would be fetched or embedded from outside the file when it is "
        "opened or converted to PDF; insert the picture or text into the document instead "
        "(only hyperlinks may point outside)", name, part_location(part))


def _field_kind(instruction: str) -> str | None:
    """The fetching field type among the instruction's words (quoted or not), upper-case, or None.

    Every word, not only the first: Word builds an instruction from the results of fields nested in
    it (`{ {QUOTE "INCLUDEPICTURE"} "http://…" }`), and a false alarm (a tooltip that says "Link")
    costs less than a fetch."""
    for m in _WORD.finditer(instruction):
        word = (m.group(1) if m.group(1) is not None else m.group(2)).strip().upper()
        if word in _FETCHING_FIELDS:
            return word
    return None


class _FieldScan:
    """One pass of expat over a part: every field's whole instruction (fldSimple's attribute; the
    instrText of a complex field from its begin to its separate or end, across runs, with what fields
    nested in it contribute) and every href/src attribute."""

    def __init__(self) -> None:
        self.fields: list[tuple[list[str], list[bool]]] = []  # open complex fields: text, [in instruction]
        self.text: list[str] | None = None  # character data of the instrText (or w:t) being read
        self.instruction = False  # whether that text is an instruction (instrText) or a result (w:t)
        self.found: str | None = None

    def scan(self, data: bytes) -> str | None:
        parser = expat_parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        parser.buffer_text = True
        try:
            parser.Parse(data, True)
        except expat.ExpatError:
            return None  # well_formed reports it
        for text, state in self.fields:  # a field never closed: its instruction as far as it went
            if state[0]:
                self.check("".join(text))
        return self.found

    def check(self, instruction: str) -> None:
        kind = _field_kind(instruction)
        if kind is not None and self.found is None:
            self.found = f"the field {kind}"

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        for attr, value in attrs.items():
            prefix, _, attr_local = attr.rpartition(":")
            if attr_local == "instr":
                self.check(value)
            elif ((attr_local == "src" or (attr_local == "href" and prefix))
                  and _OUTSIDE_VALUE.search(value) and self.found is None):
                # An unprefixed href is a VML shape's hyperlink, followed only when clicked.
                self.found = f"a picture or shape linked to something outside the file ({_shown(attr, 20)})"
        if local == "fldChar":
            kind = next((v for a, v in attrs.items() if a.rpartition(":")[2] == "fldCharType"), "")
            if kind == "begin":
                self.fields.append(([], [True]))
            elif kind in ("separate", "end") and self.fields:
                text, state = self.fields[-1]
                if state[0]:
                    state[0] = False
                    self.check("".join(text))
                if kind == "end":
                    self.fields.pop()
        elif local in _INSTRUCTION_TEXT or (local == "t" and self.fields):
            self.text, self.instruction = [], local != "t"

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, tag: str) -> None:
        if self.text is None:
            return
        local = tag.rpartition(":")[2]
        if local not in _INSTRUCTION_TEXT and local != "t":
            return
        text, self.text = "".join(self.text), None
        open_instructions = [t for t, state in self.fields if state[0]]
        for pieces in open_instructions:  # a nested field's words become part of the outer instruction
            pieces.append(text)
        if self.instruction and not open_instructions:
            self.check(text)  # instrText outside any field: checked on its own


def check_output(parts: dict[str, bytes], kept: Mapping[str, bytes], template: str,
                 proven: Mapping[str, tuple[bytes, bool]] | None = None) -> None:
    """The XML of every part rendering made parses, has no field or link that fetches from outside
    the file, and the package keeps its content types and relationships: else a TemplateError, and
    the document is not written. `proven` holds the parts known well-formed (structure.py: a
    proven part whose printed values were all plain text), as they were made, and whether their
    markup may name a field or a link (if not, no fetching check is needed either)."""
    for required in (CONTENT_TYPES, PACKAGE_RELS):
        if required not in kept and required not in parts:
            raise TemplateError(f"not a Word document: it has no {required}", template)
    for part, data in parts.items():
        if not part.endswith((".xml", ".rels")):
            continue  # the logo's picture
        known = proven.get(part) if proven else None
        if known is not None and known[0] is data:
            if known[1]:
                _refuse_fetching(data, part, template, rendered=True)
            continue
        problem = well_formed(data)
        if problem:
            raise TemplateError(
                f"rendering it gives a broken document ({problem}); a {{% if %}} or {{% for %}} that starts "
                "and ends in different paragraphs or table cells is the usual cause: use {%p if %} … {%p endif %} "
                "around whole paragraphs", template, part_location(part))
        _refuse_fetching(data, part, template, rendered=True)
