"""Reading and compiling a template (prepare()): files that are not a template, damaged,
encrypted or too large are refused with a clear message; a DOCTYPE is refused before any XML
parser could read it; docxtpl's literal braces stay the template's; tags LibreOffice split
across runs compile as one.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from docgen.engine import prepare
from docgen.errors import TemplateError

from conftest import (
    NB,
    SCHOOL_EDITS,
    Resaved,
    SchoolEdit,
    all_text,
    assert_clean_error,
    check_refused,
    docgen_process,
    load_example,
    make_template,
    needs_soffice,
    ok,
    open_docx,
    part,
    render_refused,
    run_cli,
    text_of,
    w,
)


# ---------------------------------------------------------------- files that are not a usable template


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip at all", "not a Word document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
    ],
)
def test_broken_template_files(content: bytes, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        prepare(content, "mal.docx")
    assert message in str(info.value)


def test_zip_without_document_xml() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(TemplateError, match="no word/document.xml"):
        prepare(buffer.getvalue(), "mal.docx")


def test_truncated_template(tmp_path: Path) -> None:
    data = make_template(tmp_path, "Hei {{ school.name }}").read_bytes()
    with pytest.raises(TemplateError):
        prepare(data[: len(data) // 2], "mal.docx")


def test_zip_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", "<w:document/>")
        zf.writestr("word/media/bomb.bin", b"\0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(TemplateError, match="more than 50 MB"):
        prepare(buffer.getvalue(), "mal.docx")


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buffer.getvalue()


def _patch_member(data: bytes, name: str, local_field: int, central_field: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of `name`'s local header and its central-directory entry."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        struct.pack_into(fmt, out, zf.getinfo(name).header_offset + local_field, value)
    pos = out.find(b"PK\x01\x02")
    while pos >= 0:
        length = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46 : pos + 46 + length] == name.encode():
            struct.pack_into(fmt, out, pos + central_field, value)
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{name} not in the central directory")


def _with_doctype(doctype: str, reference: str):
    def build(base: bytes) -> bytes:
        members = _members(base)
        xml = members["word/document.xml"]
        xml = xml.replace(b"?>", b"?>" + doctype.encode(), 1)
        xml = xml.replace(b"<w:body>", f"<w:body><w:p><w:r><w:t>{reference}</w:t></w:r></w:p>".encode(), 1)
        members["word/document.xml"] = xml
        return _zip(members)
    return build


BIG = 60 * 1024 * 1024  # more than the 50 MB a template may unpack to


def _zip_bomb(base: bytes) -> bytes:
    """A template whose document uses a part (a picture, as far as the package says) that unpacks huge.

    The part is referenced: a part nothing refers to is dropped unread (see test_package.py)."""
    members = _members(base)
    rels = "word/_rels/document.xml.rels"
    members[rels] = members[rels].replace(b"</Relationships>", (
        b'<Relationship Id="rIdPad" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"'
        b' Target="media/padding.bin"/></Relationships>'))
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="bin" ContentType="image/png"/></Types>')
    data = _zip({**members, "word/media/padding.bin": bytes(BIG)})
    assert len(data) < 200_000  # a small file…
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 50 * 1024 * 1024  # …unpacking big
    return data


def _lying_zip_bomb(base: bytes) -> bytes:
    """The same bomb, but its directory claims the padding is 1 KB: the size check alone cannot see it."""
    data = _patch_member(_zip_bomb(base), "word/media/padding.bin", 22, 24, "<I", 1024)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) < 1024 * 1024
    return data


def _huge_part(base: bytes) -> bytes:
    members = _members(base)
    members["word/document.xml"] = members["word/document.xml"].replace(b"<w:body>", b"<w:body>" + b" " * (25 * 1024 * 1024))
    return _zip(members)


def _without_document(base: bytes) -> bytes:
    members = _members(base)
    del members["word/document.xml"]
    return _zip(members)


def _encrypted_member(base: bytes) -> bytes:
    """A zip whose document.xml has the 'encrypted' flag (zip's own password protection)."""
    return _patch_member(base, "word/document.xml", 6, 8, "<H", 0x1)


def _password_protected(base: bytes) -> bytes:
    """What Word writes for a .docx with a password: an OLE compound file, not a zip."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    directory = "EncryptionInfo".encode("utf-16-le").ljust(128, b"\0") + "EncryptedPackage".encode("utf-16-le").ljust(128, b"\0")
    return header + directory + bytes(4096 - 512 - len(directory)) + b"\x5a" * 4096


def _malformed_xml(base: bytes) -> bytes:
    members = _members(base)
    members["word/document.xml"] = members["word/document.xml"][:-40]
    return _zip(members)


_LAUGHS = "".join(
    f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' if i else '<!ENTITY l0 "ha">' for i in range(10)
)


MALFORMED = {
    # name: (build from a real template's bytes, the message)
    "not-a-zip": (lambda base: b"Dette er ikke et Word-dokument.\n" * 20, "not a Word document (.docx)"),
    "truncated": (lambda base: base[: len(base) // 2], "not a Word document (.docx)"),
    "empty": (lambda base: b"", "not a Word document (.docx)"),
    "password-protected": (_password_protected, "password-protected"),
    "zip-bomb": (_zip_bomb, "unpacks to more than 50 MB"),
    "zip-bomb-lying-size": (_lying_zip_bomb, "the file is damaged"),
    "huge-document-part": (_huge_part, "the part word/document.xml is larger than 20 MB"),
    "no-document-xml": (_without_document, "it has no word/document.xml"),
    "encrypted-zip-member": (_encrypted_member, "the file is encrypted"),
    "malformed-xml": (_malformed_xml, "word/document.xml is not well-formed XML"),
    "billion-laughs": (_with_doctype(f"<!DOCTYPE w:document [{_LAUGHS}]>", "&l9;"), "declares a DOCTYPE"),
}


@pytest.fixture
def base_template(tmp_path: Path) -> bytes:
    """A real, working template's bytes."""
    data = make_template(tmp_path / "base", "Hei {{ case.pupil.name }}").read_bytes()
    assert run_cli("render", NB, "--template", tmp_path / "base" / "nb" / "custom.docx", "-o", tmp_path / "ok.docx").exit_code == 0
    return data


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_template_files_are_refused(tmp_path: Path, base_template: bytes, case: str) -> None:
    build, message = MALFORMED[case]
    template = tmp_path / "maler" / "activity_plan.docx"
    template.parent.mkdir()
    template.write_bytes(build(base_template))
    render_refused(template, tmp_path / "out", message)
    check_refused(template, message)


def test_real_process_refuses_a_zip_bomb(tmp_path: Path, base_template: bytes) -> None:
    template = tmp_path / "bomb.docx"
    template.write_bytes(_zip_bomb(base_template))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    done = docgen_process("render", NB, "--template", template, "-o", out_dir / "plan.docx", cwd=out_dir)
    assert done.returncode == 1
    assert done.stderr == f"docgen: error: {template}: the file unpacks to more than 50 MB; is it really a letter template?\n"
    assert sorted(out_dir.iterdir()) == []


def test_password_protected_file_says_so(tmp_path: Path, base_template: bytes) -> None:
    template = tmp_path / "activity_plan.docx"
    template.write_bytes(_password_protected(base_template))
    result = render_refused(template, tmp_path / "out")
    assert "password" in result.stderr.replace(str(template), "<template>")


ENTITY_TEXT = "HEMMELIG-7f3a9c"


def test_external_entities_are_never_read(tmp_path: Path, base_template: bytes) -> None:
    """XXE: a template cannot pull a local file into the letter (or into an error message)."""
    secret = tmp_path / "secret.txt"
    secret.write_text(ENTITY_TEXT)
    build = _with_doctype(f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "{secret.as_uri()}">]>', "&x;")
    template = tmp_path / "xxe.docx"
    template.write_bytes(build(base_template))
    out = tmp_path / "out.docx"
    result = run_cli("render", NB, "--template", template, "-o", out)
    checked = run_cli("templates", "check", template, "--type", "activity_plan")
    assert ENTITY_TEXT not in result.output + checked.output
    assert not out.exists()
    assert_clean_error(result, path=template)
    assert checked.exit_code == 1 and "declares a DOCTYPE" in checked.output


@pytest.mark.parametrize("entity", ['SYSTEM "file:///etc/hostname"', '"Lyngåsen"'], ids=["external", "internal"])
def test_template_with_a_dtd_is_refused(tmp_path: Path, base_template: bytes, entity: str) -> None:
    """Word never writes a DOCTYPE, so a template with one was crafted: refused, whatever its entities."""
    template = tmp_path / "dtd.docx"
    template.write_bytes(_with_doctype(f"<!DOCTYPE w:document [<!ENTITY x {entity}>]>", "&x;")(base_template))
    render_refused(template, tmp_path / "out", "word/document.xml declares a DOCTYPE")


@pytest.mark.parametrize("padding", ["<!--" + "x" * 5000 + "-->", " " * 5000], ids=["comment", "whitespace"])
def test_a_dtd_after_padding_is_refused_too(tmp_path: Path, base_template: bytes, padding: str) -> None:
    template = tmp_path / "dtd.docx"
    template.write_bytes(_with_doctype(padding + '<!DOCTYPE w:document [<!ENTITY x "Lyngåsen">]>', "&x;")(base_template))
    render_refused(template, tmp_path / "out", "word/document.xml declares a DOCTYPE")


# ---------------------------------------------------------------- literal braces


@pytest.mark.parametrize("value", ["{_{ 7*7 }_}", "{_% raw %_}"], ids=["braces", "percent"])
def test_docxtpl_escape_sequences_in_values_print_literally(tmp_path: Path, value: str) -> None:
    record = load_example("activity_plan.nb.json")
    record["background"] = value
    source = tmp_path / "case.json"
    source.write_text(json.dumps(record), encoding="utf-8")
    out = tmp_path / "plan.docx"
    assert run_cli("render", source, "-o", out).exit_code == 0
    assert value in all_text(open_docx(out.read_bytes()))


# ---------------------------------------------------------------- templates edited and saved by LibreOffice


def texts(docx_path: Path, part_name: str = "word/document.xml") -> list[str]:
    root = etree.fromstring(part(docx_path.read_bytes(), part_name).encode("utf-8"))
    return [t.text or "" for t in root.iter(w("t"))]


@needs_soffice
@pytest.mark.parametrize("edit", SCHOOL_EDITS, ids=lambda e: e.id)
def test_libreoffice_saved_the_edits(resaved: Resaved, edit: SchoolEdit) -> None:
    """The file really is LibreOffice's, and the tag really is split across runs in it."""
    path = resaved.school / edit.lang / f"{edit.type}.docx"
    assert "LibreOffice" in part(path.read_bytes(), "docProps/app.xml")
    runs = texts(path)
    assert "{{ case." in runs, "LibreOffice joined the split tag again; the test no longer tests a split tag"
    i = runs.index("{{ case.")
    assert runs[i + 1] == "pupil"  # the bold run, on its own
    assert runs[i + 2].startswith(".name }}")  # LibreOffice may join it with the plain text after it
    assert any("{{ school.phone }}" in t for t in runs)


@needs_soffice
@pytest.mark.parametrize("edit", SCHOOL_EDITS, ids=lambda e: e.id)
def test_template_edited_in_libreoffice_checks_and_renders(resaved: Resaved, edit: SchoolEdit, tmp_path: Path) -> None:
    template = resaved.school / edit.lang / f"{edit.type}.docx"
    result = run_cli("templates", "check", template)
    ok(result)
    assert "ok (renders the example record)" in result.output

    out = tmp_path / "out.docx"
    ok(run_cli("render", edit.record, "--templates", resaved.school, "-o", out))
    text = text_of(out)
    assert edit.pupil_line in text.splitlines()  # the split tag printed the name where it stood
    assert edit.new_sentence in text
    assert edit.old_sentence not in text
    assert f"Skolens telefon: {edit.phone}" in text.splitlines()
    assert "{{" not in text and "{%" not in text and "}}" not in text
    # The header and footer that LibreOffice rewrote still print the pupil and the school.
    record = json.loads(edit.record.read_text(encoding="utf-8"))
    assert record["school"]["name"] in text
