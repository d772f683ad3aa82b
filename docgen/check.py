"""Check a school's customised template before a letter goes out, without a record.

Finds what Word or a typo can break: Jinja syntax errors, loops and conditions
that do not close, names the record does not have (with a "did you mean"),
tags split so badly that rendering leaves them as text. Every problem says
where it is in words the school can find in Word: the part (body, header,
footer) and the text of the paragraph around it. Finally the template is
rendered once against the type's bundled example record.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from jinja2 import nodes

from .doctypes import DOCTYPES, doctype
from .engine import environment, load_template
from .engine.locations import PARAGRAPH, RENDERED_PART, near_text, part_location, where
from .errors import DocgenError, InputError, Issue, TemplateError
from .fields import ANY, Shape, context_shape
from .languages import CODES
from .profile import Profile
from .resources import data_dir
from .versions import outdated

_LEFTOVER = re.compile(r"\{\s*[{%#]|[}%#]\s*\}")
_JINJA_GLOBALS = {"range", "dict", "namespace", "cycler", "joiner", "loop", "true", "false", "none", "True", "False",
                  "None"}
_LANG_TAG = re.compile(rb'<w:rPrDefault>.*?<w:lang w:val="(' + b"|".join(c.encode() for c in CODES) + rb')-', re.S)


def guess_type(path: Path) -> str | None:
    stem = path.stem
    return stem if stem in DOCTYPES else next((name for name in DOCTYPES if stem.startswith(name)), None)


def guess_lang(path: Path, data: bytes) -> str:
    """The folder name (templates/nb/...), else the document's default language, else nb."""
    import io
    import zipfile

    if path.parent.name in CODES:
        return path.parent.name
    try:
        styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return "nb"
    m = _LANG_TAG.search(styles)
    return m.group(1).decode() if m else "nb"


def check_template(path: Path, type_name: str | None = None, lang: str | None = None,
                   profile: Profile | None = None) -> list[Issue]:
    """Every problem found in the template at `path` (each with where it is); no errors means it
    rendered the type's example record fine. A copy older than its built-in gets a warning."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({(exc.strerror or str(exc)).lower()})") from None
    type_name = type_name or guess_type(path)
    if type_name is None:
        raise InputError(f"{path}: cannot tell which document type this template is for; give --type")
    doctype(type_name)
    lang = lang or guess_lang(path, data)
    try:
        prepared = load_template(path)
    except TemplateError as exc:
        return [exc.issue()]

    custom = profile.field_kinds() if profile else {}
    problems: list[Issue] = []
    for part_name, part in prepared.parts.items():
        problems += _unknown_names(part.source, part_name, context_shape(type_name, custom, lang))
    if not problems:
        problems = _render_example(path, type_name, lang, profile)
    # What reading the template cleaned away (files nothing uses, the link to a .dotx): not an error.
    problems += [Issue("", warning, "warning") for warning in prepared.warnings]
    older = outdated(data, type_name, lang)
    if older:
        problems.append(Issue("", older, "warning"))
    return problems


def _unknown_names(source: str, part_name: str, root: Shape) -> list[Issue]:
    env = environment()
    tree = env.parse(source)
    problems: list[Issue] = []

    def report(node: nodes.Node, message: str) -> None:
        problems.append(Issue(where(part_name, source, node.lineno), message))

    def unknown(node: nodes.Node, dotted: str, name: str, known: dict[str, Shape]) -> None:
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        report(node, f"unknown field '{dotted}'{hint}")

    def expr(node: nodes.Node, scope: dict[str, Shape]) -> Shape:
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.ctx == "load" and node.name not in _JINJA_GLOBALS and node.name not in env.globals:
                unknown(node, node.name, node.name, scope)
            return ANY
        if isinstance(node, nodes.Getattr):
            return member(node, expr(node.node, scope), node.attr)
        if isinstance(node, nodes.Getitem):
            owner = expr(node.node, scope)
            if isinstance(node.arg, nodes.Const):
                if isinstance(node.arg.value, str):
                    return member(node, owner, node.arg.value)
                if owner.kind == "list" and owner.item is not None:
                    return owner.item
            expr(node.arg, scope)
            return ANY
        for child in node.iter_child_nodes():
            expr(child, scope)
        return ANY

    def member(node: nodes.Node, owner: Shape, name: str) -> Shape:
        if owner.kind == "group":
            if name in owner.fields:
                return owner.fields[name]
            unknown(node, _dotted(node), name, owner.fields)
        return ANY

    def body(items: list[nodes.Node], scope: dict[str, Shape]) -> None:
        scope = dict(scope)
        for item in items:
            if isinstance(item, nodes.For):
                iterable = expr(item.iter, scope)
                element = iterable.item if iterable.kind == "list" and iterable.item is not None else ANY
                inner = {**scope, **_bind(item.target, element), "loop": ANY}
                if item.test is not None:
                    expr(item.test, inner)
                body(item.body, inner)
                body(item.else_, scope)
            elif isinstance(item, (nodes.Assign, nodes.AssignBlock)):
                if isinstance(item, nodes.Assign):
                    expr(item.node, scope)
                else:
                    body(item.body, scope)
                scope.update(_bind(item.target, ANY))
            elif isinstance(item, (nodes.Macro, nodes.CallBlock)):
                if isinstance(item, nodes.Macro):
                    scope[item.name] = ANY  # the macro's own name, usable after (and inside) it
                else:
                    expr(item.call, scope)
                arguments = {arg.name: ANY for arg in getattr(item, "args", [])}
                inner = {**scope, **arguments, "caller": ANY, "varargs": ANY, "kwargs": ANY}
                body(item.body, inner)
            elif isinstance(item, nodes.If):
                expr(item.test, scope)
                body(item.body, scope)
                for elif_ in item.elif_:
                    expr(elif_.test, scope)
                    body(elif_.body, scope)
                body(item.else_, scope)
            elif isinstance(item, nodes.Expr):
                expr(item, scope)
            else:
                for child in item.iter_child_nodes():
                    if isinstance(child, nodes.Expr):
                        expr(child, scope)
                    else:
                        body([child], scope)

    body(tree.body, dict(root.fields))
    return problems


def _bind(target: nodes.Node, shape: Shape) -> dict[str, Shape]:
    if isinstance(target, nodes.Name):
        return {target.name: shape}
    if isinstance(target, nodes.Tuple):
        return {item.name: ANY for item in target.items if isinstance(item, nodes.Name)}
    return {}


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_dotted(node.node)}[{node.arg.value!r}]"
    return "…"


def _render_example(path: Path, type_name: str, lang: str, profile: Profile | None) -> list[Issue]:
    """Render the template with the type's example record, through the same pipeline as a real render."""
    from .api import Options, Pipeline

    example = data_dir("examples") / f"{type_name}.{lang}.json"
    record = json.loads(example.read_text(encoding="utf-8"))
    if profile is not None:
        record = {**record, "custom": profile.sample_custom()}
    try:
        result = Pipeline(Options(template=path), profile).render(record, str(example))
    except TemplateError as exc:
        return [exc.issue()]
    except DocgenError as exc:
        return [Issue("", f"could not render the example record: {exc}")]
    if result.content is None:
        return [Issue("", f"could not render the example record: {issue}") for issue in result.report.errors]
    return _leftover_tags(result.content)


def _leftover_tags(output: bytes) -> list[Issue]:
    """Tags that survived rendering as plain text: Word split them so they no longer work."""
    import io
    import zipfile

    problems = []
    with zipfile.ZipFile(io.BytesIO(output)) as zf:
        for name in zf.namelist():
            if not RENDERED_PART.match(name):
                continue
            xml = zf.read(name).decode("utf-8")
            for paragraph in PARAGRAPH.findall(xml):
                if _LEFTOVER.search(re.sub(r"<[^>]+>", "", paragraph)):
                    problems.append(Issue(
                        f"{part_location(name)}, {near_text(paragraph)}",
                        "a tag came out as plain text: Word or LibreOffice split it, or a brace is missing. "
                        "Retype the whole tag, e.g. {{ case.pupil.name }}, in one go",
                    ))
    return problems
