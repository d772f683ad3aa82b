"""Schools customise docgen: templates edited and saved by LibreOffice, override
folders with fallback to the built-in set, and a school profile with a logo,
a signature and the school's own fields. Everything goes through the CLI, as a
school would use it.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner
from lxml import etree
from pypdf import PdfReader

import docgen
from docgen.check import guess_lang
from docgen.cli import cli
from docgen.templates import builtin_template

from conftest import ROOT, all_text, load_example, make_template, open_docx, part

SOFFICE = os.environ.get("DOCGEN_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (CI installs it)",
)

EXAMPLES = ROOT / "examples"
NB_PLAN = EXAMPLES / "activity_plan.nb.json"
NN_PLAN = EXAMPLES / "activity_plan.nn.json"
NB_RECEIPT = EXAMPLES / "concern_receipt.nb.json"
DA_RECEIPT = EXAMPLES / "concern_receipt.da.json"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# Nothing from the machine running the tests may pick templates or a profile:
# no DOCGEN_TEMPLATES, no DOCGEN_PROFILE, no ~/.config/docgen/profile.toml.
_NO_CONFIG = tempfile.mkdtemp(prefix="docgen-test-no-config-")
CLEAN_ENV = {"DOCGEN_TEMPLATES": None, "DOCGEN_PROFILE": None, "XDG_CONFIG_HOME": _NO_CONFIG}


def run(*args: str | Path, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env={**CLEAN_ENV, **(env or {})}, catch_exceptions=False)


def ok(result) -> None:
    assert result.exit_code == 0, result.output + result.stderr


def failed(result) -> None:
    assert result.exit_code == 1, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr


def text_of(path: Path) -> str:
    return all_text(open_docx(path.read_bytes()))


# ---------------------------------------------------------------- editing a .docx the way a school does


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


def soffice(files: list[Path], outdir: Path, fmt: str, profile: Path) -> None:
    """One LibreOffice run converting all `files` (a cold start costs more than a conversion)."""
    assert SOFFICE, "CI must install LibreOffice (libreoffice-writer-nogui)"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt,
         "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=300,
    )


# ---------------------------------------------------------------- 1. templates edited and saved by LibreOffice


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
        "nb", "activity_plan", NB_PLAN, "Aktivitetsplan", "Alle elever har rett til et trygt",
        "Ved Fjordvik skole svarer vi skriftlig på hver eneste melding.", "", "Ida Fjelltun", "+47 21 00 00 00",
    ),
    SchoolEdit(
        "da", "concern_receipt", DA_RECEIPT, "Kvittering for henvendelse om mobning", "Indtil handleplanen er klar",
        "Hos os får alle henvendelser et skriftligt svar inden for en uge.", "{{ case.pupil.group }}",
        "Sofie Kjærsgaard, 4.b", "+45 70 00 00 00",
    ),
]

BROKEN_MARK = "Saken har et saksnummer."


def set_run_text(root: etree._Element, old: str, new: str) -> None:
    find_run(root, old).find(w("t")).text = new


# Each broken edit in its own copy: (the part edited, the edit).
BROKEN: dict[str, tuple[str, Callable[[etree._Element], None]]] = {
    "misspelt": ("word/document.xml",
                 lambda root: set_run_text(root, "{{ case.pupil.name }}", "{{ case.pupil.nmae }}")),
    "unclosed_if": ("word/document.xml",
                    lambda root: add_paragraph_after(root, "Aktivitetsplan", "{% if case.reference %}" + BROKEN_MARK)),
    "stray_space": ("word/footer1.xml",
                    lambda root: set_run_text(root, "{{ case.pupil.name }}", "{ { case.pupil.name } }")),
}


@dataclass(frozen=True)
class Resaved:
    school: Path  # DIR/<lang>/<type>.docx for every SCHOOL_EDITS entry, saved by LibreOffice
    broken: dict[str, Path]  # name -> a folder DIR with DIR/nb/activity_plan.docx, saved by LibreOffice


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory) -> Resaved:
    """Export the built-in templates, edit them as a school would, and let LibreOffice save every copy (one run)."""
    work = tmp_path_factory.mktemp("resaved")
    exported = work / "exported"
    for edit in SCHOOL_EDITS:
        ok(run("templates", "export", edit.type, "--lang", edit.lang, exported))
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


def texts(docx_path: Path, part_name: str = "word/document.xml") -> list[str]:
    root = etree.fromstring(part(docx_path.read_bytes(), part_name).encode("utf-8"))
    return [t.text or "" for t in root.iter(w("t"))]


@needs_soffice
@pytest.mark.parametrize("edit", SCHOOL_EDITS, ids=lambda e: e.id)
def test_libreoffice_saved_the_edits(resaved: Resaved, edit: SchoolEdit) -> None:
    """The file really is LibreOffice's, and the tag really is split across runs in it."""
    path = resaved.school / edit.lang / f"{edit.type}.docx"
    assert "LibreOffice" in part(path.read_bytes(), "docProps/app.xml")
    runs = texts(path)
    assert "{{ case." in runs, "LibreOffice joined the split tag again; the test no longer tests a split tag"
    i = runs.index("{{ case.")
    assert runs[i + 1] == "pupil"  # the bold run, on its own
    assert runs[i + 2].startswith(".name }}")  # LibreOffice may join it with the plain text after it
    assert any("{{ school.phone }}" in t for t in runs)


@needs_soffice
@pytest.mark.parametrize("edit", SCHOOL_EDITS, ids=lambda e: e.id)
def test_template_edited_in_libreoffice_checks_and_renders(resaved: Resaved, edit: SchoolEdit, tmp_path: Path) -> None:
    template = resaved.school / edit.lang / f"{edit.type}.docx"
    result = run("templates", "check", template)
    ok(result)
    assert "ok (renders the example record)" in result.output

    out = tmp_path / "out.docx"
    ok(run("render", edit.record, "--templates", resaved.school, "-o", out))
    text = text_of(out)
    assert edit.pupil_line in text.splitlines()  # the split tag printed the name where it stood
    assert edit.new_sentence in text
    assert edit.old_sentence not in text
    assert f"Skolens telefon: {edit.phone}" in text.splitlines()
    assert "{{" not in text and "{%" not in text and "}}" not in text
    # The header and footer that LibreOffice rewrote still print the pupil and the school.
    record = json.loads(edit.record.read_text(encoding="utf-8"))
    assert record["school"]["name"] in text


def check_broken(resaved: Resaved, name: str):
    result = run("templates", "check", resaved.broken[name] / "nb" / "activity_plan.docx")
    failed(result)
    return result.stderr


@needs_soffice
def test_check_finds_a_misspelt_field(resaved: Resaved) -> None:
    stderr = check_broken(resaved, "misspelt")
    assert 'the document body, near "{{ case.pupil.nmae }}"' in stderr
    assert "unknown field 'case.pupil.nmae'; did you mean 'name'?" in stderr


@needs_soffice
def test_check_finds_an_unclosed_if(resaved: Resaved) -> None:
    stderr = check_broken(resaved, "unclosed_if")
    assert 'the document body, near "' in stderr
    assert "template syntax error" in stderr
    assert "{% endif %}" in stderr


@needs_soffice
def test_check_points_at_the_unclosed_if_itself(resaved: Resaved) -> None:
    stderr = check_broken(resaved, "unclosed_if")
    assert re.search(r'the document body, near "[^"]*' + re.escape(BROKEN_MARK), stderr), stderr


@needs_soffice
def test_check_finds_a_tag_broken_by_a_space(resaved: Resaved) -> None:
    stderr = check_broken(resaved, "stray_space")
    assert 'the page footer, near "Aktivitetsplan for { { case.pupil.name } }' in stderr
    assert "a tag came out as plain text" in stderr


@needs_soffice
@pytest.mark.parametrize("name", ["unclosed_if", "misspelt"])
def test_render_with_a_broken_template_fails_cleanly(resaved: Resaved, name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.docx"
    result = run("render", NB_PLAN, "--templates", resaved.broken[name], "-o", out)
    failed(result)
    assert "the document body" in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either


def test_check_takes_the_language_from_the_folder(tmp_path: Path) -> None:
    data = builtin_template("activity_plan", "da").read_bytes()
    assert guess_lang(tmp_path / "da" / "activity_plan.docx", data) == "da"


def test_check_guesses_danish_from_the_document_outside_a_language_folder(tmp_path: Path) -> None:
    data = builtin_template("activity_plan", "da").read_bytes()
    assert guess_lang(tmp_path / "skabeloner" / "activity_plan.docx", data) == "da"


# ---------------------------------------------------------------- 2. override folder and fallback


MARK = "Denne planen følger Fjordvik skoles egen mal."


def marked_override(folder: Path) -> Path:
    """folder/nb/activity_plan.docx: the exported template with one distinctive sentence added."""
    export = folder.parent / f"{folder.name}-export"
    ok(run("templates", "export", "activity_plan", "--lang", "nb", export))
    target = folder / "nb" / "activity_plan.docx"
    edit_docx(export / "nb" / "activity_plan.docx", target,
              {"word/document.xml": lambda root: add_paragraph_after(root, "Aktivitetsplan", MARK)})
    return target


@pytest.fixture(params=["option", "env", "profile"])
def override(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The same override folder given three ways; returns (CLI arguments, environment, folder)."""
    how = request.param
    if how == "profile":
        school = tmp_path / "profil"
        folder = school / "maler"
        marked_override(folder)
        (school / "school.toml").write_text('templates = "maler"\n', encoding="utf-8")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)  # relative to the profile file, not to the working folder
        return ["--profile", str(school / "school.toml")], {}, folder
    folder = tmp_path / "maler"
    marked_override(folder)
    if how == "option":
        return ["--templates", str(folder)], {}, folder
    return [], {"DOCGEN_TEMPLATES": str(folder)}, folder


def test_templates_list_shows_the_override(override) -> None:
    args, env, folder = override
    result = run("templates", "list", *args, env=env)
    ok(result)
    rows = [line.split() for line in result.output.splitlines() if line.strip()]
    assert len(rows) == 12  # four types in nb, nn and da
    by_key = {(row[0], row[1]): row for row in rows}
    for (type_name, lang), row in by_key.items():
        if (type_name, lang) == ("activity_plan", "nb"):
            assert row[2:4] == ["override", "from"], row
            assert Path(row[-1]) == folder / "nb" / "activity_plan.docx"
            assert Path(row[-1]).is_file()
        else:
            assert row[2] == "built-in", row
            assert Path(row[-1]) == builtin_template(type_name, lang)


def test_render_uses_the_override_and_falls_back(override, tmp_path: Path) -> None:
    args, env, _ = override
    plan = tmp_path / "plan.nb.docx"
    ok(run("render", NB_PLAN, "-o", plan, *args, env=env))
    assert MARK in text_of(plan)
    assert "Ida Fjelltun" in text_of(plan)

    for record, name in ((NN_PLAN, "plan.nn.docx"), (NB_RECEIPT, "receipt.nb.docx")):
        out = tmp_path / name
        ok(run("render", record, "-o", out, *args, env=env))
        text = text_of(out)
        assert MARK not in text
        assert text == all_text(open_docx(docgen.render(record.read_bytes())))  # the built-in template


def test_missing_override_folder_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    result = run("render", NB_PLAN, "-o", out, "--templates", tmp_path / "no-such-folder")
    failed(result)
    assert "the template folder does not exist" in result.stderr
    assert not out.exists()


# ---------------------------------------------------------------- 3. profile with logo and custom fields

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


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> School:
    base = tmp_path_factory.mktemp("school")
    logo = base / "logo.png"
    shutil.copy(EXAMPLES / "profile" / "logo.png", logo)
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


def render_with_profile(school: School, record: Path, out: Path):
    return run("render", record, "--profile", school.profile, "--templates", school.templates, "-o", out)


def test_profile_fills_in_school_logo_custom_fields_and_signature(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    ok(render_with_profile(school, profile_record(tmp_path), out))
    data = out.read_bytes()

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "word/media/docgen-logo.png" in names
    assert zipfile.ZipFile(io.BytesIO(data)).read("word/media/docgen-logo.png") == school.logo.read_bytes()
    headers = [n for n in names if re.fullmatch(r"word/header\d*\.xml", n) and "rIdDocgenLogo" in part(data, n)]
    assert headers, "no page header shows the logo"
    for header in headers:
        assert "<w:drawing>" in part(data, header)
        rels = part(data, f"word/_rels/{header.removeprefix('word/')}.rels")
        assert re.search(r'Id="rIdDocgenLogo"[^>]*Target="media/docgen-logo.png"', rels)
    assert 'Extension="png"' in part(data, "[Content_Types].xml")
    assert "rIdDocgenLogo" not in part(data, "word/document.xml")  # only the parts that show it

    lines = all_text(open_docx(data)).splitlines()
    assert f"Skole: {SCHOOL_NAME}" in lines
    assert SCHOOL_NAME in lines  # the page header
    assert "Kommunenummer: 4601" in lines
    assert "Med vennlig hilsen Bjørn Aasen, rektor" in lines
    assert "Elev: Ida Fjelltun" in lines


def test_custom_date_prints_as_a_long_date(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    ok(render_with_profile(school, profile_record(tmp_path), out))
    assert "Første skoledag: 17. august 2026" in text_of(out).splitlines()


def test_misspelt_custom_field_is_named(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    result = render_with_profile(school, profile_record(tmp_path, {"kommunenumer": "4601"}), out)
    failed(result)
    assert "custom.kommunenumer: is not a field the school profile declares; did you mean 'kommunenummer'?" \
        in result.stderr
    assert "4601" not in result.stderr  # messages never repeat the record's values
    assert not out.exists()


def test_missing_required_custom_field_is_named(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    result = render_with_profile(school, profile_record(tmp_path, {"skolerute": "2026-08-17"}), out)
    failed(result)
    assert "custom.kommunenummer: is required by the school profile" in result.stderr
    assert "custom.skolerute" not in result.stderr
    assert not out.exists()


def test_custom_date_of_the_wrong_kind_is_named(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    record = profile_record(tmp_path, {"kommunenummer": "4601", "skolerute": "17.08.2026"})
    result = render_with_profile(school, record, out)
    failed(result)
    assert "custom.skolerute: must be a date written as YYYY-MM-DD" in result.stderr
    assert not out.exists()


def test_record_school_name_wins_over_the_profile(school: School, tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    record = profile_record(tmp_path, school={"name": "Nordstrand skole"})
    ok(render_with_profile(school, record, out))
    text = text_of(out)
    assert "Skole: Nordstrand skole" in text.splitlines()
    assert SCHOOL_NAME not in text


def test_check_with_the_profile_knows_its_fields(school: School) -> None:
    template = school.templates / "nb" / "activity_plan.docx"
    result = run("templates", "check", template, "--profile", school.profile)
    ok(result)
    without = run("templates", "check", template)
    failed(without)
    assert "unknown field 'custom.kommunenummer'" in without.stderr


@pytest.fixture(scope="module")
def logo_pdf(school: School, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The profile's document with its logo, converted to PDF by LibreOffice."""
    work = tmp_path_factory.mktemp("logo-pdf")
    docx_path = work / "plan.docx"
    ok(render_with_profile(school, profile_record(work), docx_path))
    soffice([docx_path], work, "pdf", work / "lo-profile")
    return work / "plan.pdf"


@needs_soffice
def test_libreoffice_opens_the_document_with_the_logo(logo_pdf: Path) -> None:
    assert logo_pdf.is_file(), "LibreOffice could not convert the document with the logo"
    reader = PdfReader(str(logo_pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert SCHOOL_NAME in text
    assert "Kommunenummer: 4601" in text
    assert "Bjørn Aasen" in text
    assert any(len(page.images) for page in reader.pages), "the logo is not in the PDF"


# ---------------------------------------------------------------- 4. the cheat sheet


def field_rows(output: str) -> dict[str, str]:
    """path -> the rest of its line, from the field section of `docgen fields`."""
    fields_part = output.split("\nFilters:")[0]
    rows = {}
    for line in fields_part.splitlines():
        if line.startswith("  "):
            path, _, rest = line.strip().partition(" ")
            rows[path] = rest.strip()
    return rows


def test_fields_lists_record_fields_and_filters() -> None:
    result = run("fields", "activity_plan")
    ok(result)
    rows = field_rows(result.output)
    assert rows["case.pupil.name"].startswith("text")
    assert rows["measures[].responsible.name"].startswith("text")
    assert rows["measures[].start_date"].startswith("date")
    assert "signature.name" in rows and "logo" in rows
    assert not any(path.startswith("custom.") for path in rows)
    filters = result.output.split("\nFilters:")[1]
    for name in ("long_date", "weekday_date", "short_date", "person", "add_working_days(n)"):
        assert re.search(rf"^  {re.escape(name)}\s", filters, re.M), name
    assert "22. november 2026" in filters


def test_fields_with_profile_lists_custom_fields(school: School) -> None:
    result = run("fields", "activity_plan", "--profile", school.profile)
    ok(result)
    rows = field_rows(result.output)
    assert "Kommunenummeret, skrives i brevhodet" in rows["custom.kommunenummer"]
    assert "Første skoledag etter skoleruta" in rows["custom.skolerute"]
    assert "case.pupil.name" in rows


# ---------------------------------------------------------------- 5. export does not overwrite


def test_export_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "nb" / "activity_plan.docx"
    result = run("templates", "export", "activity_plan", "--lang", "nb", tmp_path)
    ok(result)
    assert target.read_bytes() == builtin_template("activity_plan", "nb").read_bytes()

    target.write_bytes(b"the school's own edits")
    result = run("templates", "export", "activity_plan", "--lang", "nb", tmp_path)
    failed(result)
    assert "already exists; use --force" in result.stderr
    assert target.read_bytes() == b"the school's own edits"
    assert sorted(p.name for p in target.parent.iterdir()) == ["activity_plan.docx"]

    ok(run("templates", "export", "activity_plan", "--lang", "nb", tmp_path, "--force"))
    assert target.read_bytes() == builtin_template("activity_plan", "nb").read_bytes()
