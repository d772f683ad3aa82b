"""A school's logo, shown where a template says {{ logo }} (normally the letterhead)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from ..errors import InputError
from .docx import XML_HEAD

_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's start-of-frame marker.

    Written by hand: the imaging code docgen already depends on is python-docx's
    (docx.image), and importing it loads python-docx (~90–140 ms), which a
    one-shot `docgen render` of a cached template never pays otherwise. A test
    checks this agrees with docx.image.
    """
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _SOF_MARKERS:
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return None


@dataclass(frozen=True)
class Logo:
    data: bytes
    extension: str
    width: int  # pixels
    height: int

    REL_ID = "rIdDocgenLogo"
    REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
    HEIGHT_EMU = 576_000  # 1.6 cm
    MAX_WIDTH_EMU = 2_160_000  # 6 cm

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "the logo") -> Logo:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 24:
            return cls(data, "png", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
        if data[:2] == b"\xff\xd8":
            size = _jpeg_size(data)
            if size:
                return cls(data, "jpeg", *size)
        raise InputError(f"{name}: the logo must be a PNG or JPEG image")

    @property
    def target(self) -> str:
        return f"media/docgen-logo.{self.extension}"

    @property
    def content_type(self) -> str:
        return f"image/{self.extension}"

    def markup(self, alt: str = "", decorative: bool = False) -> Markup:
        """An inline picture that closes the text it stands in and opens it again after; `alt` is the
        text screen readers and the tagged PDF give for it (the school's name). A decorative logo
        carries Word's decorative mark instead, which LibreOffice exports as an artifact."""
        ratio = self.width / self.height if self.height else 1
        cy = self.HEIGHT_EMU
        cx = int(cy * ratio)
        if cx > self.MAX_WIDTH_EMU:
            cx, cy = self.MAX_WIDTH_EMU, int(self.MAX_WIDTH_EMU / ratio)
        a = "http://schemas.openxmlformats.org/drawingml/2006/main"
        return Markup(
            "</w:t></w:r><w:r><w:drawing>"
            '<wp:inline distT="0" distB="0" distL="0" distR="0" '
            'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
            f'<wp:extent cx="{cx}" cy="{cy}"/>{self._doc_pr(alt, decorative)}'
            f'<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="{a}" noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            f'<a:graphic xmlns:a="{a}"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:nvPicPr><pic:cNvPr id="0" name="logo.{self.extension}"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{self.REL_ID}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>'
            "<a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
            "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
            '<w:r><w:t xml:space="preserve">'
        )

    @staticmethod
    def _doc_pr(alt: str, decorative: bool) -> str:
        if not decorative:
            return f'<wp:docPr id="1" name="Logo" descr="{escape(alt)}"/>'
        # Word 2019's decorative flag (MS-ODRAWXML adec:decorative).
        return (
            '<wp:docPr id="1" name="Logo"><a:extLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            '<a:ext uri="{C183D7F6-B498-43B3-948B-1728B52AA6E4}">'
            '<adec:decorative xmlns:adec="http://schemas.microsoft.com/office/drawing/2017/decorative" val="1"/>'
            "</a:ext></a:extLst></wp:docPr>"
        )

    def parts(self, raw: dict[str, bytes], rendered: dict[str, bytes]) -> dict[str, bytes]:
        """What the package needs besides the rendered parts: the image itself, a relationship
        from every part that shows it, and its content type."""
        parts = {f"word/{self.target}": self.data}
        relationship = f'<Relationship Id="{self.REL_ID}" Type="{self.REL_TYPE}" Target="{self.target}"/>'
        for name, xml in rendered.items():
            if self.REL_ID.encode() not in xml:
                continue
            rels_name = f"{Path(name).parent}/_rels/{Path(name).name}.rels"
            existing = raw.get(rels_name, b"").decode("utf-8")
            if "</Relationships>" in existing:
                rels = existing.replace("</Relationships>", relationship + "</Relationships>")
            else:
                rels = (f'{XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        f"{relationship}</Relationships>")
            parts[rels_name] = rels.encode("utf-8")
        types = raw.get("[Content_Types].xml", b"").decode("utf-8")
        if f'Extension="{self.extension}"' not in types:
            default = f'<Default Extension="{self.extension}" ContentType="{self.content_type}"/>'
            parts["[Content_Types].xml"] = types.replace("</Types>", default + "</Types>").encode("utf-8")
        return parts
