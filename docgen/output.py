"""Write a finished document so that a failure never leaves half a file behind.

Where the file system allows it (Linux: ext4, xfs, btrfs, tmpfs), the bytes go
into an unnamed file (O_TMPFILE) that gets its name only when complete: even a
killed process leaves nothing behind. Elsewhere a hidden temporary file beside
the target is renamed into place.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import OutputError

_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT}
FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})  # nothing more fits, for any file


class DiskFull(OutputError):
    """Nothing more can be written there (no space left, or over quota): stop, don't try the next file."""


def cannot_write(path: Path | str, exc: OSError, where: str = "") -> OutputError:
    """The error for an OSError while writing `path`: DiskFull when the disk (or quota) is full."""
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno in FULL:
        return DiskFull(f"{path}: the disk is full ({reason})")
    return OutputError(f"{path}: cannot write{f' in {where}' if where else ''} ({reason})")


def write_file(data: bytes, path: Path, force: bool = False, sync: bool = True) -> None:
    """Write `data` to `path` in one step. Without `force` an existing file is never replaced,
    even one that appears while we write. `sync=False` skips fsync (batches: a crash of the
    machine, not of the process, may then lose the last files, never corrupt them)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name ending in .docx")
    if not directory.is_dir():
        raise OutputError(f"{path}: the folder {directory} does not exist")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to replace it")
    try:
        if not _write_unnamed(data, path, directory, force, sync):
            _write_named(data, path, directory, force, sync)
    except OutputError:
        raise
    except OSError as exc:
        raise cannot_write(path, exc) from None


def _write_unnamed(data: bytes, path: Path, directory: Path, force: bool, sync: bool) -> bool:
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not Path("/proc/self/fd").is_dir():
        return False
    try:
        fd = os.open(directory, flag | os.O_WRONLY, 0o666)
    except OSError as exc:
        if exc.errno in _NO_TMPFILE:
            return False
        raise
    # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N names the file; CPython only
    # calls linkat (not link) when a directory fd is passed.
    procfd = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        _write_all(fd, data, sync)
        if force:
            # Give it a temporary name, then rename over the target in one step.
            tmp = directory / f".{path.name}.{os.getpid()}.part"
            tmp.unlink(missing_ok=True)
            os.link(str(fd), tmp, src_dir_fd=procfd, follow_symlinks=True)
            os.replace(tmp, path)
        else:
            try:
                os.link(str(fd), path, src_dir_fd=procfd, follow_symlinks=True)
            except FileExistsError:
                raise OutputError(f"{path}: already exists; use --force to replace it") from None
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.ENOENT, errno.EPERM):
            return False  # linking unnamed files is not allowed here; use a named temp file
        raise
    finally:
        os.close(procfd)
        os.close(fd)
    return True


def _write_named(data: bytes, path: Path, directory: Path, force: bool, sync: bool) -> None:
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise cannot_write(path, exc, str(directory)) from None
    tmp = Path(tmp_name)
    try:
        _write_all(fd, data, sync)
        os.close(fd)
        fd = -1
        os.chmod(tmp, 0o666 & ~_umask())
        if force:
            os.replace(tmp, path)
        else:
            _link_no_clobber(tmp, path)
    finally:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)


def _write_all(fd: int, data: bytes, sync: bool) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    if sync:
        os.fsync(fd)


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


def document_path(output: str, extension: str, stem: str) -> Path:
    """Where `-o OUT` puts a document: OUT itself, or `stem.extension` inside OUT when OUT is a
    folder or ends in '/' (a folder that does not exist yet is created)."""
    path = Path(output)
    if not output.endswith(("/", os.sep)) and not path.is_dir():
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output}: cannot create the folder ({(exc.strerror or str(exc)).lower()})") from None
    return path / f"{stem}.{extension}"
