"""docgen: validated case records into Norwegian and Danish school-environment documents.

The public API (and even `__version__`, which reads the package metadata) is
loaded on first use, so `import docgen` and the CLI's start-up stay cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["render", "validate", "load", "Options", "Pipeline", "Result", "Report", "DocgenError", "RecordError",
           "TemplateError", "InputError", "OutputError", "ConversionError", "ConverterMissing", "ExtraMissing", "Issue",
           "models",
           "__version__"]

if TYPE_CHECKING:
    from . import models
    from .api import Options, Pipeline, Report, Result, load, render, validate
    from .errors import (
        ConversionError,
        ConverterMissing,
        DocgenError,
        InputError,
        Issue,
        OutputError,
        RecordError,
        TemplateError,
    )
    from .version import __version__

_LAZY = {
    "render": "api", "validate": "api", "load": "api", "Report": "api", "Options": "api", "Pipeline": "api",
    "Result": "api", "DocgenError": "errors", "RecordError": "errors", "TemplateError": "errors",
    "InputError": "errors", "OutputError": "errors", "ConversionError": "errors", "ConverterMissing": "errors",
    "ExtraMissing": "errors",
    "Issue": "errors", "__version__": "version",
}


def __getattr__(name: str) -> Any:
    if name == "models":
        from . import models

        return models
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'docgen' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"docgen.{module}"), name)
