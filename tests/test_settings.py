"""Configuration comes from one module: the environment and the user's folders."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from docgen import settings

from conftest import ROOT


def test_no_other_module_reads_the_environment() -> None:
    readers = []
    for path in sorted((ROOT / "docgen").rglob("*.py")):
        if path.name == "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|os\.getenv|XDG_|platformdirs|Path\.home\(\)", text):
            readers.append(str(path.relative_to(ROOT)))
    assert readers == []


def test_profile_from_the_environment_then_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(settings.PROFILE, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert settings.profile_path() is None
    found = tmp_path / "config" / "docgen" / "profile.toml"
    found.parent.mkdir(parents=True)
    found.write_text('language = "da"', encoding="utf-8")
    assert settings.profile_path() == found
    monkeypatch.setenv(settings.PROFILE, str(tmp_path / "other.toml"))
    assert settings.profile_path() == tmp_path / "other.toml"


def test_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.CACHE_DIR, "")
    assert settings.cache_dir() is None
    monkeypatch.setenv(settings.CACHE_DIR, str(tmp_path))
    assert settings.cache_dir() == tmp_path
    monkeypatch.delenv(settings.CACHE_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert settings.cache_dir() == tmp_path / "cache" / "docgen"


def test_template_folders_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.TEMPLATES, "/a:/b::/c")
    assert settings.template_folders() == [Path("/a"), Path("/b"), Path("/c")]


def test_service_settings_reach_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # export_service writes os.environ itself: give it a copy, so nothing reaches later tests.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCGEN_")}
    monkeypatch.setattr(os, "environ", environ)
    profile = tmp_path / "school.toml"
    settings.export_service(profile, tmp_path, 4096)
    service = settings.service()
    assert (service.profile, service.templates, service.max_body, service.token) == (
        profile.resolve(), tmp_path.resolve(), 4096, None
    )
