"""A batch's errors file (JSON Lines): every failure and warning, by record.

It is locked for the run (a second run into the same folder is refused, so two runs never mix
their lines) and each record's lines are written with one write call; a write that does not fit
is cut back, so the file never ends mid-line.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError

if TYPE_CHECKING:
    from .batch import Outcome


class ErrorFile:
    """The report file, locked for the run: one write call per record (its lines whole, never
    mixed with another run's), cut back when a write does not fit, removed at the end if empty."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1
        self.size = 0  # bytes of whole lines written

    def __enter__(self) -> ErrorFile:
        from .output import cannot_write

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            while True:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o666)
                try:
                    _lock(fd, self.path)
                    if _same_file(fd, self.path):
                        break
                except BaseException:
                    os.close(fd)
                    raise
                os.close(fd)  # the previous run removed it between our open and our lock: open again
            self.fd = fd
            os.ftruncate(fd, 0)
        except OSError as exc:
            if self.fd >= 0:
                os.close(self.fd)
                self.fd = -1
            raise cannot_write(self.path, exc) from None
        return self

    def write(self, outcome: Outcome) -> None:
        issues = outcome.errors if outcome.status in ("failed", "not attempted") else outcome.warnings
        if not issues:
            return
        block = "".join(json.dumps({"source": outcome.source, "line": outcome.line, **issue.as_dict()},
                                   ensure_ascii=False) + "\n" for issue in issues).encode()
        self._append(block)

    def _append(self, block: bytes) -> None:
        from .output import DiskFull, cannot_write

        try:
            written = os.write(self.fd, block)
        except OSError as exc:
            self.cut(self.size)
            raise cannot_write(self.path, exc) from None
        if written != len(block):  # only part of it fitted
            self.cut(self.size)
            raise DiskFull(f"{self.path}: the disk is full (no space left on device)")
        self.size += written

    def cut(self, size: int) -> None:
        """Back to `size` bytes (whole lines); freeing space always works, even on a full disk."""
        try:
            os.ftruncate(self.fd, size)
            self.size = size
        except OSError:
            pass

    def __exit__(self, *exc: object) -> None:
        if self.fd < 0:
            return
        try:
            if self.size == 0:
                self.path.unlink(missing_ok=True)  # still locked: nobody else is using it
        except OSError:
            pass
        finally:
            os.close(self.fd)  # releases the lock
            self.fd = -1


def _lock(fd: int, path: Path) -> None:
    """An exclusive lock on the report for the run; another run holding it is a clear error."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise OutputError(f"{path}: another docgen batch is writing into this folder (its report is in use); "
                              "wait until it has finished, or give this run another folder or --errors file"
                              ) from None
        if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)
