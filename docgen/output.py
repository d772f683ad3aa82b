"""Write a finished document so that a failure never leaves half a file behind."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import OutputError


def write_file(data: bytes, path: Path, force: bool = False) -> None:
    """Write to a temporary file beside `path`, then move it into place in one step.

    Without `force` an existing file is never replaced, even one that appears
    while we write (the final step is a hard link, which refuses to overwrite).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name ending in .docx")
    if not directory.is_dir():
        raise OutputError(f"{path}: the folder {directory} does not exist")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to replace it")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {directory} ({exc.strerror.lower()})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644 & ~_umask())
        if force:
            os.replace(tmp, path)
        else:
            _link_no_clobber(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({(exc.strerror or str(exc)).lower()})") from None
    finally:
        tmp.unlink(missing_ok=True)


def _link_no_clobber(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputError(f"{path}: already exists; use --force to replace it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        # File systems without hard links: check, then rename.
        if path.exists():
            raise OutputError(f"{path}: already exists; use --force to replace it") from None
        os.replace(tmp, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
