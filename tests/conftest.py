"""Shared helpers: the repository's files, reading .docx output, building small templates."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import tempfile
import sys
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest

ROOT = Path(__file__).resolve().parent.parent

# The compile cache goes to a private folder, not the home directory of whoever runs the tests.
os.environ.setdefault("DOCGEN_CACHE_DIR", tempfile.mkdtemp(prefix="docgen-test-cache-"))
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def load_example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


def builder():
    """tools/build_templates.py, the script that makes the .docx templates."""
    if "build_templates" in sys.modules:
        return sys.modules["build_templates"]
    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "tools" / "build_templates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_templates"] = module
    spec.loader.exec_module(module)
    return module


def make_template(tmp_path: Path, body: str, lang: str = "nb", front: str = "") -> Path:
    """A .docx template built from a few lines of template source."""
    source = f"---\ntitle: Test\n{front}---\n{body}\n"
    folder = tmp_path / lang
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "custom.md"
    src.write_text(source, encoding="utf-8")
    out = folder / "custom.docx"
    out.write_bytes(builder().build(src))
    return out


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def all_text(document: docx.document.Document) -> str:
    """Body paragraphs, every table cell, headers and footers, one per line."""
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    for section in document.sections:
        lines.extend(p.text for p in section.header.paragraphs)
        lines.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(lines)


def part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode("utf-8")


def default_language(data: bytes) -> str | None:
    """The w:lang on the default run properties: what Word spell-checks in."""
    m = re.search(r'<w:rPrDefault>.*?<w:lang w:val="([^"]+)"', part(data, "word/styles.xml"), re.S)
    return m.group(1) if m else None


@pytest.fixture
def nb_record() -> dict[str, Any]:
    return load_example("activity_plan.nb.json")
