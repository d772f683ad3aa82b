"""The package around a template's XML (docgen/engine/package.py), built hostile with zipfile from a
built-in template: external relationships refused (hyperlinks kept, the link to a .dotx dropped with a
warning), unsafe entry names refused, junk dropped with a warning, parts decoded as they declare before
the DOCTYPE check, [Content_Types].xml and _rels/.rels required, and a document that rendering would
break is never written."""

from __future__ import annotations

import io
import socket
import threading
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from docgen.engine import prepare
from docgen.engine.package import well_formed
from docgen.errors import TemplateError

from conftest import NB, ROOT, check_refused, ok, render_refused, run_cli

BASE = ROOT / "templates" / "nb" / "activity_plan.docx"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOC_RELS = "word/_rels/document.xml.rels"

Members = list[tuple[str, bytes]]


def members() -> Members:
    with zipfile.ZipFile(BASE) as zf:
        return [(name, zf.read(name)) for name in zf.namelist()]


def build(entries: Members) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name, which is the point
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, blob in entries:
                zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), blob)
    return buffer.getvalue()


def edited(changes: dict[str, Callable[[bytes], bytes] | None], extra: Members = ()) -> bytes:  # type: ignore[assignment]
    """The built-in template with some parts changed (None: left out) and entries added."""
    out = []
    for name, blob in members():
        if name in changes:
            change = changes[name]
            if change is None:
                continue
            blob = change(blob)
        out.append((name, blob))
    return build(out + list(extra))


def add_relationship(rel: str) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(b"</Relationships>", rel.encode() + b"</Relationships>")


def external(kind: str, target: str, rid: str = "rIdX") -> Callable[[bytes], bytes]:
    return add_relationship(f'<Relationship Id="{rid}" Type="{REL}/{kind}" Target="{target}" TargetMode="External"/>')


def write(tmp_path: Path, data: bytes) -> Path:
    folder = tmp_path / "maler"
    folder.mkdir(exist_ok=True)
    path = folder / "activity_plan.docx"
    path.write_bytes(data)
    return path


def refused(tmp_path: Path, data: bytes, message: str) -> None:
    """Refused by prepare(), by `docgen render` (exit 1, nothing written) and by `templates check`."""
    with pytest.raises(TemplateError) as info:
        prepare(data, "mal.docx")
    assert str(info.value).startswith("mal.docx"), info.value  # the message names the template
    assert message in str(info.value), info.value
    template = write(tmp_path, data)
    render_refused(template, tmp_path / "out", message)
    check_refused(template, message)


def rendered(tmp_path: Path, data: bytes) -> zipfile.ZipFile:
    """`docgen render` with the template succeeds; its output, opened."""
    template = write(tmp_path, data)
    out = tmp_path / "plan.docx"
    ok(run_cli("render", NB, "--template", template, "-o", out))
    return zipfile.ZipFile(out)


def checked(tmp_path: Path, data: bytes) -> str:
    """`docgen templates check` passes (warnings allowed); what it printed."""
    result = run_cli("templates", "check", write(tmp_path, data), "--type", "activity_plan")
    ok(result)
    return result.output + result.stderr


# ---------------------------------------------------------------- relationships to outside the file

OUTSIDE = [
    ("image", "http://127.0.0.1:9/logo.png"),
    ("image", "file:///etc/passwd"),
    ("oleObject", "http://127.0.0.1:9/x.xlsx"),
    ("subDocument", "file:///etc/hostname"),
    ("frame", "http://127.0.0.1:9/"),
]


@pytest.mark.parametrize("kind, target", OUTSIDE, ids=[f"{k}-{t.split(':')[0]}" for k, t in OUTSIDE])
def test_an_external_relationship_is_refused(tmp_path: Path, kind: str, target: str) -> None:
    refused(tmp_path, edited({DOC_RELS: external(kind, target)}), f"links to something outside the file ({kind}: ")


def test_an_external_relationship_of_the_package_itself_is_refused(tmp_path: Path) -> None:
    refused(tmp_path, edited({"_rels/.rels": external("attachedTemplate", "http://127.0.0.1:9/t.dotx")}),
            "links to something outside the file (attachedTemplate: ")


@pytest.mark.parametrize("target", ["http://127.0.0.1:9/x.png", "//127.0.0.1/share/x.png", "../../../../etc/passwd",
                                    "file:///etc/passwd"])
def test_an_internal_relationship_that_leaves_the_package_is_refused(tmp_path: Path, target: str) -> None:
    rel = f'<Relationship Id="rIdX" Type="{REL}/image" Target="{target}"/>'
    refused(tmp_path, edited({DOC_RELS: add_relationship(rel)}), "links to something outside the file (image: ")


def test_no_request_reaches_a_local_listener(tmp_path: Path) -> None:
    """SSRF: a template linking a picture on a local port; render and check, and nothing connects."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    port = server.getsockname()[1]
    connections = []

    def accept() -> None:
        try:
            connections.append(server.accept())
        except OSError:
            pass

    listener = threading.Thread(target=accept)
    listener.start()
    try:
        data = edited({DOC_RELS: external("image", f"http://127.0.0.1:{port}/logo.png")})
        template = write(tmp_path, data)
        render_refused(template, tmp_path / "out", "links to something outside the file")
        check_refused(template, "links to something outside the file")
        listener.join()
    finally:
        server.close()
    assert connections == []


def test_a_hyperlink_to_the_schools_web_site_is_kept(tmp_path: Path) -> None:
    """A web address in a letter is legitimate, and only followed when a reader clicks it."""
    data = edited({DOC_RELS: external("hyperlink", "https://skole.example.no/")})
    out = rendered(tmp_path, data)
    assert b"https://skole.example.no/" in out.read(DOC_RELS)
    assert "warning" not in checked(tmp_path, data)


def test_the_link_to_the_dotx_a_document_was_made_from_is_dropped_with_a_warning(tmp_path: Path) -> None:
    settings_rels = external("attachedTemplate", "file:///C:/Users/rektor/Maler/Brev.dotx", "rIdT")(
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    data = edited(
        {"word/settings.xml": lambda xml: xml.replace(
            b'<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">',
            f'<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="{REL}">'
            '<w:attachedTemplate r:id="rIdT"/>'.encode())},
        [("word/_rels/settings.xml.rels", settings_rels)],
    )
    assert b"attachedTemplate" in zipfile.ZipFile(io.BytesIO(data)).read("word/settings.xml")
    out = rendered(tmp_path, data)
    assert b"attachedTemplate" not in out.read("word/settings.xml")
    assert b"Brev.dotx" not in out.read("word/_rels/settings.xml.rels")
    assert well_formed(out.read("word/settings.xml")) is None
    assert "the link to the Word template (.dotx)" in checked(tmp_path, data)


# ---------------------------------------------------------------- entry names and junk


UNSAFE = ["../../x", "/etc/x", "word\\evil.xml", "word/../../x", "C:/x", "word/./x", "a\x1b[31m"]


@pytest.mark.parametrize("name", UNSAFE)
def test_an_unsafe_entry_name_is_refused(tmp_path: Path, name: str) -> None:
    refused(tmp_path, build([*members(), (name, b"x")]), "an entry with an unsafe name")


@pytest.mark.parametrize("name", ["word/document.xml", "WORD/Document.xml"])
def test_an_entry_twice_is_refused(tmp_path: Path, name: str) -> None:
    refused(tmp_path, build([*members(), (name, b"<x/>")]), "twice")


def test_ten_thousand_junk_entries_are_dropped_with_a_warning(tmp_path: Path) -> None:
    junk = [(f"junk/{i}.txt", b"junk") for i in range(10_000)]
    data = build([*members(), *junk])
    out = rendered(tmp_path, data)
    assert sorted(out.namelist()) == sorted(name for name, _ in members())
    assert "10000 files in the template are not part of the document" in checked(tmp_path, data)


def test_a_part_nothing_refers_to_is_dropped_even_if_it_looks_like_xml(tmp_path: Path) -> None:
    data = build([*members(), ("word/unused.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')])
    assert "word/unused.xml" not in rendered(tmp_path, data).namelist()


def test_a_part_without_a_content_type_is_refused(tmp_path: Path) -> None:
    data = edited({"[Content_Types].xml": lambda xml: xml.replace(
        b'<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument'
        b'.wordprocessingml.styles+xml"/>', b"").replace(b'<Default Extension="xml" ContentType="application/xml"/>',
                                                            b"")})
    refused(tmp_path, data, "word/styles.xml has no content type")


# ---------------------------------------------------------------- encodings and DOCTYPEs


def utf16(xml: bytes, bom: bool = True) -> bytes:
    text = xml.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return ("\ufeff" if bom else "").encode("utf-16-le") + text.encode("utf-16-le")


def with_doctype(xml: bytes) -> bytes:
    return xml.replace(b"?>", b'?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml", DOC_RELS, "[Content_Types].xml"])
@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_a_utf16_part_with_a_doctype_is_refused(tmp_path: Path, part: str, bom: bool) -> None:
    data = edited({part: lambda xml: utf16(with_doctype(xml), bom)})
    assert b"<!DOCTYPE" not in zipfile.ZipFile(io.BytesIO(data)).read(part)  # the old byte check could not see it
    refused(tmp_path, data, f"{part} declares a DOCTYPE")


def test_a_utf16_template_without_a_doctype_renders(tmp_path: Path) -> None:
    """UTF-16 is allowed by OOXML: decoded, stored as UTF-8, rendered as usual."""
    data = edited({name: utf16 for name in ("word/document.xml", "word/styles.xml", DOC_RELS)})
    out = rendered(tmp_path, data)
    for part in ("word/document.xml", "word/styles.xml", DOC_RELS):
        assert out.read(part).startswith(b"<?xml"), part  # UTF-8, no byte-order mark
        assert well_formed(out.read(part)) is None, part


def test_a_part_in_another_encoding_is_refused(tmp_path: Path) -> None:
    data = edited({"word/styles.xml": lambda xml: xml.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')})
    refused(tmp_path, data, "word/styles.xml is written in the character encoding iso-8859-1")


def test_a_part_that_is_not_xml_is_refused(tmp_path: Path) -> None:
    refused(tmp_path, edited({"word/styles.xml": lambda xml: xml[:-30]}), "word/styles.xml is not well-formed XML")


# ---------------------------------------------------------------- the package's own files


@pytest.mark.parametrize("part", ["[Content_Types].xml", "_rels/.rels"])
def test_a_template_without_content_types_or_relationships_is_refused(tmp_path: Path, part: str) -> None:
    refused(tmp_path, edited({part: None}), f"not a Word document: it has no {part}")


# ---------------------------------------------------------------- output checked before it is written


def _if_across_a_table(xml: bytes) -> bytes:
    """{% if %} in a paragraph before the first table, {% endif %} inside its first cell: when the
    condition is false, rendering cuts the table's start away and leaves its end."""
    start = xml.index(b"<w:tbl>")
    xml = xml[:start] + b"<w:p><w:r><w:t>{% if false %}</w:t></w:r></w:p>" + xml[start:]
    cell = xml.index(b"<w:tc>", start) + len(b"<w:tc>")
    paragraph = b"<w:p><w:r><w:t>{% endif %}</w:t></w:r></w:p>"
    return xml[:cell] + paragraph + xml[cell:]


def test_a_template_whose_render_breaks_the_xml_is_refused(tmp_path: Path) -> None:
    data = edited({"word/document.xml": _if_across_a_table})
    template = write(tmp_path, data)
    result = render_refused(template, tmp_path / "out", "rendering it gives a broken document")
    assert "the document body" in result.stderr
    check_refused(template, "rendering it gives a broken document")


def test_well_formed_refuses_a_dtd_and_entities() -> None:
    assert well_formed(b"<a>x</a>") is None
    assert well_formed(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>') == "a DOCTYPE"
    assert well_formed(b"<a>&x;</a>") is not None
    assert well_formed(b"<a><b></a>") is not None
