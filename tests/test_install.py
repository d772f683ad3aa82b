"""The installed package carries its templates, schemas and examples (a wheel, not the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import docgen
from docgen.resources import data_dir

from conftest import ROOT, only_installed


@only_installed
@pytest.mark.parametrize("kind", ["templates", "schemas", "examples"])
def test_data_is_present(kind: str) -> None:
    folder = data_dir(kind)
    assert folder.is_dir()
    committed = sorted(p.relative_to(ROOT / kind) for p in (ROOT / kind).rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    assert shipped == committed


@pytest.mark.skipif(not os.environ.get("DOCGEN_EXPECT_INSTALLED"), reason="only under `make test`")
def test_running_from_a_non_editable_install() -> None:
    package = Path(docgen.__file__).resolve().parent
    assert "site-packages" in package.parts
    assert data_dir("templates").is_relative_to(package)
