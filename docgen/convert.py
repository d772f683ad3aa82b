"""Conversion of finished .docx documents to the other formats (PDF, PDF/A, ODT) through
LibreOffice, started as seldom as possible. PDFs are then finished by `docgen.pdfa`.

A cold `soffice --convert-to pdf` costs ~1.5 s; converting many files in one
call costs ~0.15 s each after the start. So documents are converted in chunks,
each chunk by one `soffice` call with a private user profile (parallel runs do
not fight over LibreOffice's lock, and the profile is warm after the first
call). Every call has a timeout: a hung or crashed LibreOffice is killed with
its whole process group, the chunk is retried one document at a time so only
the bad document is lost, and nothing is left running.

Nothing is left behind when docgen itself dies either. On Linux, soffice gets
a parent-death signal (PR_SET_PDEATHSIG, SIGKILL). That does not reach the
soffice.bin that LibreOffice's launcher forks, so each docgen process also
starts one tiny janitor (`python -c _JANITOR`) in its own session, told through
a pipe which LibreOffice process groups and profile folders are live: when
docgen ends in any way, even SIGKILL, the pipe closes, and the janitor kills
those groups and removes those folders. A SIGTERM of docgen is handled: the
conversions are stopped, their folders removed, and docgen stops as on Ctrl-C.
Folders left by a docgen whose janitor was killed too are swept by the next run.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import weakref
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import settings
from .errors import ConversionError, ConverterMissing
from .formats import DEFAULT_TIMEOUT, FORMATS, Format

INSTALL = "apt-get install libreoffice-writer-nogui"
CHUNK = 25


def find_soffice() -> str:
    """LibreOffice's program, or ConverterMissing saying how to install it."""
    configured = settings.soffice()
    if configured:
        if shutil.which(configured) or Path(configured).is_file():
            return configured
        raise ConverterMissing(f"DOCGEN_SOFFICE names {configured}, which does not exist")
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConverterMissing(
            f"PDF output needs LibreOffice, which was not found. Install it ({INSTALL}) "
            "or set DOCGEN_SOFFICE to its soffice program; --format docx works without it"
        )
    return found


class Converter:
    """One private LibreOffice profile, used for every conversion of this run."""

    def __init__(self, fmt: str, timeout: float = DEFAULT_TIMEOUT, soffice: str | None = None) -> None:
        self.format = FORMATS[fmt]
        if self.format.filter is None:
            raise ValueError(f"{fmt} needs no conversion")
        self.filter = self.format.filter
        self.timeout = timeout
        self.soffice = soffice or find_soffice()
        _sweep()
        self.work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-"))
        _live_converters.add(self)
        _janitor.tell(f"d{self.work}")
        _handle_sigterm()

    def convert(self, docs: Sequence[bytes]) -> list[bytes | str]:
        """The converted bytes of each document, or a message saying why that one failed."""
        if not docs:
            return []
        with tempfile.TemporaryDirectory(dir=self.work) as tmp:
            folder = Path(tmp)
            inputs = []
            for i, data in enumerate(docs):
                path = folder / f"d{i:04d}.docx"
                path.write_bytes(data)
                inputs.append(path)
            out = folder / "out"
            finished = self._run(inputs, out, self.timeout + 5 * len(docs))
            if not finished and len(docs) > 1:
                return [self.convert([data])[0] for data in docs]  # find the one that hangs
            results: list[bytes | str] = []
            for path in inputs:
                made = out / f"{path.stem}.{self.format.extension}"
                if made.is_file() and made.stat().st_size > 0:
                    results.append(finish(made.read_bytes(), self.format))
                elif not finished:
                    results.append(f"LibreOffice did not finish within {self.timeout:g} s and was stopped")
                else:
                    results.append("LibreOffice could not convert the document")
            return results

    def _run(self, inputs: list[Path], out: Path, timeout: float) -> bool:
        """Run one soffice call; kill it and all its children if it overruns. True if it finished."""
        cmd = [
            self.soffice,
            f"-env:UserInstallation={(self.work / 'profile').as_uri()}",
            "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault",
            "--convert-to", self.filter, "--outdir", str(out), *map(str, inputs),
        ]
        if _stopping.is_set():
            raise KeyboardInterrupt  # docgen got SIGTERM: start nothing new
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=_die_with_parent if _prctl is not None else None,
            )
        except OSError as exc:
            raise ConverterMissing(f"cannot start LibreOffice ({self.soffice}): {exc.strerror}") from None
        _janitor.tell(f"p{proc.pid}")
        _running[proc.pid] = proc
        try:
            proc.wait(timeout=timeout)
            return not _stopping.is_set()
        except subprocess.TimeoutExpired:
            _kill(proc)
            return False
        except BaseException:
            _kill(proc)
            raise
        finally:
            _running.pop(proc.pid, None)
            _janitor.tell(f"P{proc.pid}")

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        _janitor.tell(f"D{self.work}")
        _live_converters.discard(self)

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def finish(data: bytes, fmt: Format) -> bytes | str:
    """LibreOffice's output made what the format promises (see `docgen.pdfa`), or why it could not be."""
    try:
        if fmt.is_pdf:
            from .pdfa import finish as finish_pdf

            return finish_pdf(data, fmt)
        if fmt.extension == "odt":
            return _without_folder_entries(data)
    except Exception as exc:  # pikepdf and zipfile raise their own errors on a broken file
        return f"the file LibreOffice wrote could not be finished ({type(exc).__name__})"
    return data


def _without_folder_entries(data: bytes) -> bytes:
    """The ODT without the empty folder entries (Configurations2/…/) LibreOffice writes: its
    manifest does not list them, which ODF's package rules ask of every member, and nothing
    reads them. Every other member is copied as it was, `mimetype` first and stored."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = [m for m in src.infolist() if not m.is_dir()]
        if len(members) == len(src.infolist()):
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for member in members:
                dst.writestr(member, src.read(member.filename))
    return out.getvalue()


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


# ---------------------------------------------------------------- dying with docgen

WORK_PREFIX = "docgen-lo-"

_live_converters: weakref.WeakSet[Converter] = weakref.WeakSet()
_running: dict[int, subprocess.Popen] = {}  # soffice processes now running, by pid (= process group)
_stopping = threading.Event()  # set by SIGTERM: no new LibreOffice starts


def _load_prctl() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_prctl = _load_prctl()  # looked up now: the child between fork and exec must not import or load anything
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the soffice child before exec: SIGKILL it when docgen (the thread that started it) dies."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # type: ignore[operator]


# The janitor: reads lines from docgen ('d'/'D' + folder, 'p'/'P' + process group: live/done) until
# the pipe closes, i.e. until docgen is gone; then kills the groups still live and removes the folders.
_JANITOR = r"""
import os, shutil, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
fd, folders, groups, buf = int(sys.argv[1]), set(), set(), b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except InterruptedError:
        continue
    if not chunk:
        break
    *lines, buf = (buf + chunk).split(b"\n")
    for line in lines:
        kind, what = line[:1], os.fsdecode(line[1:])
        if kind == b"d": folders.add(what)
        elif kind == b"D": folders.discard(what)
        elif kind == b"p": groups.add(int(what))
        elif kind == b"P": groups.discard(int(what))
for group in groups:
    try: os.killpg(group, signal.SIGKILL)
    except OSError: pass
deadline = time.monotonic() + 1  # killed processes do not write again; zombies may stay a while
while groups and time.monotonic() < deadline:
    time.sleep(0.05)
    for group in list(groups):
        try: os.killpg(group, 0)
        except OSError: groups.discard(group)
for attempt in range(3):
    for folder in list(folders):
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.lexists(folder): folders.discard(folder)
    if not folders: break
    time.sleep(0.5)
"""


class _Janitor:
    """This process's janitor, started on first use (again in a forked child)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fd = -1
        self.owner = 0

    def tell(self, line: str) -> None:
        if os.name != "posix":
            return
        data = os.fsencode(line) + b"\n"  # one short write: never mixed with another thread's
        with self.lock:
            if self.owner != os.getpid():
                self._start()
            if self.fd < 0:
                return
            try:
                os.write(self.fd, data)
            except OSError:  # the janitor is gone; the parent-death signal still holds
                os.close(self.fd)
                self.fd = -1

    def _start(self) -> None:
        self.owner = os.getpid()
        self.fd = -1  # a forked child never writes to its parent's janitor
        read, write = os.pipe()
        try:
            subprocess.Popen([sys.executable, "-I", "-S", "-c", _JANITOR, str(read)], pass_fds=(read,),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        except OSError:
            os.close(write)
            return
        finally:
            os.close(read)
        self.fd = write


_janitor = _Janitor()


def _handle_sigterm() -> None:
    """Make SIGTERM stop the conversions and remove their folders, then stop docgen as Ctrl-C does.
    Only where nobody else handles SIGTERM (the HTTP server does), and only from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        pass


def _on_sigterm(signum: int, frame: object) -> None:
    if not _live_converters:  # nothing of ours to stop: terminate as if unhandled
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    _stopping.set()
    for pid in list(_running):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    for converter in list(_live_converters):
        shutil.rmtree(converter.work, ignore_errors=True)
    raise KeyboardInterrupt


def _sweep() -> None:
    """Remove LibreOffice folders left by docgen processes that no longer exist (this user's only)."""
    root = Path(tempfile.gettempdir())
    try:
        entries = list(root.glob(f"{WORK_PREFIX}*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name.removeprefix(WORK_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if entry.lstat().st_uid != os.getuid() or not entry.is_dir():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


class ConverterPool:
    """A few converters working side by side; each converts whole chunks."""

    def __init__(self, fmt: str, size: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.converters = [Converter(fmt, timeout) for _ in range(max(1, size))]

    def convert(self, docs: Sequence[bytes]) -> list[bytes | str]:
        """Convert in order; the documents are shared out between the converters."""
        n = len(self.converters)
        if n == 1 or len(docs) <= 1:
            return self.converters[0].convert(docs)
        size = -(-len(docs) // n)
        chunks = [docs[i : i + size] for i in range(0, len(docs), size)]
        with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            parts = list(pool.map(lambda pair: pair[0].convert(pair[1]), zip(self.converters, chunks, strict=False)))
        return [result for part in parts for result in part]

    def close(self) -> None:
        for converter in self.converters:
            converter.close()


def convert_one(data: bytes, fmt: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """One document in another format (a cold LibreOffice start: ~1.5 s)."""
    with Converter(fmt, timeout) as converter:
        result = converter.convert([data])[0]
    if isinstance(result, str):
        raise ConversionError(result)
    return result
