"""A LibreOffice kept running between conversions, for the HTTP service.

A start costs ~1 s, a conversion in a running office ~0.1 s. `Office` keeps one
headless office per converter slot and talks to it through `unobridge.py`,
which runs under a Python that can `import uno` (Debian's python3-uno). It
uses convert.py's machinery for dying with docgen (the janitor, the folder
sweep) and for finishing what LibreOffice wrote.
"""

from __future__ import annotations

import functools
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from . import settings
from .convert import WORK_PREFIX, _janitor, _running, _stopping, _sweep, find_soffice, finish
from .errors import ConversionError, ConverterMissing
from .formats import DEFAULT_TIMEOUT, Format

BRIDGE = Path(__file__).with_name("unobridge.py")
START_TIMEOUT = 60.0  # seconds a resident office may take to start


def find_uno_python() -> str | None:
    """A Python that can `import uno`: $DOCGEN_UNO_PYTHON, LibreOffice's own, or the system's (Debian's
    python3-uno). None if there is none; the service then starts LibreOffice for each document."""
    configured = settings.uno_python()
    if configured and configured.lower() in ("none", "off"):
        return None
    try:
        soffice = find_soffice()
    except ConverterMissing:
        return None
    return _uno_python(configured, soffice)


@functools.cache
def _uno_python(configured: str | None, soffice: str) -> str | None:
    candidates = [configured] if configured else []
    candidates.append(str(Path(os.path.realpath(shutil.which(soffice) or soffice)).parent / "python"))
    candidates += ["/usr/bin/python3", "/usr/local/bin/python3"]
    for python in candidates:
        if not (Path(python).is_file() and os.access(python, os.X_OK)):
            continue
        try:
            probe = subprocess.run([python, "-I", "-c", "import uno"], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return python
    return None


class Office:
    """One LibreOffice kept running between conversions (through `unobridge.py`), one document at a
    time: ~0.1 s a document instead of ~1 s for a start. A conversion that overruns its timeout or
    finds the office dead kills it (bridge and office share a process group); the next `start`
    brings up a new one. Thread-safe: one caller at a time converts, others wait."""

    def __init__(self, python: str, soffice: str | None = None) -> None:
        self.python = python
        self.soffice = soffice or find_soffice()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._work: Path | None = None
        self._closed = False
        self.starts = 0  # offices started so far (the first, then restarts)

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the office unless it runs; ConversionError if it does not answer in time."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._closed:
            raise ConversionError("the converters are stopping")
        if self.alive:
            return
        self._stop()
        if _stopping.is_set():
            raise KeyboardInterrupt
        _sweep()
        self._work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-"))
        _janitor.tell(f"d{self._work}")
        pipe = f"docgen-{os.getpid()}-{id(self):x}-{self.starts}"
        try:
            self._proc = subprocess.Popen(
                [self.python, "-I", str(BRIDGE), self.soffice, (self._work / "profile").as_uri(), pipe,
                 str(START_TIMEOUT)],
                # No parent-death signal here: it fires when the *thread* that started the office ends,
                # and offices outlive the threads that start them. When docgen dies the bridge sees its
                # stdin close and quits the office, and the janitor kills the group.
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
            )
        except OSError as exc:
            raise ConverterMissing(f"cannot start LibreOffice's Python ({self.python}): {exc.strerror}") from None
        self.starts += 1
        _janitor.tell(f"p{self._proc.pid}")
        _running[self._proc.pid] = self._proc
        answer = self._answer(START_TIMEOUT + 5)
        if not answer.get("ready"):
            self._stop()
            raise ConversionError(str(answer.get("error") or "LibreOffice did not start"))

    def convert(self, data: bytes, fmt: Format, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """The document in `fmt`, finished; ConversionError saying why not. An office found dead
        (crashed, killed) is restarted and the document tried once more; one that overruns is not."""
        if fmt.filter is None:
            return data
        with self._lock:
            made = self._convert(data, fmt, timeout, retry=True)
        result = finish(made, fmt)
        if isinstance(result, str):
            raise ConversionError(result)
        return result

    def _convert(self, data: bytes, fmt: Format, timeout: float, retry: bool) -> bytes:
        assert fmt.filter is not None
        extension, name, *options = fmt.filter.split(":", 2)
        self._start()
        assert self._work is not None and self._proc is not None and self._proc.stdin is not None
        with tempfile.TemporaryDirectory(dir=self._work) as tmp:
            source, target = Path(tmp) / "d.docx", Path(tmp) / f"d.{extension}"
            source.write_bytes(data)
            job = {"in": str(source), "out": str(target), "filter": name,
                   "data": json.loads(options[0]) if options else None}
            try:
                self._proc.stdin.write(json.dumps(job).encode() + b"\n")
                self._proc.stdin.flush()
                answer = self._answer(timeout)
            except OSError:
                answer = {"error": "LibreOffice stopped", "fatal": True}
            if answer.get("timeout"):
                self._stop()
                raise ConversionError(f"LibreOffice did not finish within {timeout:g} s and was stopped")
            if answer.get("fatal") or not self.alive:
                self._stop()
                if retry and not self._closed:
                    return self._convert(data, fmt, timeout, retry=False)
                raise ConversionError(str(answer.get("error") or "LibreOffice stopped"))
            if not answer.get("ok"):
                raise ConversionError(str(answer.get("error") or "LibreOffice could not convert the document"))
            made = target.read_bytes() if target.is_file() else b""
        if not made:
            raise ConversionError("LibreOffice could not convert the document")
        return made

    def _answer(self, timeout: float) -> dict[str, object]:
        """The bridge's next line; {"timeout": True} after `timeout` s, {"error": …} if it ended."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return {"timeout": True}
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if _stopping.is_set():
                raise KeyboardInterrupt
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                return {"error": "LibreOffice stopped", "fatal": True}
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError:
            return {"error": "LibreOffice's bridge answered nonsense", "fatal": True}
        return answer if isinstance(answer, dict) else {"error": "LibreOffice's bridge answered nonsense"}

    def _stop(self, grace: float = 0.0) -> None:
        """End the office (after `grace` s to quit on its own) and remove its folder."""
        proc, self._proc, self._buffer = self._proc, None, b""
        if proc is not None:
            if grace and proc.poll() is None and proc.stdin is not None:
                try:
                    proc.stdin.close()  # the bridge quits the office and ends
                    proc.wait(grace)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the office itself, whatever the bridge did
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            _running.pop(proc.pid, None)
            _janitor.tell(f"P{proc.pid}")
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
            _janitor.tell(f"D{self._work}")
            self._work = None

    def kill(self) -> None:
        """Kill the office at once, as a crash would (the next conversion starts a new one)."""
        proc = self._proc
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def close(self, grace: float = 3.0) -> None:
        """Stop for good; a conversion still running after `grace` s is stopped with its office."""
        self._closed = True
        if not self._lock.acquire(timeout=grace):
            self.kill()  # the converting thread sees the office die, stops it and lets go
            self._lock.acquire()
        try:
            self._stop(grace)
        finally:
            self._lock.release()
