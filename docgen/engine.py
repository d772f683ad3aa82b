"""Merge a validated record into a Word template. The only module that imports docxtpl.

A template is prepared once per process: its parts are read, run through
docxtpl's own pre-processing (`patch_xml`, which mends tags Word split across
runs and turns `{%p %}`/`{%tr %}` into plain Jinja) and compiled in Jinja's
sandbox. A document then costs one Jinja render per part and writing the zip.
The post-processing is docxtpl's too, so the text matches docxtpl's rendering.

Templates are untrusted: schools edit them. They run in an immutable sandbox
with autoescaping for XML, and `finalize` decides how every value prints, so
None, Undefined and Python reprs never reach a document.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import io
import re
import time
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import jinja2
from jinja2 import StrictUndefined, pass_context
from jinja2.exceptions import SecurityError, TemplateRuntimeError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from markupsafe import Markup

from . import dates
from .errors import TemplateError
from .languages import language
from .models.common import Choice, Document
from .text import to_docx_text

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Limits against broken or hostile templates.
MAX_TEMPLATE_BYTES = 50 * 1024 * 1024  # uncompressed, all parts together
MAX_PART_BYTES = 20 * 1024 * 1024
MAX_OUTPUT_CHARS = 20 * 1024 * 1024  # one part of one document, as XML
MAX_LOOP_STEPS = 2_000_000  # steps over range() in one render
MAX_RENDER_SECONDS = 20.0

_RENDERED_PART = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_PART_NAMES = {"document": "the document body", "header": "the page header", "footer": "the page footer",
               "footnotes": "the footnotes", "endnotes": "the endnotes"}
_NEEDS_TABLE_FIX = re.compile(r"\{%-?\s*(tc|colspan|cellbg|hm|vm)\b")
_CORE_PROPS = ("title", "subject", "creator", "keywords", "description")
_CORE_TAGS = {"title": "dc:title", "subject": "dc:subject", "creator": "dc:creator",
              "keywords": "cp:keywords", "description": "dc:description"}
_YES_NO = {"nb": ("ja", "nei"), "nn": ("ja", "nei"), "da": ("ja", "nej")}


class Term(str):
    """A choice as the reader sees it (its label), still comparable by `.code`."""

    code: str

    def __new__(cls, label: str, code: str) -> "Term":
        term = super().__new__(cls, label)
        term.code = code
        return term


# ---------------------------------------------------------------- environment


MAX_VALUE = 2_000_000  # characters or items in any one value a template builds
MAX_INT_BITS = 10_000
_HUGE_NUMBER = re.compile(r"\d{7,}")  # a width or count in the millions, inside a format string


class TooLarge(SecurityError):
    """A template tried to build a value beyond the size budget."""


def _too_big(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value.bit_length() > MAX_INT_BITS
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > MAX_VALUE
    return False


def _check_size(value: Any) -> Any:
    if _too_big(value):
        raise TooLarge("the template builds a value too large for a document")
    return value


def _check_width(text: Any) -> None:
    """A format string asking for a width in the millions ('%100000000s', '{:>100000000}')."""
    if isinstance(text, str) and ("%" in text or "{" in text) and _HUGE_NUMBER.search(text):
        raise TooLarge("the template asks for a width too large for a document")


def _check_arguments(args: tuple, kwargs: dict) -> None:
    """Refuse counts and widths that would build huge values, before they are built."""
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_VALUE:
            raise TooLarge("the template asks for a count or width too large for a document")
        _check_width(arg)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, plus budgets against a template that would exhaust the
    machine: no value it builds (by repetition, padding, formatting, joining, replacing,
    concatenating or powers) may exceed MAX_VALUE; each render stops past MAX_OUTPUT_CHARS
    of output, MAX_LOOP_STEPS steps over range() or MAX_RENDER_SECONDS (checked as output
    is produced). Loops over record data are bounded by the record's size."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and not isinstance(right, bool):
            too_big = abs(right) > 100
            if isinstance(left, int) and abs(left) > 1:
                too_big = too_big or left.bit_length() * abs(right) > MAX_INT_BITS
            if too_big:
                raise TooLarge("the template computes a number too large for a document")
        if operator == "*":
            count, other = (right, left) if isinstance(right, int) else (left, right)
            if isinstance(other, (str, list, tuple)) and isinstance(count, int) and len(other) * count > MAX_VALUE:
                raise TooLarge("the template builds a value too large for a document")
        if operator == "%":
            _check_width(left)
        return _check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _check_arguments(args, kwargs)
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def format_string(self, s: str, args: tuple, kwargs: dict, format_func: Any = None) -> str:
        _check_width(s)
        return _check_size(super().format_string(s, args, kwargs, format_func))


def _capped_filter(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses huge counts and widths and never returns a huge value."""
    import functools

    value_at = 1 if hasattr(fn, "jinja_pass_arg") else 0  # after the context or environment

    @functools.wraps(fn)  # keeps Jinja's pass_context marker
    def capped(*args: Any, **kwargs: Any) -> Any:
        if len(args) > value_at:
            _check_width(args[value_at])  # the format filter's own string
        _check_arguments(args[value_at + 1 :], kwargs)
        return _check_size(fn(*args, **kwargs))

    return capped


class _Budget:
    """What one render may still spend: loop steps and time. One per render, per thread."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_LOOP_STEPS:
            raise TooLarge("the template loops too many times for a document")
        if self.steps % 4096 < count and time.monotonic() > self.deadline:
            raise TooLarge(f"the template takes longer than {MAX_RENDER_SECONDS:g} s to render")


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("docgen_budget", default=None)


def _charge(count: int = 1) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.step(count)


class _CountedRange(Sequence):
    """range() for templates: every step taken is charged to the render's budget."""

    def __init__(self, *args: int) -> None:
        self._range = safe_range(*args)  # Jinja's sandbox range: at most 100 000 items

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __iter__(self) -> Iterator[int]:
        for value in self._range:
            _charge()
            yield value


def _range(*args: int) -> _CountedRange:
    """The `range` templates see: a plain function, so no class is exposed to them."""
    return _CountedRange(*args)


def _bounded_render(template: jinja2.Template, ctx: dict[str, Any]) -> str:
    """Render, stopping as soon as the output grows too large or the budget runs out."""
    token = _budget.set(_Budget())
    try:
        chunks, size = [], 0
        for chunk in template.generate(ctx):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TooLarge("the template makes the document too large")
            chunks.append(chunk)
            _charge(0)
        return "".join(chunks)
    finally:
        _budget.reset(token)


def _capped_join(parts: Any) -> Any:
    """`~` concatenation, with the size budget (Jinja offers no hook for it)."""
    items = list(parts)
    if sum(len(str(p)) for p in items) > MAX_VALUE:
        raise TooLarge("the template builds a value too large for a document")
    from jinja2.runtime import markup_join

    return markup_join(items)


def _lang(ctx: Context) -> str:
    lang = ctx.get("lang")
    if lang not in ("nb", "nn", "da"):
        raise TemplateRuntimeError("the template context has no language")
    return lang


@pass_context
def _finalize(ctx: Context, value: Any) -> Any:
    """How each `{{ value }}` prints."""
    if value is None:
        return ""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        yes, no = _YES_NO[_lang(ctx)]
        return yes if value else no
    if isinstance(value, str):
        return to_docx_text(value)
    if isinstance(value, dt.datetime):
        return dates.date_time(value, _lang(ctx))
    if isinstance(value, dt.date):
        return dates.long_date(value, _lang(ctx))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        from babel.numbers import format_decimal

        return format_decimal(value, locale=language(_lang(ctx)).babel)
    if isinstance(value, (Mapping, list, tuple)):
        raise TemplateRuntimeError(
            "a whole group of fields or a list cannot be printed; print one field (such as .name) "
            "or loop over the list with {%p for ... %}"
        )
    raise TemplateRuntimeError(f"a value of kind '{type(value).__name__}' cannot be printed")


def _date_filter(fn: Callable[[Any, str], str]) -> Callable[..., str]:
    @pass_context
    def apply(ctx: Context, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, (dt.date, dt.time)):
            raise TemplateRuntimeError(f"the filter {fn.__name__} needs a date, not {type(value).__name__}")
        return fn(value, _lang(ctx))

    apply.__name__ = fn.__name__
    return apply


def _capfirst(value: Any) -> str:
    """Upper-case the first letter only; Jinja's `capitalize` would lower-case the rest of a name."""
    if value is None:
        return ""
    text = str(value)
    return text[:1].upper() + text[1:]


def _person(value: Any) -> str:
    """'Kari Berg, kontaktlærer' from a staff member or guardian."""
    if value is None:
        return ""
    if not isinstance(value, Mapping) or "name" not in value:
        raise TemplateRuntimeError("the filter person needs a person (with a name)")
    title = value.get("title") or value.get("relation")
    return f"{value['name']}, {title}" if title else str(value["name"])


@pass_context
def _month_name(ctx: Context, value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 12:
        raise TemplateRuntimeError("month_name needs a month number from 1 to 12")
    return dates.month_name(value, _lang(ctx))


@pass_context
def _add_working_days(ctx: Context, value: Any, days: int) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, dt.date) or not isinstance(days, int):
        raise TemplateRuntimeError("add_working_days needs a date and a whole number of days")
    return dates.add_working_days(value, days, language(_lang(ctx)).country)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = _Sandbox(autoescape=True, undefined=StrictUndefined, finalize=_finalize, auto_reload=False)
    # Gone: filters that could print raw XML, or that only cost CPU in a Word document.
    for name in ("safe", "forceescape", "pprint", "xmlattr", "urlize", "filesizeformat", "wordwrap", "center",
                 "indent"):
        env.filters.pop(name, None)
    env.globals.pop("lipsum", None)
    env.globals["range"] = _range
    env.filters.update(
        {name: _capped_filter(fn) for name, fn in env.filters.items() if name not in ("length", "count")}
    )
    env.filters.update(
        long_date=_date_filter(dates.long_date),
        weekday_date=_date_filter(dates.weekday_date),
        short_date=_date_filter(dates.short_date),
        date_time=_date_filter(dates.date_time),
        weekday_date_time=_date_filter(dates.weekday_date_time),
        time=_date_filter(dates.time_of_day),
        month_year=_date_filter(dates.month_year),
        month_name=_month_name,
        person=_person,
        capfirst=_capfirst,
        add_working_days=_add_working_days,
    )
    return env


FILTERS_HELP = {
    "long_date": "22. november 2026",
    "weekday_date": "søndag 22. november 2026 / søndag den 22. november 2026",
    "short_date": "22.11.2026",
    "date_time": "25. november 2026 kl. 14:00",
    "weekday_date_time": "onsdag 25. november 2026 kl. 14:00",
    "time": "kl. 14:00 (da: kl. 14.00)",
    "month_year": "maj 2025",
    "month_name": "januar (from a month number 1–12)",
    "person": "Kari Berg, kontaktlærer",
    "capfirst": "E-post (first letter only; capitalize would lower-case the rest)",
    "add_working_days(n)": "the date n working days later (national holidays excluded)",
}


# ---------------------------------------------------------------- context


def context(document: Document) -> dict[str, Any]:
    """The template's view of a record: plain data, choices as words in the document's language."""
    lang = document.lang

    def convert(value: Any) -> Any:
        if isinstance(value, Choice):
            return Term(value.label(lang), value.value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    ctx = convert(document.model_dump(mode="python"))
    # From the school profile, when there is one; empty fields otherwise, so templates never break.
    ctx.setdefault("signature", {"name": None, "title": None, "email": None, "phone": None})
    ctx.setdefault("logo", "")
    return ctx


# ---------------------------------------------------------------- templates


def _docxtpl():
    """docxtpl's pre- and post-processing; its methods used here touch no document."""
    from docxtpl import DocxTemplate

    return DocxTemplate(io.BytesIO())


def _location(part: str) -> str:
    if part.startswith("docProps/core.xml:"):
        return f"the document property '{part.partition(':')[2]}'"
    kind = re.sub(r"\d+$", "", Path(part).stem)
    return _PART_NAMES.get(kind, part)


def _near(source: str, lineno: int | None) -> str:
    """The text of the paragraph around a Jinja line: what a school can find in Word."""
    if not lineno:
        return ""
    lines = source.splitlines()
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1] if 0 < lineno <= len(lines) else "")
    text = " ".join(text.split())
    if len(text) > 70:
        text = text[:67] + "…"
    return f'near "{text}"' if text else ""


@dataclass
class _Part:
    name: str
    source: str
    template: jinja2.Template
    fix_tables: bool


@dataclass
class PreparedTemplate:
    """A template read, checked and compiled once; render() many times."""

    name: str
    members: list[zipfile.ZipInfo]
    raw: dict[str, bytes]
    parts: dict[str, _Part] = field(default_factory=dict)
    core: dict[str, jinja2.Template] = field(default_factory=dict)

    def render(self, ctx: dict[str, Any], compresslevel: int = 6, logo: bytes | None = None) -> bytes:
        image = Logo.from_bytes(logo) if logo else None
        if image is not None:
            ctx = {**ctx, "logo": image.markup()}
        out: dict[str, bytes] = {}
        for name, part in self.parts.items():
            xml = self._run(part.template, ctx, part.source, name)
            xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # undo the split before Jinja
            xml = _resolve_listing(xml)
            if part.fix_tables:
                from lxml import etree

                xml = etree.tostring(_docxtpl().fix_tables(xml), encoding="unicode")
            if "docPr" in xml:
                xml = _renumber_docpr(xml)
            out[name] = (XML_HEAD + xml).encode("utf-8")
        out["docProps/core.xml"] = self._core(ctx)
        if image is not None:
            out.update(self._logo_parts(image, out))
        return self._zip(out, compresslevel)

    def _logo_parts(self, image: "Logo", rendered: dict[str, bytes]) -> dict[str, bytes]:
        """The image itself, a relationship from every part that shows it, its content type."""
        parts = {f"word/{image.target}": image.data}
        relationship = (
            f'<Relationship Id="{Logo.REL_ID}" Type="{Logo.REL_TYPE}" Target="{image.target}"/>'
        )
        for name, xml in rendered.items():
            if Logo.REL_ID.encode() not in xml:
                continue
            rels_name = f"{Path(name).parent}/_rels/{Path(name).name}.rels"
            existing = self.raw.get(rels_name, b"").decode("utf-8")
            if "</Relationships>" in existing:
                rels = existing.replace("</Relationships>", relationship + "</Relationships>")
            else:
                rels = (f'{XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        f"{relationship}</Relationships>")
            parts[rels_name] = rels.encode("utf-8")
        types = self.raw.get("[Content_Types].xml", b"").decode("utf-8")
        if f'Extension="{image.extension}"' not in types:
            default = f'<Default Extension="{image.extension}" ContentType="{image.content_type}"/>'
            parts["[Content_Types].xml"] = types.replace("</Types>", default + "</Types>").encode("utf-8")
        return parts

    def _run(self, template: jinja2.Template, ctx: dict[str, Any], source: str, part: str) -> str:
        try:
            text = _bounded_render(template, ctx)
        except jinja2.TemplateError as exc:
            raise _template_error(exc, self.name, part, source) from None
        except RecursionError:
            raise TemplateError("the template nests too deeply", self.name, _location(part)) from None
        except Exception as exc:  # a filter or test failed on this record's data
            lineno = _template_lineno(exc)
            where = ", ".join(x for x in (_location(part), _near(source, lineno)) if x)
            raise TemplateError(
                f"an expression failed while rendering ({type(exc).__name__})", self.name, where
            ) from None
        return text

    def _core(self, ctx: dict[str, Any]) -> bytes:
        values = {}
        for prop, template in self.core.items():
            text = self._run(template, ctx, "", f"docProps/core.xml:{prop}")
            values[prop] = " ".join(text.replace("\a", " ").split())
        stamp = f"{ctx.get('document_date', dt.date(2000, 1, 1)).isoformat()}T00:00:00Z"
        lang = language(ctx["lang"]).tag
        body = "".join(f"<{_CORE_TAGS[p]}>{values[p]}</{_CORE_TAGS[p]}>" for p in _CORE_PROPS if values.get(p))
        return (
            f"{XML_HEAD}<cp:coreProperties "
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"{body}<cp:lastModifiedBy>docgen</cp:lastModifiedBy><dc:language>{lang}</dc:language>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"
        ).encode("utf-8")

    def _zip(self, replaced: dict[str, bytes], compresslevel: int) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
            names = [m.filename for m in self.members]
            names += [name for name in replaced if name not in names]
            for name in names:
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, replaced.get(name, self.raw.get(name, b"")), compresslevel=compresslevel)
        return buffer.getvalue()


@dataclass(frozen=True)
class Logo:
    """A school's logo, shown where a template says {{ logo }} (normally the letterhead)."""

    data: bytes
    extension: str
    width: int  # pixels
    height: int

    REL_ID = "rIdDocgenLogo"
    REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
    HEIGHT_EMU = 576_000  # 1.6 cm
    MAX_WIDTH_EMU = 2_160_000  # 6 cm

    @classmethod
    def from_bytes(cls, data: bytes) -> "Logo":
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 24:
            return cls(data, "png", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
        if data[:2] == b"\xff\xd8":
            size = _jpeg_size(data)
            if size:
                return cls(data, "jpeg", *size)
        raise TemplateError("the logo must be a PNG or JPEG image")

    @property
    def target(self) -> str:
        return f"media/docgen-logo.{self.extension}"

    @property
    def content_type(self) -> str:
        return f"image/{self.extension}"

    def markup(self) -> Markup:
        """An inline picture that closes the text it stands in and opens it again after."""
        ratio = self.width / self.height if self.height else 1
        cy = self.HEIGHT_EMU
        cx = int(cy * ratio)
        if cx > self.MAX_WIDTH_EMU:
            cx, cy = self.MAX_WIDTH_EMU, int(self.MAX_WIDTH_EMU / ratio)
        a = "http://schemas.openxmlformats.org/drawingml/2006/main"
        return Markup(
            "</w:t></w:r><w:r><w:drawing>"
            '<wp:inline distT="0" distB="0" distL="0" distR="0" '
            'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="1" name="Logo"/>'
            f'<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="{a}" noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            f'<a:graphic xmlns:a="{a}"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:nvPicPr><pic:cNvPr id="0" name="logo.{self.extension}"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{self.REL_ID}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>'
            "<a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
            "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
            '<w:r><w:t xml:space="preserve">'
        )


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's start-of-frame marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return None


_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_RUN = re.compile(r"<w:r(?: [^>]*)?>.*?</w:r>", re.DOTALL)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>.*?</w:t>", re.DOTALL)
_LISTING_CHARS = re.compile("[\\t\\a\\n\\f]")


def _resolve_listing(xml: str) -> str:
    """Tabs, line breaks, paragraph and page breaks inside rendered text become Word structure.

    The same transformation as docxtpl's `DocxTemplate.resolve_listing` (a
    test checks they agree), kept here because importing docxtpl loads
    python-docx (~90 ms), which a one-shot `docgen render` of a cached
    template would otherwise pay. It also skips the many paragraphs that have
    nothing to resolve.
    """
    if not _LISTING_CHARS.search(xml):
        return xml

    def paragraph(m: re.Match[str]) -> str:
        text = m.group(0)
        if not _LISTING_CHARS.search(text):
            return text
        found = re.search(r"<w:pPr>.*?</w:pPr>", text)
        ppr = found.group(0) if found else ""
        return _RUN.sub(lambda r: _resolve_run(ppr, r.group(0)), text)

    return _PARAGRAPH.sub(paragraph, xml)


def _resolve_run(ppr: str, run: str) -> str:
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


def _renumber_docpr(xml: str) -> str:
    """Loops copy pictures; Word refuses a file whose drawing ids repeat."""
    counter = iter(range(1001, 1_000_000))
    return re.sub(r'(<wp:docPr\b[^>]*?\bid=")\d+', lambda m: f"{m.group(1)}{next(counter)}", xml)


def _template_lineno(exc: BaseException) -> int | None:
    tb, lineno = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _template_error(exc: jinja2.TemplateError, template: str, part: str, source: str) -> TemplateError:
    lineno = getattr(exc, "lineno", None) or _template_lineno(exc)
    where = ", ".join(x for x in (_location(part), _near(source, lineno)) if x)
    message = str(exc.message or exc) if isinstance(exc, jinja2.TemplateError) else str(exc)
    if isinstance(exc, UndefinedError):
        m = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", message)
        name = next((g for g in m.groups() if g), None) if m else None
        message = f"unknown field '{name}'" if name else "a field the record does not have"
    elif isinstance(exc, TooLarge):
        message = str(exc)
    elif isinstance(exc, SecurityError):
        message = "the template tries to reach something it may not use (blocked by the sandbox)"
    elif isinstance(exc, TemplateSyntaxError):
        message = f"template syntax error: {message}"
        opener = _unclosed_block(source) if "end of template" in message else None
        if opener is not None:  # Jinja points at the end; the school needs the tag that is never closed
            name, line = opener
            where = ", ".join(x for x in (_location(part), _near(source, line)) if x)
            message = f"template syntax error: this {{% {name} %}} is never closed with {{% end{name} %}}"
    return TemplateError(message, template, where)


_BLOCK_TAG = re.compile(r"\{%-?\s*(\w+)")
_OPENERS = {"if", "for", "macro", "call", "filter", "with", "block", "raw", "autoescape"}


def _unclosed_block(source: str) -> tuple[str, int] | None:
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


def prepare(data: bytes, name: str) -> PreparedTemplate:
    """Read and compile a .docx template, refusing anything that is not a sound Word file."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE file: Word's encrypted .docx, or an old .doc
        raise TemplateError("the file is password-protected or an old .doc; save it as .docx without a password", name)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TemplateError("not a Word document (.docx); it may be damaged, or an old .doc file", name) from None
    if "word/document.xml" not in {m.filename for m in members}:
        raise TemplateError("not a Word document: it has no word/document.xml", name)
    if any(m.flag_bits & 0x1 for m in members):
        raise TemplateError("the file is encrypted; save it without a password", name)
    if sum(m.file_size for m in members) > MAX_TEMPLATE_BYTES:
        raise TemplateError("the file unpacks to more than 50 MB; is it really a letter template?", name)
    raw: dict[str, bytes] = {}
    try:
        for m in members:
            if m.is_dir():
                continue
            blob = zf.read(m)
            if len(blob) > MAX_PART_BYTES and _RENDERED_PART.match(m.filename):
                raise TemplateError(f"the part {m.filename} is larger than 20 MB", name)
            # Anywhere in the part: whitespace or comments may come first. Text in a
            # document is escaped, so only markup can contain this.
            if m.filename.endswith((".xml", ".rels")) and b"<!DOCTYPE" in blob:
                raise TemplateError(
                    f"{m.filename} declares a DOCTYPE, which Word never writes; the file may have been crafted", name
                )
            raw[m.filename] = blob
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise TemplateError("the file is damaged (truncated or corrupt zip)", name) from None
    prepared = PreparedTemplate(name=name, members=[m for m in members if not m.is_dir()], raw=raw)
    compiled = _cached(data) or _compile(prepared, data)
    prepared.parts = {
        part_name: _Part(part_name, source, _template(code), fix_tables)
        for part_name, (source, code, fix_tables) in compiled["parts"].items()
    }
    prepared.core = {prop: _template(code) for prop, code in compiled["core"].items()}
    return prepared


def _template(code: Any) -> jinja2.Template:
    env = environment()
    template = env.template_class.from_code(env, code, env.make_globals(None), None)
    # The compiled module's own names for `~`; all its functions share these globals.
    namespace = template.root_render_func.__globals__
    namespace["markup_join"] = namespace["str_join"] = _capped_join
    return template


# A compiled template, as plain data marshal can store:
# {"parts": {name: (jinja source, code object, needs table fix)}, "core": {property: code object}}
Compiled = dict[str, Any]


def _compile(prepared: PreparedTemplate, data: bytes) -> Compiled:
    """docxtpl's pre-processing and Jinja's compiler over every part that may hold tags."""
    from lxml import etree

    env, tpl = environment(), _docxtpl()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    parts: dict[str, tuple[str, Any, bool]] = {}
    for part_name, blob in prepared.raw.items():
        if not _RENDERED_PART.match(part_name):
            continue
        try:
            root = etree.fromstring(blob, parser)
        except etree.XMLSyntaxError:
            raise TemplateError(f"{part_name} is not well-formed XML", prepared.name, _location(part_name)) from None
        raw_text = blob.decode("utf-8", errors="replace")
        text = etree.tostring(root, encoding="unicode")
        source = _literal_braces(re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(text)))
        try:
            code = env.compile(source)
        except jinja2.TemplateError as exc:
            raise _template_error(exc, prepared.name, part_name, source) from None
        parts[part_name] = (source, code, bool(_NEEDS_TABLE_FIX.search(raw_text)))
    compiled = {"parts": parts, "core": _compile_core(prepared)}
    _store(data, compiled)
    return compiled


def _literal_braces(source: str) -> str:
    """docxtpl's way to print a literal {{ or {% in a template is to write {_{ or {_%.

    docxtpl turns them back after rendering, over the whole output, record values
    included; turning them into raw Jinja text here leaves record values alone.
    """
    for written, meant in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
        source = source.replace(written, "{% raw %}" + meant + "{% endraw %}")
    return source


def _compile_core(prepared: PreparedTemplate) -> dict[str, Any]:
    """Title, subject, author… may hold Jinja too, as in docxtpl."""
    from html import unescape

    blob = prepared.raw.get("docProps/core.xml", b"").decode("utf-8", errors="replace")
    env, compiled = environment(), {}
    for prop in _CORE_PROPS:
        m = re.search(rf"<{_CORE_TAGS[prop]}(?:\s[^>]*)?>(.*?)</{_CORE_TAGS[prop]}>", blob, re.S)
        value = unescape(m.group(1)) if m else ""
        try:
            compiled[prop] = env.compile(value)
        except jinja2.TemplateError as exc:
            raise TemplateError(
                f"template syntax error in the document property '{prop}': {exc.message}", prepared.name
            ) from None
    return compiled


# ---------------------------------------------------------------- compile cache
#
# Compiling a Word template costs ~150 ms, more than rendering dozens of
# documents. Like Python's .pyc files, the compiled code is kept on disk, keyed
# by the template's bytes and the versions that shaped it. DOCGEN_CACHE_DIR
# moves the cache; an empty value turns it off.


def _cache_file(data: bytes) -> Path | None:
    import hashlib
    import os
    import sys

    configured = os.environ.get("DOCGEN_CACHE_DIR")
    if configured == "":
        return None
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "docgen"
    from . import __version__

    versions = f"{_CACHE_FORMAT}|{__version__}|{jinja2.__version__}|{_docxtpl_version()}|{sys.version}"
    key = hashlib.sha256(versions.encode() + b"\0" + data).hexdigest()[:40]
    return folder / f"template-{key}.marshal"


_CACHE_FORMAT = 2  # bump when the compiled form changes


@lru_cache(maxsize=1)
def _docxtpl_version() -> str:
    """docxtpl's version without importing it (its import loads python-docx: ~90 ms)."""
    from importlib.util import find_spec

    spec = find_spec("docxtpl")
    if spec is None or spec.origin is None:
        return "missing"
    m = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", Path(spec.origin).read_text(encoding="utf-8"))
    return m.group(1) if m else "unknown"


def _cached(data: bytes) -> Compiled | None:
    import marshal

    path = _cache_file(data)
    if path is None:
        return None
    try:
        compiled = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(compiled, dict) or set(compiled) != {"parts", "core"}:
        return None
    return compiled


def _store(data: bytes, compiled: Compiled) -> None:
    import marshal

    from .output import write_file

    path = _cache_file(data)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(marshal.dumps(compiled), path, force=True, sync=False)
    except Exception:
        pass  # a cache that cannot be written only costs time


@lru_cache(maxsize=64)
def _prepared(path: str, mtime_ns: int, size: int) -> PreparedTemplate:
    return prepare(Path(path).read_bytes(), path)


def load_template(path: Path) -> PreparedTemplate:
    """The prepared template at `path`, compiled once per process and per file version."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise TemplateError("template file not found", str(path)) from None
    except OSError as exc:
        raise TemplateError(f"cannot read the template ({exc.strerror})", str(path)) from None
    if not path.is_file():
        raise TemplateError("not a file", str(path))
    return _prepared(str(path), stat.st_mtime_ns, stat.st_size)


def render_document(
    document: Document,
    template: Path,
    extras: dict[str, Any] | None = None,
    logo: bytes | None = None,
    compresslevel: int = 6,
) -> bytes:
    """A validated record merged into the template at `template`, as .docx bytes.

    `extras` adds names to the template's context (the profile's signature);
    `logo` is a PNG or JPEG shown where the template says {{ logo }}.
    """
    ctx = context(document)
    ctx.update(extras or {})
    return load_template(template).render(ctx, compresslevel, logo)
