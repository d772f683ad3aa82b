"""Which template file renders a document type in a language.

A school's folder overrides the built-in templates: `--templates DIR`, then
each folder in DOCGEN_TEMPLATES (separated by ':'), then the profile's
`templates`; whatever none of them has comes from the built-in set. A folder
has the built-in layout: `DIR/<lang>/<type>.docx`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import settings
from .doctypes import DOCTYPES, doctype
from .errors import TemplateError
from .resources import data_dir


@dataclass(frozen=True)
class Found:
    path: Path
    origin: str  # "built-in" or the override folder


def builtin_template(type_name: str, lang: str) -> Path:
    return data_dir("templates") / lang / f"{type_name}.docx"


def override_folders(explicit: Path | str | None = None, profile_folder: Path | None = None) -> list[Path]:
    """The folders searched before the built-in templates, first match wins."""
    folders: list[Path] = []
    if explicit:
        folders.append(Path(explicit))
    folders += settings.template_folders()
    if profile_folder:
        folders.append(profile_folder)
    for folder in folders:
        if not folder.is_dir():
            raise TemplateError("the template folder does not exist", str(folder))
    return folders


def locate(type_name: str, lang: str, folders: Sequence[Path] = ()) -> Found:
    """The template for a type and language, with where it came from."""
    if lang not in doctype(type_name).languages:
        raise TemplateError(f"'{type_name}' has no template in '{lang}'")
    for folder in folders:
        candidate = folder / lang / f"{type_name}.docx"
        if candidate.is_file():
            return Found(candidate, str(folder))
    path = builtin_template(type_name, lang)
    if not path.is_file():
        raise TemplateError("the built-in template is missing from this installation", str(path))
    return Found(path, "built-in")


def find_template(type_name: str, lang: str, folders: Sequence[Path] = ()) -> Path:
    return locate(type_name, lang, folders).path


def all_templates(folders: Sequence[Path] = ()) -> Iterable[tuple[str, str, Found]]:
    for info in DOCTYPES.values():
        for lang in info.languages:
            yield info.name, lang, locate(info.name, lang, folders)
