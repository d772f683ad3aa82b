"""Where the bundled templates, schemas and examples are.

In a wheel they sit inside the package (docgen/data/...); in a source checkout
they are the top-level folders reviewers and schools see.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    """'templates', 'schemas' or 'examples'."""
    installed = _PACKAGE / "data" / kind
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / kind
