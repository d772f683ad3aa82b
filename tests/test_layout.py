"""Page layout, measured in the PDF LibreOffice makes of every example (with its school's profile).

pdfplumber gives each character's position, size and font and each shaded rectangle's colour,
which is enough to check what a caseworker sees on paper: where the recipient block sits, how
many pages a letter takes, and what a page ends with. The styles the checks rely on come from
tools/build_templates.py: headings are bold and at least 12 pt, body text 10.5 pt, the header,
footer and sender lines 8 pt; header rows are shaded D9E2F3 and label cells F2F5FA.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import docgen

from conftest import ROOT, example_profile, load_example, needs_soffice, soffice

pdfplumber = pytest.importorskip("pdfplumber")

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
MM = 72 / 25.4
HEADER_ROW = (0.851, 0.886, 0.953)  # D9E2F3
LABEL_CELL = (0.949, 0.961, 0.980)  # F2F5FA

pytestmark = needs_soffice


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every example rendered with its profile, converted in one LibreOffice run, opened once."""
    work = tmp_path_factory.mktemp("layout")
    docs = []
    for path in EXAMPLES:
        record = load_example(path.name)
        target = work / f"{path.stem}.docx"
        target.write_bytes(docgen.render(record, profile=example_profile(record["lang"])))
        docs.append(target)
    soffice(docs, work, "pdf", work / "profile")
    opened = {path.stem: pdfplumber.open(work / f"{path.stem}.pdf") for path in EXAMPLES}
    yield opened
    for pdf in opened.values():
        pdf.close()


def lines(page: Any) -> list[dict[str, Any]]:
    """The page's text lines of body size (not the 8 pt header, footer and sender lines), top to bottom."""
    out = []
    for line in page.extract_text_lines(return_chars=True):
        chars = [c for c in line["chars"] if c["size"] >= 8.4 and c["text"].strip()]
        if not chars:
            continue
        out.append({
            "text": line["text"], "top": line["top"], "bottom": line["bottom"],
            "heading": all(c["size"] >= 11.5 and "Bold" in c["fontname"] for c in chars),
        })
    return out


def shaded(page: Any, colour: tuple[float, ...]) -> list[dict[str, Any]]:
    def close(c: Any) -> bool:
        return isinstance(c, (tuple, list)) and len(c) == 3 and all(abs(a - b) < 0.01 for a, b in zip(c, colour))

    return [r for r in page.rects if close(r.get("non_stroking_color"))]


def inside(line: dict[str, Any], rects: list[dict[str, Any]]) -> bool:
    middle = (line["top"] + line["bottom"]) / 2
    return any(r["top"] - 1 <= middle <= r["bottom"] + 1 for r in rects)


@pytest.mark.parametrize("lang", ["nb", "nn", "da"])
def test_the_receipt_is_one_page(pdfs: dict[str, Any], lang: str) -> None:
    assert len(pdfs[f"concern_receipt.{lang}"].pages) == 1


@pytest.mark.parametrize("lang", ["nb", "nn", "da"])
def test_the_recipient_shows_in_a_window_envelope(pdfs: dict[str, Any], lang: str) -> None:
    """C5/DL envelopes with a left window show what sits about 45–50 mm from the top, 20 mm in."""
    record = load_example(f"concern_receipt.{lang}.json")
    name = record["case"]["guardians"][0]["name"].split()[0]
    page = pdfs[f"concern_receipt.{lang}"].pages[0]
    word = next(w for w in page.extract_words() if w["text"] == name)
    assert 42 * MM <= word["top"] <= 52 * MM, word["top"] / MM
    assert 18 * MM <= word["x0"] <= 26 * MM, word["x0"] / MM
    street = record["case"]["guardians"][0]["address"].splitlines()[0].split()[0]
    below = [w for w in page.extract_words() if w["text"] == street and w["top"] > word["top"]]
    assert below and below[0]["top"] < 75 * MM  # the address is in the window too


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_page_ends_with_a_heading_or_a_table_header(pdfs: dict[str, Any], path: Path) -> None:
    pages = pdfs[path.stem].pages
    for number, page in enumerate(pages[:-1], start=1):
        body = lines(page)
        assert body, f"page {number} has no text"
        last = body[-1]
        assert not last["heading"], f"page {number} ends with the heading {last['text']!r}"
        assert not inside(last, shaded(page, HEADER_ROW)), f"page {number} ends with a table header row"


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p.name.startswith(("activity_plan", "best_interest"))],
                         ids=lambda p: p.stem)
def test_no_label_value_table_runs_over_a_page_break(pdfs: dict[str, Any], path: Path) -> None:
    """A measure's detail table is kept on one page: a page that ends inside a label/value table
    must not be followed by a page that starts inside one."""
    pages = pdfs[path.stem].pages
    for number in range(len(pages) - 1):
        end, start = lines(pages[number]), lines(pages[number + 1])
        ends_in_table = inside(end[-1], shaded(pages[number], LABEL_CELL))
        starts_in_table = inside(start[0], shaded(pages[number + 1], LABEL_CELL))
        assert not (ends_in_table and starts_in_table), f"a detail table is split between pages {number + 1} and {number + 2}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_later_pages_carry_the_short_title_and_page_number(pdfs: dict[str, Any], path: Path) -> None:
    pages = pdfs[path.stem].pages
    for number, page in enumerate(pages[1:], start=2):
        text = page.extract_text()
        assert f"Side {number} a" in text  # "av" / "af"
        record = load_example(path.name)
        if "case" in record:
            small = " ".join(c["text"] for c in page.chars if c["size"] < 8.4)
            assert record["case"]["pupil"]["name"].split()[0] not in small


@pytest.mark.parametrize("lang", ["nb", "nn", "da"])
def test_the_best_interest_table_page_is_landscape(pdfs: dict[str, Any], lang: str) -> None:
    pages = pdfs[f"best_interest.{lang}"].pages
    wide = [p for p in pages if p.width > p.height]
    assert wide and pages[0].width < pages[0].height
    assert any(shaded(p, HEADER_ROW) for p in wide)  # the considerations table, with its header row
