"""docxtpl's own pre- and post-processing, so the text matches docxtpl's rendering.

The only module that imports docxtpl. Importing it loads python-docx
(~90 ms), so it is imported only when a template is compiled or needs its
tables mended, never for a render of a cached template.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _docxtpl() -> Any:
    """A DocxTemplate whose methods used here touch no document."""
    from docxtpl import DocxTemplate

    return DocxTemplate(io.BytesIO())


def patch_xml(xml: str) -> str:
    """Mend tags Word split across runs; turn {%p %}, {%tr %} … into plain Jinja."""
    result: str = _docxtpl().patch_xml(xml)
    return result


def fix_tables(xml: str) -> str:
    """Column spans and widths after {%tc %}-style loops, as docxtpl leaves them."""
    from lxml import etree

    return etree.tostring(_docxtpl().fix_tables(xml), encoding="unicode")


@lru_cache(maxsize=1)
def version() -> str:
    """docxtpl's version, from its metadata (not its import)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("docxtpl")
    except PackageNotFoundError:
        return "missing"
