"""Which template file renders a document type in a language."""

from __future__ import annotations

from pathlib import Path

from .doctypes import doctype
from .errors import TemplateError
from .resources import data_dir


def builtin_template(type_name: str, lang: str) -> Path:
    return data_dir("templates") / lang / f"{type_name}.docx"


def find_template(type_name: str, lang: str) -> Path:
    """The template for a type and language, or a clear error saying which is missing."""
    if lang not in doctype(type_name).languages:
        raise TemplateError(f"'{type_name}' has no template in '{lang}'")
    path = builtin_template(type_name, lang)
    if not path.is_file():
        raise TemplateError("the built-in template is missing from this installation", str(path))
    return path
