"""Shared helpers: the repository's files, reading .docx output, building small templates,
the command line in a clean environment, LibreOffice, templates edited the way a school edits
them, and a school profile with a logo and its own fields."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator
from typing import Any, Callable

import docx
import pytest
from click.testing import CliRunner, Result
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent

# The compile cache goes to a private folder, not the home directory of whoever runs the tests,
# and no school profile or template folder of the person running them leaks in: the API and
# the CLI both read $DOCGEN_PROFILE and the user's config folder.
os.environ.setdefault("DOCGEN_CACHE_DIR", tempfile.mkdtemp(prefix="docgen-test-cache-"))
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="docgen-test-config-")
# Messages in English, whatever the record's language: most tests read them. tests/test_i18n.py
# lifts this to test the translations.
os.environ["DOCGEN_MESSAGES"] = "en"
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def load_example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


def builder():
    """tools/build_templates.py, the script that makes the .docx templates."""
    if "build_templates" in sys.modules:
        return sys.modules["build_templates"]
    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "tools" / "build_templates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_templates"] = module
    spec.loader.exec_module(module)
    return module


def make_template(tmp_path: Path, body: str, lang: str = "nb", front: str = "") -> Path:
    """A .docx template built from a few lines of template source."""
    source = f"---\ntitle: Test\n{front}---\n{body}\n"
    folder = tmp_path / lang
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "custom.md"
    src.write_text(source, encoding="utf-8")
    out = folder / "custom.docx"
    out.write_bytes(builder().build(src))
    return out


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def all_text(document: docx.document.Document) -> str:
    """Body paragraphs, every table cell, headers and footers (the first page's too), one per line."""
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts = [section.header, section.footer]
        if section.different_first_page_header_footer:
            parts += [section.first_page_header, section.first_page_footer]
        for hf in parts:
            lines.extend(p.text for p in hf.paragraphs)
            for table in hf.tables:
                for row in table.rows:
                    lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


PROFILES = {"nb": "school.toml", "nn": "fjellheim.toml", "da": "boegeskov.toml"}


def example_profile(lang: str) -> Path:
    """The example school profile `make demo` renders an example of this language with."""
    return ROOT / "examples" / "profile" / PROFILES[lang]


def part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode("utf-8")


def default_language(data: bytes) -> str | None:
    """The w:lang on the default run properties: what Word spell-checks in."""
    m = re.search(r'<w:rPrDefault>.*?<w:lang w:val="([^"]+)"', part(data, "word/styles.xml"), re.S)
    return m.group(1) if m else None


@pytest.fixture
def nb_record() -> dict[str, Any]:
    return load_example("activity_plan.nb.json")


@pytest.fixture(autouse=True)
def _no_profile_or_template_folder_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without $DOCGEN_PROFILE and $DOCGEN_TEMPLATES, even if an earlier one left them set.

    docgen.render() and the other API calls read both, so a value left behind (by code that writes
    os.environ itself, as settings.export_service does) would otherwise reach every later test.
    """
    for name in ("DOCGEN_PROFILE", "DOCGEN_TEMPLATES"):
        monkeypatch.delenv(name, raising=False)


def render_with(tmp_path: Path, record: dict, body: str, **kw) -> bytes:
    """The record rendered with a template made of a few lines of source."""
    import docgen

    return docgen.render(record, template=make_template(tmp_path, body, **kw))


def text_of(path: Path) -> str:
    return all_text(open_docx(path.read_bytes()))


# ---------------------------------------------------------------- the command line

NB = ROOT / "examples" / "activity_plan.nb.json"
DA_RECEIPT = ROOT / "examples" / "concern_receipt.da.json"

# Nothing from the machine running the tests may pick templates or a profile:
# no DOCGEN_TEMPLATES, no DOCGEN_PROFILE, no ~/.config/docgen/profile.toml.
_NO_CONFIG = tempfile.mkdtemp(prefix="docgen-test-no-config-")
CLEAN_ENV = {"DOCGEN_TEMPLATES": None, "DOCGEN_PROFILE": None, "XDG_CONFIG_HOME": _NO_CONFIG}


def run_cli(*args: object, env: dict[str, str | None] | None = None, input: str | bytes | None = None) -> Result:
    """`docgen ARGS` in-process, in a clean environment (plus `env`), with `input` on standard input."""
    from docgen.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], env={**CLEAN_ENV, **(env or {})}, catch_exceptions=False,
                              input=input)


def ok(result: Result) -> None:
    assert result.exit_code == 0, result.output + result.stderr


def failed(result: Result) -> None:
    assert result.exit_code == 1, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr


def docgen_process(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real `python -m docgen`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "docgen", *(str(a) for a in args)],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


def assert_clean_error(result: Result, expect: str = "", path: Path | None = None) -> None:
    """Exit 1, nothing on stdout, only "docgen: error:" lines on stderr, no traceback.

    `expect` must be in the message; with `path`, the message names that file, and `expect`
    is looked for in the rest (so a word in the test's folder name cannot match it).
    """
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output  # an unexpected exception inside docgen
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines, "no message at all"
    assert all(line.startswith("docgen: error: ") for line in lines), result.stderr
    message = result.stderr
    if path is not None:
        assert str(path) in message  # the message names the file the school must fix
        message = message.replace(str(path), "<template>")
    assert expect in message, result.stderr


def render_refused(template: Path, out_dir: Path, expect: str = "", marker: Path | None = None) -> Result:
    """`docgen render` of the example record with `template` fails cleanly and writes nothing."""
    out_dir.mkdir(exist_ok=True)
    out = out_dir / "plan.docx"
    result = run_cli("render", NB, "--template", template, "-o", out)
    assert marker is None or not marker.exists(), "the payload ran"
    assert_clean_error(result, expect, template)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not out.exists()
    assert sorted(out_dir.iterdir()) == []  # not even a hidden .part file
    return result


def check_refused(template: Path, expect: str = "", marker: Path | None = None) -> Result:
    """`docgen templates check` reports the template as broken."""
    result = run_cli("templates", "check", template, "--type", "activity_plan")
    assert marker is None or not marker.exists(), "the payload ran"
    assert_clean_error(result, expect, template)
    assert ": ok" not in result.output
    return result


# ---------------------------------------------------------------- LibreOffice

SOFFICE = os.environ.get("DOCGEN_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (CI installs it)",
)


def processes_using(marker: str) -> set[int]:
    """Processes whose command line holds `marker` (a LibreOffice profile folder, say), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def tiny_pdf(folder: Path) -> Path:
    """A real one-page PDF, for stand-ins of LibreOffice (docgen finishes what it converts)."""
    import pikepdf

    path = folder / "tiny.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(path)
    return path


def soffice(files: list[Path], outdir: Path, fmt: str, profile: Path) -> None:
    """One LibreOffice run converting all `files` (a cold start costs more than a conversion)."""
    assert SOFFICE, "CI must install LibreOffice (libreoffice-writer-nogui)"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt,
         "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=300,
    )


# ---------------------------------------------------------------- editing a .docx the way a school does

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def new_run(text: str, bold: bool = False) -> etree._Element:
    run_ = etree.Element(w("r"))
    if bold:
        etree.SubElement(etree.SubElement(run_, w("rPr")), w("b"))
    t = etree.SubElement(run_, w("t"))
    t.text = text
    t.set(XML_SPACE, "preserve")
    return run_


def new_paragraph(text: str) -> etree._Element:
    p = etree.Element(w("p"))
    p.append(new_run(text))
    return p


def paragraph_text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(w("t")))


def find_run(root: etree._Element, text: str, paragraph_has: str = "") -> etree._Element:
    """The first run whose text is exactly `text` (in a paragraph that also holds `paragraph_has`)."""
    for t in root.iter(w("t")):
        if t.text == text:
            run_ = t.getparent()
            p = next(run_.iterancestors(w("p")))
            if paragraph_has in paragraph_text(p):
                return run_
    raise LookupError(f"no run {text!r}")


def edit_docx(src: Path, dst: Path, edits: dict[str, Callable[[etree._Element], None]]) -> None:
    """Copy a .docx, changing the XML of some parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in edits:
                root = etree.fromstring(data)
                edits[info.filename](root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zout.writestr(info, data)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(out.getvalue())


def replace_sentence(root: etree._Element, starts_with: str, new: str) -> None:
    for t in root.iter(w("t")):
        if t.text and t.text.startswith(starts_with):
            t.text = new
            return
    raise LookupError(starts_with)


def split_tag(root: etree._Element, paragraph_has: str = "") -> None:
    """Bold the middle of {{ case.pupil.name }}: Word and LibreOffice then store the tag in three runs."""
    run_ = find_run(root, "{{ case.pupil.name }}", paragraph_has)
    parent, at = run_.getparent(), run_.getparent().index(run_)
    parent.remove(run_)
    for i, (text, bold) in enumerate([("{{ case.", False), ("pupil", True), (".name }}", False)]):
        parent.insert(at + i, new_run(text, bold))


def add_paragraph_after(root: etree._Element, title: str, text: str) -> None:
    next(find_run(root, title).iterancestors(w("p"))).addnext(new_paragraph(text))


def set_run_text(root: etree._Element, old: str, new: str) -> None:
    find_run(root, old).find(w("t")).text = new


# ---------------------------------------------------------------- templates edited and saved by LibreOffice


@dataclass(frozen=True)
class SchoolEdit:
    lang: str
    type: str
    record: Path
    title: str  # the title paragraph; the new paragraph goes after it
    old_sentence: str  # the start of the sentence the school rewrites
    new_sentence: str
    name_paragraph: str  # the paragraph whose {{ case.pupil.name }} gets split also holds this
    pupil_line: str  # how that paragraph renders
    phone: str

    @property
    def id(self) -> str:
        return f"{self.lang}-{self.type}"


SCHOOL_EDITS = [
    SchoolEdit(
        "nb", "activity_plan", NB, "Aktivitetsplan", "Alle elever har rett til et trygt",
        "Ved Fjordvik skole svarer vi skriftlig på hver eneste melding.", "", "Ida Fjelltun", "+47 21 00 00 00",
    ),
    SchoolEdit(
        "da", "concern_receipt", DA_RECEIPT, "Kvittering for henvendelse om mobning", "Indtil handleplanen er klar",
        "Hos os får alle henvendelser et skriftligt svar inden for en uge.", "{{ case.pupil.group }}",
        "Elev:\tSofie Kjærsgaard, 4.b", "+45 70 00 00 00",
    ),
]

BROKEN_MARK = "Saken har et saksnummer."

# Each broken edit in its own copy: (the part edited, the edit).
BROKEN: dict[str, tuple[str, Callable[[etree._Element], None]]] = {
    "misspelt": ("word/document.xml",
                 lambda root: set_run_text(root, "{{ case.pupil.name }}", "{{ case.pupil.nmae }}")),
    "unclosed_if": ("word/document.xml",
                    lambda root: add_paragraph_after(root, "Aktivitetsplan", "{% if case.reference %}" + BROKEN_MARK)),
    "stray_space": ("word/footer1.xml",
                    lambda root: set_run_text(root, "{{ case.reference }}", "{ { case.reference } }")),
}


@dataclass(frozen=True)
class Resaved:
    school: Path  # DIR/<lang>/<type>.docx for every SCHOOL_EDITS entry, saved by LibreOffice
    broken: dict[str, Path]  # name -> a folder DIR with DIR/nb/activity_plan.docx, saved by LibreOffice


@pytest.fixture(scope="session")
def resaved(tmp_path_factory: pytest.TempPathFactory) -> Resaved:
    """Export the built-in templates, edit them as a school would, and let LibreOffice save every copy (one run)."""
    work = tmp_path_factory.mktemp("resaved")
    exported = work / "exported"
    for edit in SCHOOL_EDITS:
        ok(run_cli("templates", "export", edit.type, "--lang", edit.lang, exported))
    staged = work / "staged"
    files = []
    for edit in SCHOOL_EDITS:
        def school_edits(root: etree._Element, edit: SchoolEdit = edit) -> None:
            replace_sentence(root, edit.old_sentence, edit.new_sentence)
            split_tag(root, edit.name_paragraph)
            add_paragraph_after(root, edit.title, "Skolens telefon: {{ school.phone }}")

        target = staged / f"{edit.lang}_{edit.type}.docx"
        edit_docx(exported / edit.lang / f"{edit.type}.docx", target, {"word/document.xml": school_edits})
        files.append(target)
    for name, (part_name, change) in BROKEN.items():
        target = staged / f"broken_{name}.docx"
        edit_docx(exported / "nb" / "activity_plan.docx", target, {part_name: change})
        files.append(target)

    saved = work / "saved"
    soffice(files, saved, "docx", work / "lo-profile")

    school_dir = work / "school"
    for edit in SCHOOL_EDITS:
        source = saved / f"{edit.lang}_{edit.type}.docx"
        assert source.is_file(), f"LibreOffice did not save {source.name}"
        (school_dir / edit.lang).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, school_dir / edit.lang / f"{edit.type}.docx")
    broken = {}
    for name in BROKEN:
        source = saved / f"broken_{name}.docx"
        assert source.is_file(), f"LibreOffice did not save {source.name}"
        (work / "broken" / name / "nb").mkdir(parents=True)
        shutil.copy(source, work / "broken" / name / "nb" / "activity_plan.docx")
        broken[name] = work / "broken" / name
    return Resaved(school_dir, broken)


# ---------------------------------------------------------------- a school profile with a logo and its own fields

SCHOOL_NAME = "Fjordvik skole"
PROFILE_TOML = f"""\
language = "nb"
logo = "logo.png"

[school]
name = "{SCHOOL_NAME}"
address = "Fjordveien 1\\n5000 Fjordvik"
phone = "+47 55 00 00 00"

[signature]
name = "Bjørn Aasen"
title = "rektor"

[fields.kommunenummer]
description = "Kommunenummeret, skrives i brevhodet"
required = true

[fields.skolerute]
description = "Første skoledag etter skoleruta"
kind = "date"
"""

CUSTOM_TEMPLATE = """\
# Aktivitetsplan

Elev: {{ case.pupil.name }}

Skole: {{ school.name }}

Kommunenummer: {{ custom.kommunenummer }}

Første skoledag: {{ custom.skolerute }}

Med vennlig hilsen {{ signature.name }}, {{ signature.title }}
"""
CUSTOM_HEADER = "header: {%p if logo %}\nheader: {{ logo }}\nheader: {%p endif %}\nheader: {{ school.name }}\n"


@dataclass(frozen=True)
class School:
    profile: Path
    templates: Path
    logo: Path


@pytest.fixture(scope="session")
def school(tmp_path_factory: pytest.TempPathFactory) -> School:
    base = tmp_path_factory.mktemp("school")
    logo = base / "logo.png"
    shutil.copy(ROOT / "examples" / "profile" / "logo.png", logo)
    profile = base / "school.toml"
    profile.write_text(PROFILE_TOML, encoding="utf-8")
    built = make_template(base / "build", CUSTOM_TEMPLATE, front=CUSTOM_HEADER)
    templates = base / "maler"
    (templates / "nb").mkdir(parents=True)
    shutil.copy(built, templates / "nb" / "activity_plan.docx")
    return School(profile, templates, logo)


def profile_record(tmp_path: Path, custom: dict | None = None, **changes) -> Path:
    """The nb example plan without "school" (the profile fills it in) and with the school's own fields."""
    record = load_example("activity_plan.nb.json")
    del record["school"]
    record["custom"] = {"kommunenummer": "4601", "skolerute": "2026-08-17"} if custom is None else custom
    record.update(changes)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


def render_with_profile(school: School, record: Path, out: Path) -> Result:
    return run_cli("render", record, "--profile", school.profile, "--templates", school.templates, "-o", out)


def _installed() -> bool:
    """Whether docgen runs from an installed package, not from this checkout (where the comparison is moot)."""
    from docgen.resources import data_dir

    return data_dir("templates") != ROOT / "templates"


only_installed = pytest.mark.skipif(not _installed(), reason="only against an installed package (make test)")


# ---------------------------------------------------------------- `docgen serve` as users start it


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def docgen_server(log: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """`docgen serve ARGS` on a free port, its output in `log`; yields (base URL, port) once /health answers."""
    import time

    import httpx

    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "docgen", "serve", "--port", str(port), *args],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"the server did not start:\n{log.read_text()}")
        yield base, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
