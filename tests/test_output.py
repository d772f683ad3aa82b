"""Where `-o` puts a document, and that the format and the file name agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from docgen.cli import cli
from docgen.output import document_path

from conftest import ROOT, open_docx

PLAN = str(ROOT / "examples" / "activity_plan.nb.json")


def test_a_trailing_slash_means_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper"
    result = CliRunner().invoke(cli, ["render", PLAN, "-o", f"{target}/"])
    assert result.exit_code == 0, result.output
    written = target / "activity_plan.nb.docx"
    assert written.is_file() and open_docx(written.read_bytes()).paragraphs
    assert not (tmp_path / "new" / "deeper.docx").exists()


def test_an_existing_folder_without_a_slash(tmp_path: Path) -> None:
    assert document_path(str(tmp_path), "pdf", "plan") == tmp_path / "plan.pdf"
    assert document_path(str(tmp_path / "x.docx"), "docx", "plan") == tmp_path / "x.docx"


def test_a_folder_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(cli, ["render", PLAN, "-o", f"{tmp_path / 'file'}/sub/"])
    assert result.exit_code == 1
    assert "cannot create the folder" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name, fmt", [("plan.docx", "pdf"), ("plan.pdf", "docx"), ("plan.DOCX", "pdfa")])
def test_a_suffix_that_contradicts_the_format_is_refused(tmp_path: Path, name: str, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["render", PLAN, "-o", str(tmp_path / name), "--format", fmt])
    assert result.exit_code == 2
    assert "--format" in result.output and "change one of them" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_suffix_gets_a_warning(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["render", PLAN, "-o", str(tmp_path / "plan.txt")])
    assert result.exit_code == 0, result.output
    assert "does not end in .docx" in result.output
    assert open_docx((tmp_path / "plan.txt").read_bytes()).paragraphs
