"""The command line: exit codes, one clear message, no traceback, no half-written file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from docgen.cli import cli

from conftest import ROOT, all_text, load_example, make_template, open_docx, run_cli

NB = str(ROOT / "examples" / "activity_plan.nb.json")


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def assert_clean_failure(result, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def write(tmp_path: Path, record: dict | str, name: str = "case.json") -> str:
    path = tmp_path / name
    path.write_text(record if isinstance(record, str) else json.dumps(record), encoding="utf-8")
    return str(path)


def test_render_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    result = run("render", NB, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    assert "Ida Fjelltun" in all_text(open_docx(out.read_bytes()))


def test_render_with_type_and_language_override(tmp_path: Path) -> None:
    refused = run("render", "activity_plan", NB, "--lang", "nn", "-o", str(tmp_path))
    assert refused.exit_code == 1
    assert "lang: the record is written in 'nb'; 'nn' would put its text under headings in the other written " \
           "standard" in refused.stderr
    assert list(tmp_path.iterdir()) == []
    result = run("render", "activity_plan", NB, "--lang", "nn", "--translate", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = (tmp_path / "activity_plan.nb.docx").read_bytes()
    assert open_docx(data).core_properties.language == "nn-NO"
    other_country = run("validate", NB, "--lang", "da")
    assert other_country.exit_code == 1 and "headings for the other country" in other_country.stderr


def test_render_stdin_to_stdout() -> None:
    result = CliRunner().invoke(cli, ["render", "-", "-o", "-"], input=Path(NB).read_bytes())
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes[:2] == b"PK"
    assert "Ida Fjelltun" in all_text(open_docx(result.stdout_bytes))


def test_existing_output_is_kept_without_force(tmp_path: Path) -> None:
    out = tmp_path / "plan.docx"
    out.write_bytes(b"old")
    result = run("render", NB, "-o", str(out))
    assert_clean_failure(result)
    assert "already exists; use --force" in result.stderr
    assert out.read_bytes() == b"old"
    assert run("render", NB, "-o", str(out), "--force").exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


def no_files_but(tmp_path: Path, *names: str) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_invalid_json(tmp_path: Path) -> None:
    src = write(tmp_path, '{"type": "activity_plan",')
    result = run("render", src, "-o", str(tmp_path / "out.docx"))
    assert_clean_failure(result)
    assert "not valid JSON" in result.stderr
    no_files_but(tmp_path, "case.json")


def test_invalid_record_names_the_field(tmp_path: Path) -> None:
    record = load_example("activity_plan.nb.json")
    record["measures"][2]["evaluation_date"] = "2026-12-01"
    src = write(tmp_path, record)
    result = run("render", src, "-o", str(tmp_path / "out.docx"))
    assert_clean_failure(result)
    assert "measures[2].evaluation_date: the evaluation cannot come before the measure starts" in result.stderr
    no_files_but(tmp_path, "case.json")


def test_missing_input(tmp_path: Path) -> None:
    result = run("render", str(tmp_path / "nope.json"), "-o", str(tmp_path / "out.docx"))
    assert_clean_failure(result)
    assert "nope.json: file not found" in result.stderr


@pytest.mark.parametrize("target", ["missing-folder/out.docx", "/proc/docgen-out.docx"])
def test_unwritable_output(tmp_path: Path, target: str) -> None:
    out = target if target.startswith("/") else str(tmp_path / target)
    result = run("render", NB, "-o", out)
    assert_clean_failure(result)
    assert "docgen: error:" in result.stderr
    assert not Path(out).exists()


def test_broken_template_names_the_location(tmp_path: Path) -> None:
    template = make_template(tmp_path, "Hei\n\nElev: {{ case.pupil.nmae }}")
    out = tmp_path / "out.docx"
    result = run("render", NB, "--template", str(template), "-o", str(out))
    assert_clean_failure(result)
    assert "unknown field 'nmae'" in result.stderr
    assert 'near "Elev: {{ case.pupil.nmae }}"' in result.stderr
    assert not out.exists()
    assert not list(tmp_path.glob("*.part"))


def test_template_that_is_not_a_docx(tmp_path: Path) -> None:
    template = tmp_path / "mal.docx"
    template.write_text("hello")
    result = run("render", NB, "--template", str(template), "-o", str(tmp_path / "out.docx"))
    assert_clean_failure(result)
    assert "not a Word document" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert_clean_failure(run("render"), 2)
    assert_clean_failure(run("render", NB), 2)  # no -o
    assert_clean_failure(run("render", NB, "--lang", "sv", "-o", "x.docx"), 2)
    assert_clean_failure(run("render", "a", "b", "c", "-o", "x.docx"), 2)
    assert_clean_failure(run("frobnicate"), 2)


def test_unknown_type(tmp_path: Path) -> None:
    result = run("render", "activity_plann", NB, "-o", str(tmp_path / "x.docx"))
    assert_clean_failure(result)
    assert "Did you mean 'activity_plan'" in result.stderr


def test_validate_reports_each_file(tmp_path: Path) -> None:
    bad = load_example("activity_plan.nb.json")
    del bad["measures"][0]["responsible"]
    warn = load_example("activity_plan.nb.json")
    warn["measures"][0]["evaluation_date"] = "2027-03-01"
    result = run("validate", NB, write(tmp_path, bad, "bad.json"), write(tmp_path, warn, "warn.json"), "broken.json")
    assert_clean_failure(result)
    assert f"{NB}: ok" in result.stdout
    assert "bad.json: measures[0].responsible: is required but missing" in result.stderr
    assert "warning:" in result.stderr and "warn.json: measures[0].evaluation_date" in result.stderr
    assert "warn.json: ok (1 warning)" in result.stdout
    assert "broken.json: file not found" in result.stderr


def test_validate_all_examples() -> None:
    examples = sorted(str(p) for p in (ROOT / "examples").glob("*.json"))
    result = run("validate", *examples)
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": ok") == len(examples)


def test_example_prints_a_valid_record(tmp_path: Path) -> None:
    for lang in ("nb", "nn", "da"):
        result = run("example", "activity_plan", "--lang", lang)
        assert result.exit_code == 0
        assert json.loads(result.stdout)["lang"] == lang
        assert run("validate", write(tmp_path, result.stdout)).exit_code == 0


def test_types_lists_languages() -> None:
    result = run("types")
    assert result.exit_code == 0
    assert "activity_plan" in result.stdout
    assert "da: Handleplan" in result.stdout and "nn: Aktivitetsplan" in result.stdout


def test_schema_check(tmp_path: Path) -> None:
    assert run("schema", "--check", "--dir", str(ROOT / "schemas")).exit_code == 0
    stale = tmp_path / "activity_plan.schema.json"
    stale.write_text("{}")
    result = run("schema", "--check", "--dir", str(tmp_path))
    assert_clean_failure(result)
    assert "out of date" in result.stderr
    assert run("schema", "--dir", str(tmp_path)).exit_code == 0
    assert stale.read_text(encoding="utf-8") == (ROOT / "schemas" / "activity_plan.schema.json").read_text(encoding="utf-8")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--debug", "render", str(tmp_path / "nope.json"), "-o", "x.docx"])
    assert result.exit_code == 1
    assert result.exception is not None


def test_real_entry_points(tmp_path: Path) -> None:
    """The installed console script and `python -m docgen`, as users run them."""
    docgen_script = Path(sys.executable).with_name("docgen")
    out = tmp_path / "plan.docx"
    env = {**os.environ, "LC_ALL": "C"}
    done = subprocess.run([str(docgen_script), "render", NB, "-o", str(out)], capture_output=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.is_file()
    bad = subprocess.run([sys.executable, "-m", "docgen", "render", NB, "-o", str(out)], capture_output=True, cwd=tmp_path)
    assert bad.returncode == 1
    assert b"already exists" in bad.stderr and b"Traceback" not in bad.stderr
    helped = subprocess.run([sys.executable, "-m", "docgen", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "Usage: docgen" in helped.stdout


def assert_usage_error(result: Result, expect: str) -> None:
    """click rejected an argument before docgen ran: exit 2 and its usage message."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Usage: ")
    assert "Error: Invalid value for" in result.stderr and expect in result.stderr


def test_a_folder_as_template_is_a_usage_error(tmp_path: Path) -> None:
    folder = tmp_path / "maler"
    folder.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert_usage_error(run_cli("render", NB, "--template", folder, "-o", out_dir / "plan.docx"), "is a directory")
    assert sorted(out_dir.iterdir()) == []
    assert_usage_error(run_cli("templates", "check", folder, "--type", "activity_plan"), "is a directory")
