"""Faults: LibreOffice dies with docgen, a full disk stops a batch cleanly, the report is never cut,
two runs never mix their reports, and a planted compile-cache file never runs."""

from __future__ import annotations

import errno
import json
import marshal
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import docgen
from docgen.cli import cli

from conftest import ROOT, all_text, load_example, make_template, needs_soffice, open_docx, processes_using

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and locks")


# ---------------------------------------------------------------- LibreOffice dies with docgen

CONVERTING = r"""
import sys
from docgen.convert import Converter
converter = Converter("pdf", timeout=120)
print(converter.work, flush=True)
converter.convert([b"PK" + b"x" * 2_000_000] * 3)
"""


@needs_soffice
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_soffice_and_its_profile_die_with_docgen(sig: signal.Signals) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CONVERTING], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, text=True)
    try:
        assert proc.stdout is not None
        work = proc.stdout.readline().strip()
        assert work
        deadline = time.monotonic() + 30
        while not processes_using(work) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_using(work), "LibreOffice did not start"
        time.sleep(1)  # let it get going: soffice.bin forked by the launcher
    finally:
        proc.send_signal(sig)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 8
    while (processes_using(work) or Path(work).exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_using(work), "soffice outlived docgen"
    assert not Path(work).exists(), "the LibreOffice profile folder outlived docgen"


# ---------------------------------------------------------------- a full disk stops a batch cleanly


def _records(tmp_path: Path, count: int) -> Path:
    base = load_example("activity_plan.nb.json")
    source = tmp_path / "cases.jsonl"
    with source.open("w", encoding="utf-8") as f:
        for i in range(count):
            record = json.loads(json.dumps(base))
            record["case"]["pupil"]["name"] = f"Elev {i:03d}"
            if i == 2:
                record["measures"][1]["evaluation_date"] = "2026-11-30"  # one invalid record
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return source


def _full_after(monkeypatch: pytest.MonkeyPatch, documents: int) -> list[Path]:
    """write_file works `documents` times, then the disk is full."""
    from docgen import output

    real = output.write_file
    written: list[Path] = []

    def write_file(data: bytes, path: Path, force: bool = False, sync: bool = True) -> None:
        if Path(path).suffix != ".docx":  # the compile cache
            return real(data, path, force=force, sync=sync)
        if len(written) >= documents:
            raise output.cannot_write(path, OSError(errno.ENOSPC, "No space left on device"))
        real(data, path, force=force, sync=sync)
        written.append(Path(path))

    monkeypatch.setattr(output, "write_file", write_file)
    return written


def _report(out: Path) -> list[dict]:
    text = (out / "docgen-errors.jsonl").read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_full_disk_stops_the_batch_and_lists_every_record_not_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    source = _records(tmp_path, 40)
    out = tmp_path / "out"
    written = _full_after(monkeypatch, 5)
    result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(out), "--workers", workers,
                                      "--name", "{pupil.name}"], catch_exceptions=False)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("docgen: error")]
    assert len(errors) == 1 and "disk is full" in errors[0] and "internal error" not in result.stderr
    assert "record 7" in errors[0] and "--skip-existing" in errors[0]
    assert sorted(p.name for p in out.glob("*.docx")) == sorted(p.name for p in written)
    for path in written:  # every document written is complete
        assert zipfile.ZipFile(path).testzip() is None
        assert path.stem in all_text(open_docx(path.read_bytes()))
    report = _report(out)
    lines = {r["line"]: r["message"] for r in report}
    assert "measures[1].evaluation_date" in {r["path"] for r in report}  # the invalid record, line 3
    assert "disk is full" in lines[7]  # the record that did not fit
    assert all(lines[n] == "not attempted: the disk was full" for n in range(8, 41))
    assert set(lines) == {3, *range(7, 41)}  # every record not written is accounted for


def test_when_not_even_the_report_fits_it_is_never_cut_and_the_error_says_where_to_resume(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("finds the report's descriptor through /proc")
    source = _records(tmp_path, 20)
    out = tmp_path / "out"
    _full_after(monkeypatch, 5)
    real_write = os.write
    budget = {"calls": 0}  # the report gets the invalid record's line, then half a line, then nothing

    def write(fd: int, data: bytes) -> int:  # type: ignore[override]
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if not name.endswith("docgen-errors.jsonl"):
            return real_write(fd, data)
        budget["calls"] += 1
        if budget["calls"] == 1:
            return real_write(fd, data)
        if budget["calls"] == 2:
            return real_write(fd, bytes(data)[:20])  # half a line fits
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", write)
    result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(out), "--workers", "1"],
                                catch_exceptions=False)
    monkeypatch.setattr(os, "write", real_write)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("docgen: error")]
    assert len(errors) == 1 and "disk is full" in errors[0] and "--skip-existing" in errors[0]
    assert "resume from record" in errors[0]
    assert len(list(out.glob("*.docx"))) == 5
    report = _report(out)  # whole lines only, each parses
    assert [r["line"] for r in report] == [3]


@posix_only
def test_a_second_run_into_the_same_folder_is_refused_while_the_first_holds_the_report(tmp_path: Path) -> None:
    import fcntl

    source = _records(tmp_path, 3)
    out = tmp_path / "out"
    out.mkdir()
    report = out / "docgen-errors.jsonl"
    report.write_text('{"earlier": "line"}\n', encoding="utf-8")
    with report.open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running batch holds it
        result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(out)], catch_exceptions=False)
        assert result.exit_code == 1
        assert "another docgen batch is writing into this folder" in result.stderr
        assert list(out.glob("*.docx")) == []
        assert report.read_text(encoding="utf-8") == '{"earlier": "line"}\n'  # untouched
    result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 1 and len(list(out.glob("*.docx"))) == 2
    assert [r["line"] for r in _report(out)] == [3]


# ---------------------------------------------------------------- the compile cache


def _planted_code(marker: Path) -> object:
    """Module code that creates `marker` when it runs (as a template's code would on load)."""
    return compile(f"open({str(marker)!r}, 'w').close()\nroot = None\nblocks = {{}}\ndebug_info = ''\n",
                   "<planted>", "exec")


def test_a_planted_cache_file_is_ignored_not_run(tmp_path: Path, nb_record: dict,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen import engine

    cache = tmp_path / "cache"
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(cache))
    template = make_template(tmp_path, "Hei {{ case.pupil.name }}")
    engine.prepare(template.read_bytes(), "t.docx")
    (entry,) = cache.glob("template-*.marshal")
    marker = tmp_path / "ran"
    code = _planted_code(marker)
    exec(code, {})  # the payload is live: it does create the marker when run
    assert marker.exists()
    marker.unlink()
    planted = {"parts": {"word/document.xml": ("x", code, False)}, "core": {}}
    for blob in (marshal.dumps(planted),  # a plain marshal file, as before signing
                 entry.read_bytes()[:32] + marshal.dumps(planted),  # a real tag on other bytes
                 bytes(32) + marshal.dumps(planted)):
        entry.write_bytes(blob)
        prepared = engine.prepare(template.read_bytes(), "t.docx")
        assert not marker.exists(), "a planted cache file ran"
        assert "Hei Ida Fjelltun" in all_text(open_docx(prepared.render(engine.context(docgen.load(nb_record)))))


@posix_only
def test_a_cache_folder_others_can_write_in_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen import engine
    from docgen.engine import cache as compile_cache

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(shared))
    template = make_template(tmp_path, "Hei {{ case.pupil.name }}")
    engine.prepare(template.read_bytes(), "t.docx")
    assert list(shared.iterdir()) == []  # nothing stored, nothing loaded
    assert compile_cache.load(template.read_bytes()) is None

    private = tmp_path / "private"
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(private))
    engine.prepare(template.read_bytes(), "t.docx")
    assert (private.stat().st_mode & 0o777) == 0o700
    assert ((private / "key").stat().st_mode & 0o777) == 0o600
    (private / "key").chmod(0o644)  # a key others can read is not trusted
    assert compile_cache.load(template.read_bytes()) is None
