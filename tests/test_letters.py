"""Letters as a school sends them: the sender's details, the recipient block, the reference line,
the closing and signature, and the structure screen readers and archives rely on. Every example
is rendered with its school's profile (as `make demo` does) and the produced .docx is read back."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

import docgen
from docgen.models.common import Case
from docgen.profile import load_profile

from conftest import ROOT, all_text, example_profile, load_example, open_docx, part

EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.json"))
CASE_EXAMPLES = [name for name in EXAMPLES if not name.startswith("strategy")]
REFERENCE_LABELS = {"nb": ("Vår ref.", "Saksbehandler", "Dato"), "nn": ("Vår ref.", "Sakshandsamar", "Dato"),
                    "da": ("Sagsnr.", "Dato")}
CLOSING = {"nb": "Med vennlig hilsen", "nn": "Med venleg helsing", "da": "Med venlig hilsen"}
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def render(record: dict[str, Any], lang: str | None = None) -> bytes:
    return docgen.render(record, profile=example_profile(lang or record["lang"]))


def header_footer_text(data: bytes) -> str:
    """Every header and footer part's text, the first page's included."""
    names = [n for n in _names(data) if re.match(r"word/(header|footer)\d+\.xml$", n)]
    return "\n".join(re.sub(r"<[^>]+>", "", part(data, n)) for n in names)


def _names(data: bytes) -> list[str]:
    import io
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).namelist()


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    return {name: render(load_example(name)) for name in EXAMPLES}


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_sender_is_on_the_first_page(rendered: dict[str, bytes], name: str) -> None:
    record = load_example(name)
    school = record["school"]
    text = all_text(open_docx(rendered[name]))
    for value in (school["name"], school["phone"], school["email"], school["org_number"], school["web"]):
        assert value in text, value
    assert school["address"].splitlines()[0] in text
    first_page = part(rendered[name], "word/header2.xml") + part(rendered[name], "word/footer2.xml")
    assert school["phone"] in re.sub(r"<[^>]+>", "", first_page), "the sender's details belong on the first page"


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_header_or_footer_names_the_pupil(rendered: dict[str, bytes], name: str) -> None:
    record = load_example(name)
    text = header_footer_text(rendered[name])
    assert "Side" in text  # the later pages' page number
    if "case" in record:
        pupil = record["case"]["pupil"]["name"]
        assert pupil not in text and pupil.split()[0] not in text


@pytest.mark.parametrize("name", CASE_EXAMPLES)
def test_case_documents_carry_the_reference_line(rendered: dict[str, bytes], name: str) -> None:
    record = load_example(name)
    document = open_docx(rendered[name])
    if name == "concern_receipt.da.json":
        # Danish letters give date and case number in the right-hand column beside the recipient.
        column = document.tables[0].rows[0].cells[-1].text.splitlines()
        assert f"Sagsnr.:\t{record['case']['reference']}" in column and any(c.startswith("Dato:\t") for c in column)
        return
    reference = next(t for t in document.tables if t.style is not None and t.style.style_id == "ReferenceTable")
    labels = [c.text for c in reference.rows[0].cells]
    values = " ".join(c.text for c in reference.rows[1].cells)
    for label in REFERENCE_LABELS[record["lang"]]:
        assert label in labels
    assert record["case"]["reference"] in values
    # The labels are the table's header row: they repeat and read as column headers.
    assert reference.rows[0]._tr.trPr.find(f"{W_NS}tblHeader") is not None


@pytest.mark.parametrize("lang", ["nb", "nn", "da"])
def test_the_receipt_is_addressed_to_the_guardians(rendered: dict[str, bytes], lang: str) -> None:
    record = load_example(f"concern_receipt.{lang}.json")
    document = open_docx(rendered[f"concern_receipt.{lang}.json"])
    recipient = [p.text for p in _paragraphs(document) if p.style.style_id == "Recipient"]
    guardians = record["case"]["guardians"]
    # Both guardians live at one address: one block, both names, the address under them.
    assert len(recipient) == 1
    assert all(g["name"] in recipient[0] for g in guardians)
    assert recipient[0].splitlines()[1:] == guardians[0]["address"].splitlines()


@pytest.mark.parametrize("lang", ["nb", "nn", "da"])
def test_the_receipt_closes_and_is_signed(rendered: dict[str, bytes], lang: str) -> None:
    record = load_example(f"concern_receipt.{lang}.json")
    data = rendered[f"concern_receipt.{lang}.json"]
    paragraphs = _paragraphs(open_docx(data))
    texts = [p.text for p in paragraphs]
    closing = texts.index(CLOSING[lang])
    assert paragraphs[closing].style.style_id == "Closing"
    after = "\n".join(texts[closing:])
    assert record["signatory"]["name"] in after and record["signatory"]["title"] in after
    profile = example_profile(lang).read_text(encoding="utf-8")
    approval = re.search(r'^approval_line = "(.*)"$', profile, re.M)
    signed = next(p for p in paragraphs[closing:] if record["signatory"]["name"] in p.text)
    if approval:
        # Approved electronically: the school's line instead of room for a signature.
        assert approval.group(1) in after
        assert signed.style.style_id != "Signature"
    else:
        assert signed.style.style_id == "Signature"  # the style leaves room above the name to sign
    for copy_to in record.get("copies", []):
        assert copy_to in after


def test_a_receipt_without_signatory_is_signed_by_the_profile() -> None:
    record = load_example("concern_receipt.nb.json")
    del record["signatory"]
    text = all_text(open_docx(render(record)))
    profile = load_profile(example_profile("nb"))
    assert profile is not None and profile.signature is not None
    assert profile.signature.name in text and CLOSING["nb"] in text


def test_without_an_approval_line_the_letter_leaves_room_to_sign(tmp_path) -> None:
    profile = tmp_path / "profile.toml"
    text = example_profile("nb").read_text(encoding="utf-8")
    profile.write_text(re.sub(r'^approval_line = .*$', "", text, flags=re.M), encoding="utf-8")
    (tmp_path / "logo.png").write_bytes((ROOT / "examples" / "profile" / "logo.png").read_bytes())
    record = load_example("concern_receipt.nb.json")
    paragraphs = _paragraphs(open_docx(docgen.render(record, profile=profile)))
    signed = [p for p in paragraphs if record["signatory"]["name"] in p.text]
    assert [p.style.style_id for p in signed][-1] == "Signature"
    assert "elektronisk godkjent" not in "\n".join(p.text for p in paragraphs)


@pytest.mark.parametrize("lang", ["nb", "nn", "da"])
def test_copies_are_listed_only_when_there_are_some(lang: str) -> None:
    record = load_example(f"concern_receipt.{lang}.json")
    record["copies"] = ["Helsesykepleier ved skolen"]
    assert "Helsesykepleier ved skolen" in all_text(open_docx(render(record)))
    record["copies"] = []
    text = all_text(open_docx(render(record)))
    assert "Kopi til" not in text and "Kopi:" not in text


def test_guardians_at_two_addresses_get_two_blocks_and_no_address_gives_names_only() -> None:
    record = load_example("concern_receipt.nb.json")
    record["case"]["guardians"][1]["address"] = "Fjellveien 2\n1352 Lyngåsen"
    blocks = [p.text for p in _paragraphs(open_docx(render(record))) if p.style.style_id == "Recipient"]
    assert len(blocks) == 2 and blocks[1].splitlines() == ["Jon Fjelltun", "Fjellveien 2", "1352 Lyngåsen"]
    for guardian in record["case"]["guardians"]:
        guardian.pop("address")
    blocks = [p.text for p in _paragraphs(open_docx(render(record))) if p.style.style_id == "Recipient"]
    assert blocks == ["Marte Fjelltun og Jon Fjelltun"]


def test_case_recipients_group_guardians_by_address() -> None:
    case = Case.model_validate(
        {
            "pupil": {"name": "Ola Nord", "group": "5A"},
            "guardians": [
                {"name": "A", "address": "Vei 1\n0001 By"},
                {"name": "B"},
                {"name": "C", "address": "Vei 1\n0001 By "},
            ],
            "concern": {"received_date": "2026-09-01", "channel": "phone", "reported_by": "guardians",
                        "received_by": {"name": "K"}},
        }
    )
    assert [(r.names, r.address) for r in case.recipients] == [(["A", "C"], "Vei 1\n0001 By"), (["B"], None)]


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_title_is_a_heading_and_spacing_is_not_empty_paragraphs(rendered: dict[str, bytes], name: str) -> None:
    from lxml import etree

    body = etree.fromstring(part(rendered[name], "word/document.xml").encode())
    paragraphs = body.findall(f".//{W_NS}body/{W_NS}p")
    styles = [_style(p) for p in paragraphs]
    assert "Title" in styles and styles.index("Title") == min(
        i for i, s in enumerate(styles) if s in ("Title", "Heading1", "Heading2")
    )
    for p in body.iter(f"{W_NS}p"):
        if _text(p) or p.find(f".//{W_NS}drawing") is not None or p.find(f".//{W_NS}sectPr") is not None:
            continue
        if p.getparent().tag == f"{W_NS}tc":
            continue  # a cell holds at least one paragraph, even when it is empty
        # The only empty paragraphs are the thin separators Word needs after a table.
        assert _style(p) == "Spacer", etree.tostring(p)[:200]
        previous = p.getprevious()
        assert previous is not None and previous.tag == f"{W_NS}tbl"


@pytest.mark.parametrize("name", CASE_EXAMPLES)
def test_label_columns_are_header_cells(rendered: dict[str, bytes], name: str) -> None:
    """LibreOffice's tagged PDF makes cells in the "Table Heading" style TH; tables with a header
    row repeat it on every page."""
    document = open_docx(rendered[name])
    grids = [t for t in document.tables if t.style is not None and t.style.style_id == "DocgenTable"]
    assert grids or name.startswith("concern_receipt")  # the one-page letter has no data tables
    for table in grids:
        first_row = table.rows[0]._tr
        has_header_row = first_row.trPr is not None and first_row.trPr.find(f"{W_NS}tblHeader") is not None
        if not has_header_row:
            for row in table.rows:
                assert row.cells[0].paragraphs[0].style.style_id == "TableHeading", row.cells[0].text


def test_the_logo_has_the_schools_name_or_is_decorative(rendered: dict[str, bytes]) -> None:
    nb = "".join(part(rendered["concern_receipt.nb.json"], n) for n in ("word/header2.xml",))
    assert 'descr="Lyngåsen skole"' in nb and "decorative" not in nb
    # The Nynorsk example school marks its logo decorative (fjellheim.toml).
    nn = part(rendered["concern_receipt.nn.json"], "word/header2.xml")
    assert 'adec:decorative xmlns:adec="http://schemas.microsoft.com/office/drawing/2017/decorative" val="1"' in nn
    assert "descr=" not in nn


@pytest.mark.parametrize("lang", ["nb", "nn", "da"])
def test_the_best_interest_table_is_on_landscape_pages(rendered: dict[str, bytes], lang: str) -> None:
    document = open_docx(rendered[f"best_interest.{lang}.json"])
    orientations = [s.orientation for s in document.sections]
    assert len(orientations) == 3 and orientations[1] == 1 and orientations[0] == orientations[2] == 0  # 1: landscape
    widest = max(document.tables, key=lambda t: len(t.columns))
    assert len(widest.columns) >= 4
    # The wide table sits in the landscape section: its section break comes after it.
    body = document.element.body
    breaks = [i for i, el in enumerate(body) if el.find(f".//{W_NS}sectPr") is not None]
    position = list(body).index(widest._tbl)
    assert breaks[0] < position < breaks[1]


def test_a_record_changes_nothing_of_the_letters_structure_when_optional_parts_are_missing() -> None:
    record = copy.deepcopy(load_example("concern_receipt.da.json"))
    record["case"]["guardians"] = []
    for key in ("visiting_address", "web", "org_number", "phone"):
        record["school"].pop(key, None)
    data = docgen.render(record)  # no profile: no logo, no signature settings
    text = all_text(open_docx(data))
    assert "Side" in header_footer_text(data)
    assert "None" not in text and "CVR" not in text
    assert record["signatory"]["name"] in text


def _paragraphs(document: Any) -> list[Any]:
    """Body paragraphs and those inside body tables, in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            out.append(block)
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    out.extend(cell.paragraphs)
    return out


def _style(p: Any) -> str | None:
    style = p.find(f"{W_NS}pPr/{W_NS}pStyle")
    return style.get(f"{W_NS}val") if style is not None else None


def _text(p: Any) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W_NS}t"))


@pytest.mark.parametrize("name", [n for n in CASE_EXAMPLES if not n.startswith("concern_receipt")])
def test_plans_end_with_an_approval_by_the_record_or_the_profile(rendered: dict[str, bytes], name: str) -> None:
    record = load_example(name)
    profile = load_profile(example_profile(record["lang"]))
    assert profile is not None and profile.signature is not None
    approver = record.get("approved_by") or profile.signature.model_dump()
    text = all_text(open_docx(rendered[name]))
    assert approver["name"] in text and approver["title"] in text
    record.pop("approved_by", None)
    text = all_text(open_docx(render(record)))
    assert profile.signature.name in text and profile.signature.title in text  # the profile's signature approves


def test_paragraphs_keep_widow_and_orphan_control(rendered: dict[str, bytes]) -> None:
    styles = part(rendered["concern_receipt.nb.json"], "word/styles.xml")
    assert re.search(r"<w:pPrDefault><w:pPr><w:widowControl/>", styles)
