"""The Monday flow, end to end through the command line in a fresh folder, as README's "A case
from start to finish" writes it: a case file, then the receipt, the plan and the assessment from
blank skeletons, the assessment taking the plan's measures, and the case's deadlines."""

from __future__ import annotations

import re
from pathlib import Path

import icalendar
import pytest

from conftest import all_text, ok, open_docx, run_cli
from test_skeleton import fill

PUPIL = "Tiril Havsund"
REFERENCE = "2026/0777"


def set_value(text: str, key: str, value: str, under: str | None = None) -> str:
    """Give the first `key:` (after the line `under:`, when given) this value, as a person edits it."""
    start = text.index(f"\n{under}:") if under else 0
    m = re.compile(rf"^(\s*){re.escape(key)}:.*$", re.M).search(text, start)
    assert m, key
    return text[: m.start()] + f"{m.group(1)}{key}: {value}" + text[m.end():]


@pytest.mark.parametrize("lang", ["nb", "da"])
def test_a_case_from_start_to_finish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.chdir(tmp_path)
    # 1. The case file, filled in once.
    ok(run_cli("new", "case", "--lang", lang, "-o", "sak.case.yaml"))
    case = fill(Path("sak.case.yaml").read_text(encoding="utf-8"), "case")
    case = set_value(case, "reference", REFERENCE)
    case = set_value(case, "name", PUPIL, under="pupil")
    case = set_value(case, "name", "Lyngby Testskole", under="school")
    Path("sak.case.yaml").write_text(case, encoding="utf-8")

    # 2. The receipt, the same day.
    ok(run_cli("new", "concern_receipt", "--case", "sak.case.yaml", "-o", "kvittering.yaml"))
    receipt = Path("kvittering.yaml").read_text(encoding="utf-8")
    assert "case: sak.case.yaml" in receipt and PUPIL not in receipt
    Path("kvittering.yaml").write_text(fill(receipt, "concern_receipt"), encoding="utf-8")
    ok(run_cli("render", "kvittering.yaml", "-o", "kvittering.docx"))

    # 3. A week later, the plan.
    ok(run_cli("new", "activity_plan", "--case", "sak.case.yaml", "-o", "plan.yaml"))
    plan = fill(Path("plan.yaml").read_text(encoding="utf-8"), "activity_plan")
    plan = set_value(plan, "name", "Trygge friminutt", under="measures")
    Path("plan.yaml").write_text(plan, encoding="utf-8")
    ok(run_cli("render", "plan.yaml", "-o", "plan.docx"))

    # 4. The assessment, taking the plan's measures by reference.
    ok(run_cli("new", "best_interest", "--case", "sak.case.yaml", "-o", "vurdering.yaml"))
    assessment = fill(Path("vurdering.yaml").read_text(encoding="utf-8"), "best_interest")
    assessment = set_value(assessment, "plan", "plan.yaml")
    assessment = re.sub(r"^chosen_measures:\n(?:[ #].*\n)*", "", assessment, flags=re.M)
    Path("vurdering.yaml").write_text(assessment, encoding="utf-8")
    ok(run_cli("render", "vurdering.yaml", "-o", "vurdering.docx"))

    texts = {name: all_text(open_docx(Path(f"{name}.docx").read_bytes())) for name in ("kvittering", "plan",
                                                                                        "vurdering")}
    for text in texts.values():  # the shared facts, identical in all three
        assert PUPIL in text and REFERENCE in text and "Lyngby Testskole" in text
    assert "Trygge friminutt" in texts["vurdering"]  # the plan's measure, never typed again

    # 5. What is due, and the calendar.
    status = run_cli("case", "status", "sak.case.yaml", "kvittering.yaml", "plan.yaml", "--ics", "sak.ics")
    ok(status)
    assert REFERENCE in status.stdout and PUPIL not in status.stdout
    calendar = icalendar.Calendar.from_ical(Path("sak.ics").read_bytes())
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert summaries and all(s.startswith(REFERENCE) for s in summaries)
    assert "Tiril" not in Path("sak.ics").read_text(encoding="utf-8")
