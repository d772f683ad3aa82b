"""Reading a .docx template, refusing what is not a sound Word file, and compiling it once.

A template is prepared once per process and file version: its parts are read,
run through docxtpl's own pre-processing (which mends tags Word split across
runs and turns `{%p %}`/`{%tr %}` into plain Jinja) and compiled in the
sandbox. A document then costs one Jinja render per part and writing the zip.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

import jinja2

from ..errors import TemplateError
from . import cache, docx, structure
from .docxtpl_bridge import patch_xml
from .environment import environment
from .locations import RENDERED_PART, part_location, template_error
from .package import MAX_PART_BYTES as MAX_PART_BYTES  # re-exported
from .package import MAX_TEMPLATE_BYTES as MAX_TEMPLATE_BYTES
from .package import read as read_package
from .sandbox import CODEGEN, MAX_TAGS, capped_join, document_budget

if TYPE_CHECKING:
    from .logo import Logo

_NEEDS_TABLE_FIX = re.compile(r"\{%-?\s*(tc|colspan|cellbg|hm|vm)\b")


@dataclass
class Part:
    name: str
    source: str  # the Jinja source, one line per paragraph
    template: jinja2.Template
    fix_tables: bool
    proven: bool = False  # every rendering well-formed when its values are plain text (structure.py)
    may_link: bool = True  # its markup names a field instruction or a link (structure.py)
    # id of each of the template's own pieces of text holding a SPLIT -> that text without it, when
    # the part splits cleanly (structure.splits_cleanly); else None
    unsplit: dict[int, str] | None = None


@dataclass
class PreparedTemplate:
    """A template read, checked and compiled once; render() many times."""

    name: str
    members: list[zipfile.ZipInfo]
    raw: dict[str, bytes]
    parts: dict[str, Part] = field(default_factory=dict)
    core: dict[str, jinja2.Template] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what reading it cleaned away, for `templates check`
    # compresslevel -> the unchanged members, compressed once (docx._zip)
    zipped: dict[int, dict[str, tuple[int, int, bytes]]] = field(default_factory=dict)

    def render(self, ctx: dict[str, Any], logo: Logo | None = None, compresslevel: int = 6,
               properties: Mapping[str, str] | None = None) -> bytes:
        """The .docx; `properties` (from `properties()`, perhaps changed) replace the template's own."""
        with document_budget():  # one time and work budget for all the document's parts
            return docx.write(self, ctx, logo, compresslevel, properties)

    def properties(self, ctx: dict[str, Any]) -> dict[str, str]:
        """The document properties (title, subject, creator, keywords, description) as the template
        renders them for `ctx`."""
        with document_budget():
            return docx.properties_of(self, ctx)


def prepare(data: bytes, name: str) -> PreparedTemplate:
    """Read and compile a .docx template, refusing anything that is not a sound Word file
    (package.read: entry names, content types, relationships, encodings, DOCTYPEs)."""
    package = read_package(data, name)
    prepared = PreparedTemplate(name=name, members=package.members, raw=package.raw, warnings=package.warnings)
    compiled = cache.load(data + CODEGEN) or _compile(prepared, data)  # keyed by the bounds' code form too
    prepared.parts = {}
    for part_name, (source, code, fix_tables, proven, may_link, clean) in compiled["parts"].items():
        template = _from_code(code)
        unsplit = _unsplit(template) if proven and clean else None
        prepared.parts[part_name] = Part(part_name, source, template, fix_tables, proven, may_link, unsplit)
    prepared.core = {prop: _from_code(code) for prop, code in compiled["core"].items()}
    return prepared


def _from_code(code: Any) -> jinja2.Template:
    env = environment()
    template = env.template_class.from_code(env, code, env.make_globals(None), None)
    # The compiled module's own names for `~`; all its functions share these globals.
    namespace = template.root_render_func.__globals__
    namespace["markup_join"] = namespace["str_join"] = capped_join
    return template


def _unsplit(template: jinja2.Template) -> dict[int, str]:
    """The texts in the compiled template's code that hold a SPLIT, by id, without it. Jinja yields
    its own text as these very objects (a value printed is a new Markup), so docx.write can map
    each piece of output it yields."""
    found: dict[int, str] = {}
    pending = [template.root_render_func.__code__]
    while pending:
        code = pending.pop()
        for const in code.co_consts:
            if isinstance(const, CodeType):
                pending.append(const)
            elif isinstance(const, str) and any(split in const for split in structure.SPLIT):
                found[id(const)] = const.replace(structure.SPLIT[0], "<w:p ").replace(structure.SPLIT[1], "<w:p>")
    return found


def _compile(prepared: PreparedTemplate, data: bytes) -> cache.Compiled:
    """docxtpl's pre-processing and Jinja's compiler over every part that may hold tags."""
    from lxml import etree

    env = environment()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    parts: dict[str, tuple[str, Any, bool, bool, bool, bool]] = {}
    for part_name, blob in prepared.raw.items():
        if not RENDERED_PART.match(part_name):
            continue
        _check_tag_count(blob, prepared.name, part_name)
        try:
            root = etree.fromstring(blob, parser)
        except etree.XMLSyntaxError:
            where = part_location(part_name)
            raise TemplateError(f"{part_name} is not well-formed XML", prepared.name, where) from None
        raw_text = blob.decode("utf-8", errors="replace")
        text = etree.tostring(root, encoding="unicode")
        source = _literal_braces(re.sub(r"<w:p([ >])", r"\n<w:p\1", patch_xml(text)))
        try:
            code = env.compile(source)
        except jinja2.TemplateError as exc:
            raise template_error(exc, prepared.name, part_name, source) from None
        except (RecursionError, SyntaxError, MemoryError):
            # Jinja's parser recurses per nesting level, and the Python it generates has Python's own
            # nesting limits (20 loops, 100 indentation levels, 200 parentheses).
            raise TemplateError(TOO_DEEP, prepared.name, part_location(part_name)) from None
        fix_tables = bool(_NEEDS_TABLE_FIX.search(raw_text))
        proven, may_link, clean = (False, True, False) if fix_tables else structure.prove(env, source)
        parts[part_name] = (source, code, fix_tables, proven, may_link, clean)
    compiled = {"parts": parts, "core": _compile_core(prepared)}
    cache.store(data + CODEGEN, compiled)
    return compiled


TOO_DEEP = ("the template nests its tags or expressions too deeply (loops, ifs or brackets inside each other); "
            "simplify it")


def _check_tag_count(blob: bytes, name: str, part_name: str) -> None:
    """At most MAX_TAGS template tags in a part, counted before anything is parsed or compiled
    (120,000 fields in one paragraph took 24 s and 3.4 GB to compile). Each tag has two braces;
    counting every brace also counts tags Word split across runs."""
    if blob.count(b"{") > 2 * MAX_TAGS:
        raise TemplateError(
            f"{part_name} has more than {MAX_TAGS:,} template tags; split the template", name, part_location(part_name)
        )


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
    blob = prepared.raw.get("docProps/core.xml", b"").decode("utf-8", errors="replace")
    env, compiled = environment(), {}
    for prop, tag in docx.CORE_TAGS.items():
        m = re.search(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", blob, re.S)
        value = unescape(m.group(1)) if m else ""
        try:
            compiled[prop] = env.compile(value)
        except jinja2.TemplateError as exc:
            raise TemplateError(
                f"template syntax error in the document property '{prop}': {exc.message}", prepared.name
            ) from None
        except (RecursionError, SyntaxError, MemoryError):
            raise TemplateError(TOO_DEEP, prepared.name) from None
    return compiled


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
