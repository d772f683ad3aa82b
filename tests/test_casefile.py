"""One case, many documents: a case file the documents name (`case: FILE` or --case), merged the
same way on every front end; a best-interest assessment taking its measures from the plan."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

import docgen
from docgen.casefile import CaseFile

from conftest import ROOT, all_text, assert_clean_error, load_example, ok, open_docx, run_cli


def dump(data: dict[str, Any], path: Path) -> Path:
    out = io.StringIO()
    YAML().dump(data, out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def split(example: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An example record as (the document's own parts, a case file with the shared facts)."""
    record = load_example(example)
    case = record.pop("case")
    case["lang"] = record.pop("lang")
    case["school"] = record.pop("school")
    return record, case


def record_error(result: Any, expect: str) -> None:
    """A record that fails validation: exit 1, every error listed under one head, no traceback."""
    assert result.exit_code == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.startswith("docgen: error: ") and expect in result.stderr, result.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A case folder as a rektor keeps it: the case file, the receipt, the plan, the assessment."""
    receipt, case = split("concern_receipt.nb.json")
    dump(case, tmp_path / "sak.case.yaml")
    dump({**receipt, "case": "sak.case.yaml"}, tmp_path / "kvittering.yaml")
    plan, _ = split("activity_plan.nb.json")
    dump({**plan, "case": "sak.case.yaml"}, tmp_path / "plan.yaml")
    assessment, _ = split("best_interest.nb.json")
    assessment.pop("chosen_measures", None)
    dump({**assessment, "case": "sak.case.yaml", "plan": "plan.yaml"}, tmp_path / "vurdering.yaml")
    return tmp_path


def test_a_document_naming_its_case_file_renders_as_the_whole_record(folder: Path) -> None:
    whole = docgen.render(load_example("concern_receipt.nb.json"))
    source = folder / "kvittering.yaml"
    assert docgen.api.Pipeline().render(source.read_bytes(), str(source)).content == whole


def test_the_case_option_and_the_case_key_are_the_same(folder: Path, tmp_path: Path) -> None:
    receipt = YAML().load((folder / "kvittering.yaml").read_text(encoding="utf-8"))
    del receipt["case"]
    bare = dump(dict(receipt), folder / "bare.yaml")
    ok(run_cli("render", bare, "--case", folder / "sak.case.yaml", "-o", tmp_path / "a.docx"))
    ok(run_cli("render", folder / "kvittering.yaml", "-o", tmp_path / "b.docx"))
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    ok(run_cli("validate", bare, "--case", folder / "sak.case.yaml"))
    # A record that names the very file --case gives is fine; another case file is a contradiction.
    ok(run_cli("render", folder / "kvittering.yaml", "--case", folder / "sak.case.yaml", "-o", tmp_path / "c.docx"))
    other = folder / "annen.case.yaml"
    other.write_bytes((folder / "sak.case.yaml").read_bytes())
    result = run_cli("render", folder / "kvittering.yaml", "--case", other, "-o", tmp_path / "d.docx")
    record_error(result, "case: the record has its own case or names another case file; leave out --case")


def test_a_change_in_the_case_file_shows_in_every_document(folder: Path, tmp_path: Path) -> None:
    path = folder / "sak.case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("2026/0412", "2026/0999"), encoding="utf-8")
    for name in ("kvittering", "plan", "vurdering"):
        out = tmp_path / f"{name}.docx"
        ok(run_cli("render", folder / f"{name}.yaml", "-o", out))
        assert "2026/0999" in all_text(open_docx(out.read_bytes()))


def test_the_assessment_takes_the_plans_measures_and_warns_when_they_differ(folder: Path) -> None:
    plan = load_example("activity_plan.nb.json")
    names = [m["name"] for m in plan["measures"]]
    source = folder / "vurdering.yaml"
    report = docgen.api.Pipeline().validate(source.read_bytes(), str(source))
    assert report.ok and report.document is not None
    assert report.document.chosen_measures == names  # type: ignore[attr-defined]
    text = source.read_text(encoding="utf-8") + "chosen_measures:\n- Noe annet\n"
    source.write_text(text, encoding="utf-8")
    result = run_cli("validate", source)
    assert result.exit_code == 0
    assert "chosen_measures: differ from the plan's measures" in result.stderr
    assert "Noe annet" not in result.stderr  # values are never echoed


def test_a_missing_case_file_is_one_clear_message_and_nothing_is_written(folder: Path, tmp_path: Path) -> None:
    (folder / "sak.case.yaml").unlink()
    out = tmp_path / "k.docx"
    result = run_cli("render", folder / "kvittering.yaml", "-o", out)
    assert_clean_error(result, "sak.case.yaml: case file not found")
    assert not out.exists()


def test_a_case_file_error_names_the_case_file_and_its_line(folder: Path, tmp_path: Path) -> None:
    path = folder / "sak.case.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.strip().startswith("received_date:"))
    lines[number - 1] = lines[number - 1].split(":")[0] + ": 2026-13-01"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "k.docx"
    result = run_cli("render", folder / "kvittering.yaml", "-o", out)
    record_error(result, f"sak.case.yaml line {number}, case.concern.received_date: there is no month 13")
    assert not out.exists()


def test_a_batch_folder_resolves_case_files_and_skips_them(folder: Path, tmp_path: Path) -> None:
    result = run_cli("batch", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "3 written, 0 skipped, 0 failed" in result.stderr
    assert len(list((tmp_path / "out").glob("*.docx"))) == 3


def test_the_case_file_model_is_the_case_plus_what_the_documents_share() -> None:
    _, case = split("activity_plan.nb.json")
    model = CaseFile.model_validate(case)
    assert model.lang == "nb" and model.school is not None and model.pupil.name == "Ida Fjelltun"


def test_the_http_service_takes_the_case_inline_never_a_file(folder: Path) -> None:
    """A request naming a file on the server would let a client read it: the service refuses."""
    pytest.importorskip("fastapi")
    import asyncio

    import httpx

    from docgen.server import create_app

    receipt, _ = split("concern_receipt.nb.json")
    body = {**receipt, "lang": "nb", "school": {"name": "X"}, "case": str(folder / "sak.case.yaml")}

    async def post(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(path, json=body)

    checked = asyncio.run(post("/validate/concern_receipt"))
    assert "files cannot be named here" in json.dumps(checked.json())
    rendered = asyncio.run(post("/documents/concern_receipt"))
    assert rendered.status_code == 422 and "files cannot be named here" in json.dumps(rendered.json())


def test_validate_checks_a_case_file_as_a_case_file(folder: Path) -> None:
    ok(run_cli("validate", folder / "sak.case.yaml"))
    path = folder / "sak.case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Ida Fjelltun", "name: «full name»"),
                    encoding="utf-8")
    result = run_cli("validate", path)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "pupil.name: still holds the skeleton's placeholder" in result.stderr and "line " in result.stderr


def test_a_record_without_type_is_named_in_the_message(tmp_path: Path) -> None:
    path = dump({"lang": "nb"}, tmp_path / "x.yaml")
    result = run_cli("validate", path)
    assert result.exit_code == 1 and f"{path}: the record does not say which document it is" in result.stderr


def test_text_in_guillemets_is_not_a_placeholder() -> None:
    record = load_example("activity_plan.nb.json")
    record["measures"][0]["name"] = "«Trygg skolevei»"
    assert docgen.validate(record).ok
    record["measures"][0]["name"] = "«fyll inn»"
    assert [i.path for i in docgen.validate(record).errors] == ["measures[0].name"]


def test_only_a_record_read_from_a_file_may_name_files(folder: Path, tmp_path: Path) -> None:
    """Records from another system (standard input, JSON Lines, the API's dicts) could otherwise make
    docgen read any file on the machine into a document."""
    record = YAML().load((folder / "kvittering.yaml").read_text(encoding="utf-8"))
    record["case"] = str(folder / "sak.case.yaml")
    report = docgen.validate(dict(record))
    assert [(i.path, i.message) for i in report.errors] == [
        ("case", "must be the case itself (an object); files cannot be named here")]
    line = json.dumps(dict(record), default=str)
    result = run_cli("batch", "-", "-o", tmp_path / "out", input=line + "\n")
    assert result.exit_code == 1 and "files cannot be named here" in (tmp_path / "out" / "docgen-errors.jsonl").read_text()
    assert not list((tmp_path / "out").glob("*.docx"))


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_case_file_must_be_a_regular_file(folder: Path, target: str) -> None:
    import os

    if target == "fifo":
        target = str(folder / "fifo.case.yaml")
        os.mkfifo(target)
    path = folder / "kvittering.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("case: sak.case.yaml", f"case: {target}"),
                    encoding="utf-8")
    result = run_cli("validate", path)
    assert result.exit_code == 1 and "is not a regular file, so it cannot be a case file" in result.stderr


def test_a_document_is_not_a_case_file(folder: Path) -> None:
    path = folder / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("case: sak.case.yaml", "case: kvittering.yaml"),
                    encoding="utf-8")
    result = run_cli("validate", path)
    assert result.exit_code == 1 and "is a document (it names its \"type\"), not a case file" in result.stderr


def test_a_validated_model_goes_back_in() -> None:
    for name in ("concern_receipt.nb.json", "activity_plan.da.json", "best_interest.nn.json", "strategy.nb.json"):
        model = docgen.load(load_example(name))
        assert docgen.validate(model).ok, name


def test_a_strategy_has_no_case(tmp_path: Path) -> None:
    result = run_cli("new", "strategy", "--case", tmp_path / "x.case.yaml")
    assert result.exit_code == 2 and "not a case's" in result.stderr
    result = run_cli("validate", "--case", tmp_path / "x.case.yaml", ROOT / "examples" / "strategy.nb.json")
    assert result.exit_code == 1 and "this document type has no case; leave out --case" in result.stderr


def test_deeply_nested_json_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    result = run_cli("validate", path)
    assert result.exit_code == 1 and "nested too deeply to be a record" in result.stderr
    assert "internal error" not in result.stderr
