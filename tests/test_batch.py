"""Batches: every good record written, every bad one reported, nothing partial, resumable."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from docgen.naming import format_name, safe_name
from docgen.cli import cli

from conftest import all_text, load_example, open_docx


def jsonl(path: Path, records: list) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for record in records:
            f.write((record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)) + "\n")
    return path


def records_with_errors(count: int) -> tuple[list, set[int]]:
    """`count` records, every tenth invalid (a bad date order); returns the bad line numbers."""
    base = load_example("activity_plan.nb.json")
    out, bad = [], set()
    for i in range(count):
        record = copy.deepcopy(base)
        record["case"]["pupil"]["name"] = f"Elev {i:03d}"
        if i % 10 == 4:
            record["measures"][1]["evaluation_date"] = "2026-11-30"
            bad.add(i + 1)
        out.append(record)
    return out, bad


def invoke(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def docx_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.docx"))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_bad_records_never_cost_the_good_ones(tmp_path: Path, workers: str) -> None:
    records, bad = records_with_errors(40)
    source = jsonl(tmp_path / "cases.jsonl", records)
    out = tmp_path / "out"
    result = invoke("batch", str(source), "-o", str(out), "--workers", workers, "--name", "{pupil.name}")
    assert result.exit_code == 1
    assert "36 written, 0 skipped, 4 failed" in result.stderr
    written = {p.stem for p in docx_files(out)}
    assert written == {f"Elev {i:03d}" for i in range(40) if i + 1 not in bad}
    assert "Elev 000" in all_text(open_docx((out / "Elev 000.docx").read_bytes()))
    report = [json.loads(line) for line in (out / "docgen-errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["line"] for r in report} == bad
    assert {r["path"] for r in report} == {"measures[1].evaluation_date"}
    assert all(r["source"] == f"{source}:{r['line']}" for r in report)
    assert all("Elev" not in r["message"] for r in report)  # no record contents in the report
    rows = [json.loads(line) for line in result.stdout.splitlines()]  # a pipe gets one JSON line per record
    assert [r["n"] for r in rows] == list(range(1, 41))
    assert {r["status"] for r in rows} == {"written", "failed"}


def test_two_workers_write_the_same_bytes_as_one(tmp_path: Path) -> None:
    records, _ = records_with_errors(20)
    source = jsonl(tmp_path / "cases.jsonl", records)
    invoke("batch", str(source), "-o", str(tmp_path / "one"), "--workers", "1")
    invoke("batch", str(source), "-o", str(tmp_path / "two"), "--workers", "2")
    one, two = docx_files(tmp_path / "one"), docx_files(tmp_path / "two")
    assert [p.name for p in one] == [p.name for p in two] and len(one) == 18
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two))


def test_names_are_safe_and_never_collide(tmp_path: Path) -> None:
    base = load_example("activity_plan.nb.json")
    names = ["Åse Ærlig/Øye", "Åse Ærlig/Øye", "../../etc/passwd", "CON", "  . "]
    records = []
    for name in names:
        record = copy.deepcopy(base)
        record["case"]["pupil"]["name"] = name
        records.append(record)
    source = jsonl(tmp_path / "cases.jsonl", records)
    out = tmp_path / "out"
    result = invoke("batch", str(source), "-o", str(out), "--name", "{pupil.name}")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in docx_files(out)] == sorted(
        ["Åse Ærlig-Øye.docx", "Åse Ærlig-Øye-2.docx", "etc-passwd.docx", "_CON.docx", "document.docx"]
    )
    assert not (tmp_path / "etc").exists()


def test_safe_name_rules() -> None:
    assert safe_name("a/b\\c:d*e?f\"g<h>i|j") == "a-b-c-d-e-f-g-h-i-j"
    assert safe_name("Ærø ÅS øy") == "Ærø ÅS øy"
    assert safe_name("nul.txt") == "_nul.txt"
    assert len(safe_name("ø" * 300).encode()) <= 200
    assert format_name("{type}-{case.reference}-{missing.field}", {"type": "x", "case": {"reference": "2026/1"}}) == "x-2026-1"


def test_stdin_empty_input_and_non_json_lines(tmp_path: Path) -> None:
    record = json.dumps(load_example("activity_plan.nb.json"))
    data = f"{record}\n\nnot json at all\n{record}\n".encode()
    result = invoke("batch", "-", "-o", str(tmp_path / "out"), input=data)
    assert result.exit_code == 1
    assert "2 written, 0 skipped, 1 failed" in result.stderr
    report = json.loads((tmp_path / "out" / "docgen-errors.jsonl").read_text(encoding="utf-8"))
    assert report["source"] == "<stdin>:3" and "not valid JSON" in report["message"]

    empty = invoke("batch", "-", "-o", str(tmp_path / "empty"), input=b"")
    assert empty.exit_code == 0
    assert "0 written, 0 skipped, 0 failed" in empty.stderr


def test_folder_input(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    for lang in ("nb", "nn", "da"):
        (folder / f"plan-{lang}.json").write_text(json.dumps(load_example(f"activity_plan.{lang}.json")), encoding="utf-8")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    result = invoke("batch", str(folder), "-o", str(tmp_path / "out"), "--name", "{source}")
    assert result.exit_code == 1
    assert sorted(p.name for p in docx_files(tmp_path / "out")) == ["plan-da.docx", "plan-nb.docx", "plan-nn.docx"]
    assert "broken.json" in (tmp_path / "out" / "docgen-errors.jsonl").read_text(encoding="utf-8")


def test_fail_fast_and_existing_files(tmp_path: Path) -> None:
    records, _ = records_with_errors(10)
    source = jsonl(tmp_path / "cases.jsonl", records)
    out = tmp_path / "out"
    result = invoke("batch", str(source), "-o", str(out), "--fail-fast", "--name", "{n}")
    assert result.exit_code == 1
    assert "4 written, 0 skipped, 1 failed" in result.stderr and "stopped" in result.stderr
    resumed = invoke("batch", str(source), "-o", str(out), "--name", "{n}", "--skip-existing")
    assert "5 written, 4 skipped, 1 failed" in resumed.stderr
    again = invoke("batch", str(source), "-o", str(out), "--name", "{n}")
    assert again.exit_code == 1
    assert "0 written, 0 skipped, 10 failed" in again.stderr
    assert "already exists" in (out / "docgen-errors.jsonl").read_text(encoding="utf-8")
    forced = invoke("batch", str(source), "-o", str(out), "--name", "{n}", "--force")
    assert "9 written, 0 skipped, 1 failed" in forced.stderr


def test_bad_options(tmp_path: Path) -> None:
    source = str(tmp_path / "missing.jsonl")
    result = invoke("batch", source, "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "not found" in result.stderr
    records, _ = records_with_errors(1)
    source = str(jsonl(tmp_path / "cases.jsonl", records))
    assert invoke("batch", source, "-o", str(tmp_path / "o"), "--name", "{type").exit_code == 1
    assert invoke("batch", source, "-o", str(tmp_path / "o"), "--name", "fixed").exit_code == 1
    assert invoke("batch", source, "-o", str(tmp_path / "o"), "--force", "--skip-existing").exit_code == 2


def test_killed_batch_leaves_no_partial_file_and_resumes(tmp_path: Path) -> None:
    records, bad = records_with_errors(400)
    source = jsonl(tmp_path / "cases.jsonl", records)
    out = tmp_path / "out"
    docgen = [sys.executable, "-m", "docgen", "batch", str(source), "-o", str(out), "--workers", "2"]
    proc = subprocess.Popen(docgen, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.docx"))) < 40:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = docx_files(out)
    assert 0 < len(done) < 360, "the batch should have been killed part-way"
    for path in done:  # every file there is a whole, valid document
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
        open_docx(path.read_bytes())
    leftovers = [p.name for p in out.iterdir() if p.suffix != ".docx" and p.name != "docgen-errors.jsonl"]
    assert leftovers == []

    resumed = subprocess.run([*docgen, "--skip-existing"], capture_output=True, text=True)
    assert resumed.returncode == 1  # the invalid records still fail
    assert len(docx_files(out)) == 400 - len(bad)
    assert f"{len(done)} skipped" in resumed.stderr


def test_a_single_json_file_is_one_record(tmp_path: Path) -> None:
    result = invoke("batch", str(Path(__file__).parent.parent / "examples" / "activity_plan.da.json"),
                    "-o", str(tmp_path / "out"), "--name", "{source}")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in docx_files(tmp_path / "out")] == ["activity_plan.da.docx"]


def test_warnings_are_reported_like_validate(tmp_path: Path) -> None:
    record = load_example("activity_plan.nb.json")
    record["measures"][0]["evaluation_date"] = "2027-03-01"  # more than six weeks after the start
    source = jsonl(tmp_path / "cases.jsonl", [record])
    out = tmp_path / "out"
    result = invoke("batch", str(source), "-o", str(out), "--workers", "1")
    assert result.exit_code == 0
    row = json.loads(result.stdout.strip())
    assert row["status"] == "written" and row["errors"] == []
    assert [(w["path"], w["severity"]) for w in row["warnings"]] == [("measures[0].evaluation_date", "warning")]
    report = [json.loads(line) for line in (out / "docgen-errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert report == [{"source": f"{source}:1", "line": 1, "path": "measures[0].evaluation_date",
                       "message": row["warnings"][0]["message"], "severity": "warning"}]
    assert "1 written, 0 skipped, 0 failed, 1 with warnings" in result.stderr
    assert "Ida" not in (out / "docgen-errors.jsonl").read_text(encoding="utf-8") + json.dumps(row["warnings"])


def _counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from docgen.api import Pipeline

    calls: list[int] = []
    original = Pipeline.document

    def counted(self, report):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(self, report)

    monkeypatch.setattr(Pipeline, "document", counted)
    return calls


def test_skip_existing_decides_before_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records, _ = records_with_errors(6)
    twins = [copy.deepcopy(records[0]), copy.deepcopy(records[0])]  # one name: x and x-2
    source = jsonl(tmp_path / "cases.jsonl", records[:3] + twins)
    out = tmp_path / "out"
    calls = _counting_renders(monkeypatch)
    assert invoke("batch", str(source), "-o", str(out), "--workers", "1", "--name", "{pupil.name}").exit_code == 0
    assert len(calls) == 5 and len(docx_files(out)) == 5

    calls.clear()
    result = invoke("batch", str(source), "-o", str(out), "--workers", "1", "--name", "{pupil.name}",
                    "--skip-existing")
    assert result.exit_code == 0 and "0 written, 5 skipped, 0 failed" in result.stderr
    assert calls == []  # nothing rendered again

    (out / "Elev 000-2.docx").unlink()  # the twin's numbered name is free again
    result = invoke("batch", str(source), "-o", str(out), "--workers", "1", "--name", "{pupil.name}",
                    "--skip-existing")
    assert "1 written, 4 skipped, 0 failed" in result.stderr
    assert len(calls) == 1 and (out / "Elev 000-2.docx").is_file()


def test_the_logo_is_read_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import docgen.profile
    from docgen import api

    reads: list[Path] = []
    original = docgen.profile.read_logo

    def counted(path: Path) -> bytes:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(docgen.profile, "read_logo", counted)
    api._cached_logo.cache_clear()
    records, _ = records_with_errors(3)
    source = jsonl(tmp_path / "cases.jsonl", records)
    profile = Path(__file__).resolve().parent.parent / "examples" / "profile" / "school.toml"
    result = invoke("batch", str(source), "-o", str(tmp_path / "out"), "--workers", "1", "--name", "{pupil.name}",
                    "--profile", str(profile))
    assert result.exit_code == 0, result.output
    assert len(reads) == 1
    for path in docx_files(tmp_path / "out"):
        assert any(name.startswith("word/media/docgen-logo") for name in zipfile.ZipFile(path).namelist())
