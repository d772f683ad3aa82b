"""The Python API: the same pipeline and the same options as the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import docgen
from docgen.cli import cli

from conftest import ROOT, all_text, load_example, open_docx

PROFILE = """
[fields.kommunenummer]
description = "Kommunenummeret"
required = true
"""


def test_the_api_honours_the_configured_profile_like_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = tmp_path / "school.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    monkeypatch.setenv("DOCGEN_PROFILE", str(profile))
    record = load_example("activity_plan.nb.json")
    with pytest.raises(docgen.RecordError) as info:
        docgen.render(record)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("custom.kommunenummer", "is required by the school profile")
    ]
    assert [i.path for i in docgen.validate(record).errors] == ["custom.kommunenummer"]
    cli_result = CliRunner().invoke(cli, ["render", str(ROOT / "examples" / "activity_plan.nb.json"),
                                          "-o", str(tmp_path / "x.docx")])
    assert cli_result.exit_code == 1 and "custom.kommunenummer: is required by the school profile" in cli_result.output

    record["custom"] = {"kommunenummer": "3024"}
    assert open_docx(docgen.render(record)).paragraphs


def test_archive_copy_through_the_api() -> None:
    record = load_example("best_interest.nb.json")
    notes = [c["notes"] for c in record["considerations"].values() if c.get("notes")]
    assert notes
    full = all_text(open_docx(docgen.render(record)))
    archive = all_text(open_docx(docgen.render(record, archive_copy=True)))
    assert all(note.split("\n")[0] in full for note in notes)
    assert not any(note.split("\n")[0] in archive for note in notes)
    with pytest.raises(docgen.RecordError, match="archive_copy: only best_interest has an archive copy"):
        docgen.render(load_example("activity_plan.nb.json"), archive_copy=True)


def test_a_pipeline_serves_many_records() -> None:
    pipeline = docgen.Pipeline(docgen.Options(lang="nn", translate=True))
    for name in ("activity_plan.nb.json", "concern_receipt.nb.json"):
        result = pipeline.render(load_example(name))
        assert result.ok and result.report.document is not None and result.report.document.lang == "nn"
        assert result.format.name == "docx"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(docgen.InputError, match="unknown format 'rtf'"):
        docgen.render(load_example("activity_plan.nb.json"), format="rtf")


def test_per_record_options_keep_what_was_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = tmp_path / "school.toml"
    profile.write_text('[school]\nname = "Bakketun skole"\n', encoding="utf-8")
    base = docgen.Pipeline(docgen.Options(profile=profile))
    profile.unlink()  # already read: requests never read it again
    nynorsk = base.per_record(lang="nn", archive_copy=True, translate=True)
    assert nynorsk.profile is base.profile and nynorsk.options.lang == "nn" and base.options.lang is None
    record = load_example("best_interest.nb.json")
    del record["school"]
    result = nynorsk.render(record)
    assert result.ok and result.report.document.school.name == "Bakketun skole"
    with pytest.raises(TypeError, match="not a per-record option: profile"):
        base.per_record(profile="other.toml")
    with pytest.raises(docgen.InputError, match="unknown format"):
        base.per_record(format="rtf")
