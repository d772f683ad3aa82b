"""Version stamps on the built-in templates, and what changed since a school's copy was exported."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from docgen import versions
from docgen.cli import cli
from docgen.resources import data_dir

from conftest import ROOT


def builtin(type_name: str = "activity_plan", lang: str = "nb") -> bytes:
    return (data_dir("templates") / lang / f"{type_name}.docx").read_bytes()


def rewrite(data: bytes, version: str | None, edit: tuple[str, str] | None = None) -> bytes:
    """A copy of a template with another version stamp (None: no stamp) and one text edited."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            blob = src.read(item)
            if item.filename == versions.CUSTOM_PART:
                if version is None:
                    continue
                blob = re.sub(rb"(docgen\.version\"><vt:lpwstr>)[^<]*", rb"\g<1>" + version.encode(), blob)
            if edit and item.filename == "word/document.xml":
                blob = blob.replace(edit[0].encode(), edit[1].encode(), 1)
            dst.writestr(item, blob)
    return out.getvalue()


@pytest.mark.parametrize("source", sorted((ROOT / "templates").glob("*/*.md")), ids=lambda p: p.stem)
def test_every_builtin_carries_its_stamp(source: Path) -> None:
    stamp = versions.stamp(source.with_suffix(".docx").read_bytes())
    assert stamp.name == f"{source.parent.name}/{source.stem}"
    assert stamp.version and re.fullmatch(r"[0-9a-f]{12}", stamp.version)


def test_an_export_is_current_and_a_rendered_document_records_its_template(tmp_path: Path) -> None:
    import docgen

    result = CliRunner().invoke(cli, ["templates", "export", "activity_plan", "--lang", "nb", str(tmp_path)])
    assert result.exit_code == 0
    copy = (tmp_path / "nb" / "activity_plan.docx").read_bytes()
    assert versions.outdated(copy, "activity_plan", "nb") is None
    assert versions.diff(copy, "activity_plan", "nb") == []
    rendered = docgen.render((ROOT / "examples" / "activity_plan.nb.json").read_bytes())
    assert versions.stamp(rendered) == versions.stamp(builtin())


def test_an_older_copy_is_reported_and_diffed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    current = builtin()
    paragraph = versions.paragraphs(current)[3]
    word = paragraph.split()[-1]
    older = rewrite(current, "0123456789ab", (word, "GAMMELT"))
    old_paragraphs = versions.paragraphs(older)
    monkeypatch.setattr(versions, "_history", lambda type_name, lang: {"0123456789ab": old_paragraphs})
    assert "exported from an older built-in template (version 0123456789ab" in versions.outdated(
        older, "activity_plan", "nb")
    lines = versions.diff(older, "activity_plan", "nb")
    assert lines[0] == "Changed in the built-in template since version 0123456789ab:"
    assert any(line.startswith("  changed:") and "GAMMELT" in line for line in lines)

    folder = tmp_path / "maler" / "nb"
    folder.mkdir(parents=True)
    (folder / "activity_plan.docx").write_bytes(older)
    listed = CliRunner().invoke(cli, ["templates", "list", "--templates", str(tmp_path / "maler")])
    assert listed.exit_code == 0
    assert "warning" in listed.stderr and "older built-in template" in listed.stderr
    shown = CliRunner().invoke(cli, ["templates", "diff", str(folder / "activity_plan.docx")])
    assert shown.exit_code == 0 and "GAMMELT" in shown.output


def test_a_copy_without_a_stamp(tmp_path: Path) -> None:
    unstamped = rewrite(builtin(), None)
    assert "no version stamp" in versions.outdated(unstamped, "activity_plan", "nb")
    path = tmp_path / "nb" / "activity_plan.docx"
    path.parent.mkdir()
    path.write_bytes(unstamped)
    checked = CliRunner().invoke(cli, ["templates", "check", str(path)])
    assert checked.exit_code == 0, checked.output  # a warning, not an error
    assert "docgen: warning:" in checked.stderr and "no version stamp" in checked.stderr
    assert versions.diff(unstamped, "activity_plan", "nb")[0].startswith("No earlier built-in version is known")


@pytest.mark.parametrize("source", sorted((ROOT / "templates").glob("*/*.md")), ids=lambda p: p.stem)
def test_the_history_knows_every_current_version(source: Path) -> None:
    """So that a school's copy exported today can be compared with tomorrow's built-in:
    run `make templates` (it records each version) before committing a template change."""
    data = source.with_suffix(".docx").read_bytes()
    history = versions._history(source.stem, source.parent.name)
    assert history.get(versions.stamp(data).version) == versions.paragraphs(data)
