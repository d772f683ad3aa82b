"""The output formats: the one list the CLI, the API, batch and the HTTP service read."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEOUT = 120.0  # seconds LibreOffice may take for one document

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_TAGGED = '"UseTaggedPDF":{"type":"boolean","value":"true"}'


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    content_type: str
    filter: str | None  # LibreOffice's export filter; None: no conversion
    summary: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("docx", "docx", DOCX_TYPE, None, "Word document"),
        Format("pdf", "pdf", "application/pdf", "pdf:writer_pdf_Export:{" + _TAGGED + "}", "PDF, tagged"),
        Format(
            "pdfa", "pdf", "application/pdf",
            'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},' + _TAGGED + "}",
            "PDF/A-2b for archives, tagged",
        ),
    )
}
NAMES: tuple[str, ...] = tuple(FORMATS)


def by_extension(suffix: str) -> Format | None:
    """The default format for a file name's suffix ('.pdf' -> pdf), or None for an unknown one."""
    suffix = suffix.lower().lstrip(".")
    return next((f for f in FORMATS.values() if f.extension == suffix), None)
