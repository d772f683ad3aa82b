"""Conversion of finished .docx documents to the other formats (PDF, PDF/A-2b) through LibreOffice,
started as seldom as possible.

A cold `soffice --convert-to pdf` costs ~1.5 s; converting many files in one
call costs ~0.15 s each after the start. So documents are converted in chunks,
each chunk by one `soffice` call with a private user profile (parallel runs do
not fight over LibreOffice's lock, and the profile is warm after the first
call). Every call has a timeout: a hung or crashed LibreOffice is killed with
its whole process group, the chunk is retried one document at a time so only
the bad document is lost, and nothing is left running.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import settings
from .errors import ConversionError, ConverterMissing
from .formats import DEFAULT_TIMEOUT, FORMATS

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
        export = FORMATS[fmt].filter
        if export is None:
            raise ValueError(f"{fmt} needs no conversion")
        self.filter = export
        self.timeout = timeout
        self.soffice = soffice or find_soffice()
        self.work = Path(tempfile.mkdtemp(prefix="docgen-lo-"))

    def convert(self, docs: Sequence[bytes]) -> list[bytes | str]:
        """PDF bytes for each document, or a message saying why that one failed."""
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
                pdf = out / f"{path.stem}.pdf"
                if pdf.is_file() and pdf.stat().st_size > 0:
                    results.append(pdf.read_bytes())
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
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise ConverterMissing(f"cannot start LibreOffice ({self.soffice}): {exc.strerror}") from None
        try:
            proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            _kill(proc)
            return False
        except BaseException:
            _kill(proc)
            raise

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


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
    """One document to PDF (a cold LibreOffice start: ~1.5 s)."""
    with Converter(fmt, timeout) as converter:
        result = converter.convert([data])[0]
    if isinstance(result, str):
        raise ConversionError(result)
    return result
