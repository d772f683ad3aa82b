"""docgen: validated case records into Norwegian and Danish school-environment documents.

The public API is loaded on first use, so `import docgen` (and the CLI's
start-up) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["render", "validate", "load", "Report", "DocgenError", "RecordError", "TemplateError", "InputError",
           "OutputError", "Issue", "models", "__version__"]

if TYPE_CHECKING:
    from . import models
    from .api import Report, load, render, validate
    from .errors import DocgenError, InputError, Issue, OutputError, RecordError, TemplateError

_LAZY = {
    "render": "api", "validate": "api", "load": "api", "Report": "api",
    "DocgenError": "errors", "RecordError": "errors", "TemplateError": "errors",
    "InputError": "errors", "OutputError": "errors", "Issue": "errors",
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
