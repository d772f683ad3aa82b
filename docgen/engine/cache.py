"""The compiled form of templates, kept on disk between runs, signed so that only docgen's own
entries are ever loaded.

Compiling a Word template costs ~150 ms, more than rendering dozens of
documents; a one-shot `docgen render` of a cached template is ~90 ms faster
(measured: 365 → 271 ms median wall time). Like Python's .pyc files, the
compiled code is kept on disk, keyed by the template's bytes and the versions
that shaped it (settings.cache_dir(): DOCGEN_CACHE_DIR, else the user's cache
folder).

The entries hold code objects, which run when a template is loaded, so a file
planted in the folder must never be loaded. Every entry carries an HMAC-SHA256
over its name and its bytes, with a random per-install key kept in the folder
(`key`, mode 0600). An entry whose tag does not match is ignored (and compiled
again) before `marshal` sees a byte of it. The folder itself is refused — no
cache, only slower — when it is not owned by the user, is writable by group or
others, or is a symbolic link; so is a key file that others can read or write.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import jinja2

# A compiled template, as plain data marshal can store:
# {"parts": {name: (jinja source, code object, needs table fix, proven well-formed, may link,
#                   splits cleanly)},
#  "core": {property: code object}}
Compiled = dict[str, Any]

FORMAT = 3  # bump when the compiled form changes (3: entries are signed)
KEY_NAME = "key"
KEY_SIZE = 32
TAG_SIZE = hashlib.sha256().digest_size


def _owned_safely(st: os.stat_result, mode_mask: int) -> bool:
    """Owned by this user and none of the `mode_mask` permission bits set (POSIX; elsewhere true)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return True
    return st.st_uid == getuid() and not (st.st_mode & mode_mask)


def _folder() -> Path | None:
    """The cache folder, created private (0700) if missing; None when off or not safe to trust."""
    from .. import settings

    folder = settings.cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or not _owned_safely(st, 0o022):
        return None  # a symbolic link, or a folder others may write in: entries could be planted
    return folder


def _key(folder: Path) -> bytes | None:
    """This install's signing key, created on first use; None when it cannot be trusted."""
    path = folder / KEY_NAME
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            _new_key(folder, path)
            continue
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or not _owned_safely(st, 0o077):
                return None
            key = os.read(fd, KEY_SIZE + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        return key if len(key) == KEY_SIZE else None
    return None


def _new_key(folder: Path, path: Path) -> None:
    """Write a fresh key beside `path` (0600) and link it into place; a concurrent run's key wins."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".key.", dir=folder)  # mode 0600
    except OSError:
        return
    try:
        try:
            os.write(fd, os.urandom(KEY_SIZE))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:
            if not path.exists():
                os.replace(tmp, path)
    except OSError:
        pass
    finally:
        Path(tmp).unlink(missing_ok=True)


def _locate(data: bytes) -> tuple[Path, bytes] | None:
    """The entry's path and the key that signs it, or None when the cache is off or untrusted."""
    from ..version import __version__
    from .docxtpl_bridge import version as docxtpl_version

    folder = _folder()
    if folder is None:
        return None
    key = _key(folder)
    if key is None:
        return None
    versions = f"{FORMAT}|{__version__}|{jinja2.__version__}|{docxtpl_version()}|{sys.version}"
    name = hashlib.sha256(versions.encode() + b"\0" + data).hexdigest()[:40]
    return folder / f"template-{name}.marshal", key


def _tag(key: bytes, path: Path, payload: bytes) -> bytes:
    return hmac.new(key, path.name.encode() + b"\0" + payload, hashlib.sha256).digest()


def load(data: bytes) -> Compiled | None:
    """The compiled template stored for `data`, if there is one that docgen itself signed."""
    located = _locate(data)
    if located is None:
        return None
    path, key = located
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    tag, payload = blob[:TAG_SIZE], blob[TAG_SIZE:]
    if len(tag) != TAG_SIZE or not hmac.compare_digest(tag, _tag(key, path, payload)):
        return None  # planted, damaged or from another install: never unmarshalled
    try:
        compiled = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(compiled, dict) or set(compiled) != {"parts", "core"}:
        return None
    return compiled


def store(data: bytes, compiled: Compiled) -> None:
    from ..output import write_file

    try:
        located = _locate(data)
        if located is None:
            return
        path, key = located
        payload = marshal.dumps(compiled)
        write_file(_tag(key, path, payload) + payload, path, force=True, sync=False)
    except Exception:
        pass  # a cache that cannot be written only costs time
