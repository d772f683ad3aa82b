"""Sharded batches (--shard K/N): N runs with no coordinator write exactly what one run writes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from docgen.batch import Shard, read_items
from docgen.cli import cli
from docgen.errors import InputError
from docgen.naming import NameSet, unique

from conftest import load_example

EXAMPLES = ["activity_plan.nb.json", "concern_receipt.nn.json", "strategy.da.json", "best_interest.nb.json",
            "activity_plan.da.json", "concern_receipt.nb.json"]
BAD_JSON = 7  # positions (from 1) of the records that fail
BAD_DATES = 12


def make_records(tmp_path: Path) -> Path:
    """17 records of five types; strategies (school-wide) have no case.reference; two fail."""
    lines = []
    for i in range(17):
        n = i + 1
        if n == BAD_JSON:
            lines.append("{not json")
            continue
        record = copy.deepcopy(load_example(EXAMPLES[i % len(EXAMPLES)]))
        if isinstance(record.get("case"), dict):
            record["case"]["reference"] = f"2026/{i % 5:04d}"
            record["case"]["pupil"]["name"] = f"Elev {i % 4}"  # names repeat: the position keeps them apart
        if n == BAD_DATES:
            record = copy.deepcopy(load_example("activity_plan.nb.json"))
            record["measures"][1]["evaluation_date"] = "2026-11-30"  # before the measure starts
        lines.append(json.dumps(record, ensure_ascii=False))
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, [*args, "--workers", "1"], catch_exceptions=False)


def documents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.docx")}


def report(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_shards(source: Path, out: Path, count: int, *extra: str, shared: bool = False) -> list[Path]:
    """Run every shard of `count`; returns each shard's folder."""
    folders = []
    for k in range(1, count + 1):
        folder = out if shared else out / f"shard-{k}"
        result = invoke("batch", str(source), "-o", str(folder), "--shard", f"{k}/{count}", *extra)
        assert result.exit_code in (0, 1), result.output
        folders.append(folder)
    return folders


def test_docx_output_is_deterministic(tmp_path: Path) -> None:
    """What the comparisons below rest on: the same record gives the same bytes in every run."""
    source = make_records(tmp_path)
    invoke("batch", str(source), "-o", str(tmp_path / "a"), "--shard", "1/1")
    invoke("batch", str(source), "-o", str(tmp_path / "b"), "--shard", "1/1")
    a, b = documents(tmp_path / "a"), documents(tmp_path / "b")
    assert len(a) == 15 and a == b


@pytest.mark.parametrize("shared", [False, True], ids=["own-folders", "one-folder"])
def test_shards_by_position_write_exactly_what_one_run_writes(tmp_path: Path, shared: bool) -> None:
    source = make_records(tmp_path)
    single = invoke("batch", str(source), "-o", str(tmp_path / "single"), "--shard", "1/1")
    assert single.exit_code == 1 and "15 written, 0 skipped, 2 failed" in single.stderr
    whole = documents(tmp_path / "single")
    assert len(whole) == 15 and all(name.split("-", 1)[0].isdigit() for name in whole)

    folders = run_shards(source, tmp_path / "sharded", 3, shared=shared)
    if shared:
        assert documents(folders[0]) == whole
    else:
        parts = [documents(folder) for folder in folders]
        assert sum(len(part) for part in parts) == len(whole)  # no overlap
        assert {name: data for part in parts for name, data in part.items()} == whole  # same names, same bytes
        for k, part in enumerate(parts, 1):  # record n is shard ((n-1) % 3) + 1
            assert {int(name.split("-", 1)[0]) for name in part} <= {n for n in range(1, 18) if (n - 1) % 3 == k - 1}

    # every failure once, in its own shard's report (position 7 is shard 1, position 12 shard 3)
    reports = {k: report(folders[k - 1] / f"docgen-errors-{k}-of-3.jsonl") for k in (1, 2, 3)}
    lines = {k: sorted(r["line"] for r in shard) for k, shard in reports.items()}
    assert lines == {1: [BAD_JSON], 2: [], 3: [BAD_DATES]}
    assert not (folders[0] / "docgen-errors.jsonl").exists()


def test_single_run_with_the_same_pattern_gives_the_same_names(tmp_path: Path) -> None:
    """The documented rule: without --shard, --name '{n}-{type}-{name}-{document_date}' is --shard 1/1."""
    source = make_records(tmp_path)
    invoke("batch", str(source), "-o", str(tmp_path / "a"), "--shard", "1/1")
    invoke("batch", str(source), "-o", str(tmp_path / "b"), "--name", "{n}-{type}-{name}-{document_date}")
    assert documents(tmp_path / "a") == documents(tmp_path / "b")


def test_shards_by_field_keep_a_case_together_and_report_once(tmp_path: Path) -> None:
    source = make_records(tmp_path)
    by = ("--shard-by", "case.reference", "--name", "{n}-{case.reference}-{type}")
    single = invoke("batch", str(source), "-o", str(tmp_path / "single"), "--shard", "1/1", *by)
    whole = documents(tmp_path / "single")
    strategies = [n for n in range(1, 18) if EXAMPLES[(n - 1) % len(EXAMPLES)].startswith("strategy")]
    assert len(whole) == 17 - 2 - len(strategies), single.stderr  # a strategy has no case.reference

    folders = run_shards(source, tmp_path / "sharded", 3, *by)
    parts = [documents(folder) for folder in folders]
    assert sum(len(part) for part in parts) == len(whole)
    assert {name: data for part in parts for name, data in part.items()} == whole
    cases = [{"-".join(name.split("-")[1:3]) for name in part} for part in parts]  # '2026-0003' from '{n}-2026-0003-…'
    assert all(not (a & b) for i, a in enumerate(cases) for b in cases[i + 1:])  # one case, one shard
    assert sum(1 for part in parts if part) >= 2  # five references do spread

    reports = [report(folder / f"docgen-errors-{k}-of-3.jsonl") for k, folder in enumerate(folders, 1)]
    assert reports[1] == [] and reports[2] == []  # what belongs to no shard is shard 1's to report
    lines = sorted(r["line"] for r in reports[0])
    assert lines == sorted([BAD_JSON, BAD_DATES, *strategies])
    missing = [r for r in reports[0] if r["line"] in strategies]
    assert all(r["path"] == "case.reference" and "no value" in r["message"] for r in missing)


def test_shard_rule_is_fixed() -> None:
    """The assignment is part of the contract: the same on every machine and in every version."""
    assert [n for n in range(1, 11) if Shard(2, 3).takes(n)] == [2, 5, 8]
    assert [Shard(1, 4).of(v) for v in ("2026/0412", "2026/0518", 7, {"b": 1, "a": [1, "ø"]})] == [1, 1, 3, 4]
    assert Shard(1, 4).of({"a": [1, "ø"], "b": 1}) == Shard(1, 4).of({"b": 1, "a": [1, "ø"]})  # keys sorted
    assert Shard(1, 1).of("anything") == 1


def test_folder_shard_reads_only_its_own_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(7):
        (tmp_path / f"r{i}.json").write_text("{}", encoding="utf-8")
    read: list[str] = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or original(self))
    items = list(read_items(str(tmp_path), keep=Shard(2, 3).takes))
    assert [item.n for item in items] == [2, 5] and sorted(read) == ["r1.json", "r4.json"]


@pytest.mark.parametrize(("args", "message"), [
    (("--shard", "0/3"), "K counts from 1"),
    (("--shard", "3/2"), "K cannot be more than N"),
    (("--shard", "a/b"), "is not K/N"),
    (("--shard", "1/0"), "at least 1"),
    (("--shard-by", "case.reference"), "give --shard too"),
    (("--shard", "1/2", "--shard-by", "case..x"), "not a field path"),
    (("--shard", "1/2", "--name", "{case.reference}"), "has no {n}"),
])
def test_wrong_shards_are_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    source = make_records(tmp_path)
    result = invoke("batch", str(source), "-o", str(tmp_path / "out"), *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_shard_in_the_api_refuses_names_without_the_position() -> None:
    from docgen.api import Pipeline
    from docgen.batch import Batch

    with pytest.raises(InputError, match="has no {n}"):
        Batch("-", Path("out"), Pipeline(), pattern="{type}", shard=Shard(1, 2))
    with pytest.raises(InputError, match="K cannot be more than N"):
        Shard(3, 2)


def test_name_set_keeps_the_collision_rules_after_it_spills(tmp_path: Path) -> None:
    names = ["Åse", "åse", "ÅSE", "x", "X-2", "x", "Straße", "STRASSE", *(f"n{i}" for i in range(20)), "N3", "x"]
    expected: set[str] = set()
    want = [unique(name, expected) for name in names]
    with NameSet(memory=4) as spilled:
        got = [unique(name, spilled) for name in names]
        assert len(spilled) == len(expected)
        assert "x.docx" in spilled and "åse.docx" in spilled and "nope.docx" not in spilled
    assert got == want
    assert want[:3] == ["Åse.docx", "åse-2.docx", "ÅSE-3.docx"] and want[-1] == "x-4.docx"


@pytest.mark.parametrize("by", [(), ("--shard-by", "case.reference")], ids=["position", "field"])
def test_a_full_disk_lists_only_this_shards_records_as_not_attempted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by: tuple[str, ...]) -> None:
    import errno

    from docgen import output

    source = make_records(tmp_path)
    names = ("--name", "{n}-{case.reference}-{type}")
    invoke("batch", str(source), "-o", str(tmp_path / "all"), "--shard", "2/3", *by, *names)
    mine = sorted(int(p.name.split("-", 1)[0]) for p in (tmp_path / "all").glob("*.docx"))
    assert len(mine) >= 3

    real, written = output.write_file, []

    def write_file(data: bytes, path: Path, force: bool = False, sync: bool = True) -> None:
        if Path(path).suffix == ".docx" and len(written) >= 1:
            raise output.cannot_write(path, OSError(errno.ENOSPC, "No space left on device"))
        real(data, path, force=force, sync=sync)
        written.append(path)

    monkeypatch.setattr(output, "write_file", write_file)
    result = invoke("batch", str(source), "-o", str(tmp_path / "full"), "--shard", "2/3", *by, *names)
    assert result.exit_code == 1 and "disk is full" in result.stderr
    lines = report(tmp_path / "full" / "docgen-errors-2-of-3.jsonl")
    assert sorted(r["line"] for r in lines) == mine[1:]  # the rest of this shard's records, and no other's


def test_two_workers_shard_by_field_like_one(tmp_path: Path) -> None:
    source = make_records(tmp_path)
    by = ("--shard", "2/3", "--shard-by", "case.reference")
    one = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path / "one"), *by, "--workers", "1"])
    two = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path / "two"), *by, "--workers", "2"])
    assert one.exit_code == two.exit_code == 0
    assert documents(tmp_path / "one") == documents(tmp_path / "two") != {}
    rows = [json.loads(line) for line in two.stdout.splitlines()]
    assert [r["n"] for r in rows] == sorted(int(name.split("-", 1)[0]) for name in documents(tmp_path / "two"))


def test_name_set_on_a_full_temp_folder_is_a_clean_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from docgen.errors import OutputError

    def full(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(sqlite3, "connect", full)
    names = NameSet(memory=2)
    unique("a", names)
    unique("b", names)
    with pytest.raises(OutputError, match="disk is full.*TMPDIR"):
        unique("c", names)


def test_which_patterns_hold_the_position() -> None:
    from docgen.naming import SHARD_PATTERN, uses_position

    assert uses_position(SHARD_PATTERN) and uses_position("{type}-{n:05d}") and uses_position("{case.reference}{n}")
    assert not uses_position("{name}-{line}") and not uses_position("{type}-n") and not uses_position("{case.n}")
