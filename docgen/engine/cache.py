"""The compiled form of templates, kept on disk between runs.

Compiling a Word template costs ~150 ms, more than rendering dozens of
documents. Like Python's .pyc files, the compiled code is kept on disk, keyed
by the template's bytes and the versions that shaped it
(settings.cache_dir(): DOCGEN_CACHE_DIR, else the user's cache folder).
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from pathlib import Path
from typing import Any

import jinja2

# A compiled template, as plain data marshal can store:
# {"parts": {name: (jinja source, code object, needs table fix)}, "core": {property: code object}}
Compiled = dict[str, Any]

FORMAT = 2  # bump when the compiled form changes


def _path(data: bytes) -> Path | None:
    from .. import settings
    from ..version import __version__
    from .docxtpl_bridge import version as docxtpl_version

    folder = settings.cache_dir()
    if folder is None:
        return None
    versions = f"{FORMAT}|{__version__}|{jinja2.__version__}|{docxtpl_version()}|{sys.version}"
    key = hashlib.sha256(versions.encode() + b"\0" + data).hexdigest()[:40]
    return folder / f"template-{key}.marshal"


def load(data: bytes) -> Compiled | None:
    path = _path(data)
    if path is None:
        return None
    try:
        compiled = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(compiled, dict) or set(compiled) != {"parts", "core"}:
        return None
    return compiled


def store(data: bytes, compiled: Compiled) -> None:
    from ..output import write_file

    path = _path(data)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(marshal.dumps(compiled), path, force=True, sync=False)
    except Exception:
        pass  # a cache that cannot be written only costs time
