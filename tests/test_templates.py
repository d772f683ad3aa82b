"""Templates: the committed .docx files are exactly what tools/build_templates.py makes of their
source; a school's override folder (--templates, DOCGEN_TEMPLATES or the profile's folder) wins
over the built-in set, which fills in every template the folder lacks; export never overwrites."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

import docgen
from docgen.doctypes import DOCTYPES
from docgen.resources import data_dir
from docgen.templates import builtin_template

from conftest import (
    NB,
    ROOT,
    add_paragraph_after,
    all_text,
    builder,
    edit_docx,
    failed,
    ok,
    only_installed,
    open_docx,
    run_cli,
    text_of,
)

SOURCES = builder().sources(ROOT / "templates")
NN_PLAN = ROOT / "examples" / "activity_plan.nn.json"
NB_RECEIPT = ROOT / "examples" / "concern_receipt.nb.json"


def test_every_type_has_a_template_per_language() -> None:
    for info in DOCTYPES.values():
        for lang in info.languages:
            assert (ROOT / "templates" / lang / f"{info.name}.md").is_file()
            assert (ROOT / "templates" / lang / f"{info.name}.docx").is_file()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_committed_docx_matches_its_source(source) -> None:
    """Compared part by part (not zip bytes, which depend on the zlib version)."""
    committed = zipfile.ZipFile(source.with_suffix(".docx"))
    fresh = zipfile.ZipFile(io.BytesIO(builder().build(source)))
    assert committed.namelist() == fresh.namelist(), "run `make templates` and commit the result"
    for name in fresh.namelist():
        assert committed.read(name) == fresh.read(name), f"{name} differs: run `make templates` and commit"


@only_installed
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_installed_templates_are_the_committed_ones(source) -> None:
    installed = data_dir("templates") / source.parent.name / source.with_suffix(".docx").name
    assert installed.read_bytes() == source.with_suffix(".docx").read_bytes()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_templates_are_real_word_documents(source) -> None:
    import docx

    document = docx.Document(str(source.with_suffix(".docx")))
    styles = {s.style_id for s in document.styles}
    assert {"Title", "Heading1", "Heading2", "DocgenTable", "Header", "Footer"} <= styles
    # Later pages carry the page number, in the header or the footer.
    later = document.sections[0].header._element.xml + document.sections[0].footer._element.xml
    assert "PAGE" in later and "NUMPAGES" in later
    header_rows = document.element.body.xpath(".//w:trPr/w:tblHeader")
    data_tables = document.element.body.xpath(".//w:tblStyle[@w:val='DocgenTable']")
    # Tables with a header row repeat it on each page (the Danish one-page receipt has no data table).
    assert header_rows or not data_tables


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_headings_and_tables_keep_together(source) -> None:
    """The title is the outline's first level; a label/value table stays on one page (every row
    but the last keeps with the next); a list table's header row keeps with the row under it."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(source.with_suffix(".docx")))
    levels = {s.style_id: s.element.pPr.find(qn("w:outlineLvl")) for s in document.styles
              if s.style_id in ("Title", "Heading1", "Heading2", "Heading3")}
    assert {k: v.get(qn("w:val")) for k, v in levels.items()} == {
        "Title": "0", "Heading1": "1", "Heading2": "2", "Heading3": "3"}
    kept_whole = source.read_text(encoding="utf-8").count("{.grid keep}")
    whole = 0
    for table in document.tables:
        rows = table._tbl.findall(qn("w:tr"))
        header = rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        keeps = [[p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in row.iter(qn("w:p"))]
                 for row in rows]
        if header and len(rows) > 2 and all(keeps[1]):
            whole += 1  # {.grid keep}: a short list table stays on one page
            assert all(all(k) for k in keeps[:-1]), source.name
            continue
        for i, row_keeps in enumerate(keeps):
            expected = i == 0 if header else i < len(rows) - 1
            assert all(k == expected for k in row_keeps), (source.name, i)
    assert whole == kept_whole


# ---------------------------------------------------------------- override folder and fallback


MARK = "Denne planen følger Fjordvik skoles egen mal."


def marked_override(folder: Path) -> Path:
    """folder/nb/activity_plan.docx: the exported template with one distinctive sentence added."""
    export = folder.parent / f"{folder.name}-export"
    ok(run_cli("templates", "export", "activity_plan", "--lang", "nb", export))
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
    result = run_cli("templates", "list", *args, env=env)
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
    ok(run_cli("render", NB, "-o", plan, *args, env=env))
    assert MARK in text_of(plan)
    assert "Ida Fjelltun" in text_of(plan)

    for record, name in ((NN_PLAN, "plan.nn.docx"), (NB_RECEIPT, "receipt.nb.docx")):
        out = tmp_path / name
        ok(run_cli("render", record, "-o", out, *args, env=env))
        text = text_of(out)
        assert MARK not in text
        assert text == all_text(open_docx(docgen.render(record.read_bytes())))  # the built-in template


def test_missing_override_folder_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    result = run_cli("render", NB, "-o", out, "--templates", tmp_path / "no-such-folder")
    failed(result)
    assert "the template folder does not exist" in result.stderr
    assert not out.exists()


# ---------------------------------------------------------------- export does not overwrite


def test_export_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "nb" / "activity_plan.docx"
    result = run_cli("templates", "export", "activity_plan", "--lang", "nb", tmp_path)
    ok(result)
    assert target.read_bytes() == builtin_template("activity_plan", "nb").read_bytes()

    target.write_bytes(b"the school's own edits")
    result = run_cli("templates", "export", "activity_plan", "--lang", "nb", tmp_path)
    failed(result)
    assert "already exists; use --force" in result.stderr
    assert target.read_bytes() == b"the school's own edits"
    assert sorted(p.name for p in target.parent.iterdir()) == ["activity_plan.docx"]

    ok(run_cli("templates", "export", "activity_plan", "--lang", "nb", tmp_path, "--force"))
    assert target.read_bytes() == builtin_template("activity_plan", "nb").read_bytes()


# ---------------------------------------------------------------- the builder's page parts and tables


def _built(tmp_path: Path, body: str, front: str = "") -> bytes:
    from conftest import make_template

    return make_template(tmp_path, body, front=front).read_bytes()


def test_first_page_parts_give_page_one_its_own_letterhead(tmp_path: Path) -> None:
    from conftest import part

    data = _built(tmp_path, "=== first-header ===\n\n{.Letterhead} Skolen\n\n=== first-footer ===\n\n"
                  "{.Sender} Postadresse\n\n=== body ===\n\n# Tittel\n\nTekst", front="header: Kort tittel\n")
    document = part(data, "word/document.xml")
    assert "<w:titlePg/>" in document and 'w:type="first" r:id="rIdHeader2"' in document
    assert "Skolen" in part(data, "word/header2.xml") and "Postadresse" in part(data, "word/footer2.xml")
    assert "Kort tittel" in part(data, "word/header1.xml")
    assert 'PartName="/word/header2.xml"' in part(data, "[Content_Types].xml")
    assert 'Target="footer2.xml"' in part(data, "word/_rels/document.xml.rels")


def test_without_first_page_parts_there_is_no_different_first_page(tmp_path: Path) -> None:
    from conftest import part

    data = _built(tmp_path, "Tekst", front="header: Kort tittel\n")
    assert "titlePg" not in part(data, "word/document.xml")
    assert "header2" not in part(data, "word/_rels/document.xml.rels")


def test_a_landscape_section_has_its_own_wide_header(tmp_path: Path) -> None:
    import docx

    from conftest import part

    data = _built(tmp_path, "Før\n\n{SECTION landscape}\n\n| A | B | C |\n|--|--|--|\n| 1 | 2 | 3 |\n\n"
                  "{SECTION portrait}\n\nEtter", front="header: Tittel{TAB}Side {PAGE}\n")
    document = docx.Document(io.BytesIO(data))
    assert [s.orientation for s in document.sections] == [0, 1, 0]
    assert document.sections[1].page_width > document.sections[1].page_height
    wide = part(data, "word/header3.xml")
    assert 'w:tab w:val="right" w:pos="14570"' in wide  # the landscape text width


def test_label_value_tables_get_header_cells_and_reference_tables_a_header_row(tmp_path: Path) -> None:
    import docx

    data = _built(tmp_path, "| Elev | Ola |\n| Klasse | 5A |\n\n{.reference widths=1:1}\n| Vår ref. | Dato |\n"
                  "|---|---|\n| 1 | 2 |\n\n{.plain height=30mm}\n| Skole |")
    document = docx.Document(io.BytesIO(data))
    labels, reference, plain = document.tables
    assert [r.cells[0].paragraphs[0].style.style_id for r in labels.rows] == ["TableHeading", "TableHeading"]
    assert labels.rows[0].cells[1].paragraphs[0].style.style_id != "TableHeading"
    assert reference.style.style_id == "ReferenceTable"
    assert reference.rows[0].cells[0].paragraphs[0].style.style_id == "ReferenceLabel"
    assert plain.style.style_id == "PlainTable" and abs(plain.rows[0].height.mm - 30) < 0.1
    assert plain.rows[0].cells[0].paragraphs[0].style.style_id == "Normal"


def test_spacers_separate_tables_only(tmp_path: Path) -> None:
    """Word joins adjacent tables (and a loop may repeat one): a thin Spacer goes between them and
    before a Jinja tag paragraph; a paragraph after a table (tags in between or not) gets space above."""
    from conftest import part

    document = part(_built(tmp_path, "| A | 1 |\n\n| B | 2 |\n\nTekst\n\n| C | 3 |\n\n{%p if x %}\n\nMer\n\n{%p endif %}"),
                    "word/document.xml")
    sequence = re.findall(r'<w:tbl>|<w:pStyle w:val="Spacer"/>|<w:spacing w:before="160"/>', document)
    assert sequence == ["<w:tbl>", '<w:pStyle w:val="Spacer"/>', "<w:tbl>", '<w:spacing w:before="160"/>',
                        "<w:tbl>", '<w:pStyle w:val="Spacer"/>', '<w:spacing w:before="160"/>']


def test_unknown_styles_and_parts_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown paragraph style"):
        _built(tmp_path, "{.Fancy} Tekst")
    with pytest.raises(ValueError, match="unknown part"):
        _built(tmp_path, "=== sidebar ===\n\nTekst")
    with pytest.raises(ValueError, match="2 columns but 3 widths"):
        _built(tmp_path, "{.plain widths=1:1:1}\n| a | b |")


def test_a_kept_table_stays_whole_and_a_footer_table_has_a_rule(tmp_path: Path) -> None:
    from conftest import part

    data = _built(tmp_path, "=== first-footer ===\n\n{.plain}\n| Postadresse | Telefon |\n\n=== body ===\n\n"
                  "{.grid keep}\n| A | B |\n|--|--|\n| 1 | 2 |\n| 3 | 4 |\n| 5 | 6 |")
    rows = re.findall(r"<w:tr>.*?</w:tr>", part(data, "word/document.xml"))
    assert ["keepNext" in row for row in rows] == [True, True, True, False]
    footer = part(data, "word/footer2.xml")
    assert '<w:tblBorders><w:top w:val="single"' in footer
    assert footer.index("<w:tblBorders>") < footer.index("<w:tblLayout") < footer.index("<w:tblCellMar>")
