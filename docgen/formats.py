"""The output formats: the one list the CLI, the API, batch and the HTTP service read."""

from __future__ import annotations

import json
from dataclasses import dataclass

DEFAULT_TIMEOUT = 120.0  # seconds LibreOffice may take for one document

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"


def _pdf_filter(**options: int | bool) -> str:
    """LibreOffice's PDF export filter with its options (always tagged)."""
    typed = {"UseTaggedPDF": {"type": "boolean", "value": "true"}}
    for name, value in options.items():
        kind = "boolean" if isinstance(value, bool) else "long"
        typed[name] = {"type": kind, "value": str(value).lower()}
    return "pdf:writer_pdf_Export:" + json.dumps(typed, separators=(",", ":"))


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    content_type: str
    filter: str | None  # LibreOffice's export filter; None: no conversion
    summary: str
    standard: str  # what the file is, for archive metadata
    pdfa_part: int | None = None  # the PDF/A part the file declares (ISO 19005-N)
    pdfa_conformance: str | None = None  # "A" (tagged, accessible) or "B" (visual appearance)
    pdfua: bool = False  # declares PDF/UA-1 (ISO 14289-1)

    @property
    def is_pdf(self) -> bool:
        return self.extension == "pdf"


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("docx", "docx", DOCX_TYPE, None, "Word document", "Office Open XML (ECMA-376)"),
        Format("pdf", "pdf", "application/pdf", _pdf_filter(), "PDF, tagged", "PDF 1.6, tagged"),
        Format("pdfa", "pdf", "application/pdf", _pdf_filter(SelectPdfVersion=2),
               "PDF/A-2a for archives (tagged, conformance A)", "PDF/A-2a (ISO 19005-2)",
               pdfa_part=2, pdfa_conformance="A"),
        Format("pdfua", "pdf", "application/pdf", _pdf_filter(SelectPdfVersion=2, PDFUACompliance=True),
               "PDF/A-2a that also declares PDF/UA-1",
               "PDF/A-2a (ISO 19005-2) and PDF/UA-1 (ISO 14289-1)", pdfa_part=2, pdfa_conformance="A", pdfua=True),
        Format("pdfa1", "pdf", "application/pdf", _pdf_filter(SelectPdfVersion=1),
               "PDF/A-1b, for authorities that ask for part 1", "PDF/A-1b (ISO 19005-1)",
               pdfa_part=1, pdfa_conformance="B"),
        Format("odt", "odt", ODT_TYPE, "odt:writer8", "OpenDocument text (ODF)", "OpenDocument 1.3 text"),
    )
}
NAMES: tuple[str, ...] = tuple(FORMATS)
FORMAT_HELP = ("docx; pdf (tagged); pdfa (PDF/A-2a, for archives); pdfua (PDF/A-2a that also declares PDF/UA-1); "
               "pdfa1 (PDF/A-1b); odt (OpenDocument). All but docx need LibreOffice.")


def by_extension(suffix: str) -> Format | None:
    """The default format for a file name's suffix ('.pdf' -> pdf), or None for an unknown one."""
    suffix = suffix.lower().lstrip(".")
    return next((f for f in FORMATS.values() if f.extension == suffix), None)
