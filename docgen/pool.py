"""The LibreOffice converters one worker process of the HTTP service shares among its requests:
resident offices (office.py) restarted when they fail, a bounded queue in front of them."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from . import metrics
from .errors import Busy, ConversionError, ConverterMissing, DocgenError
from .formats import FORMATS

if TYPE_CHECKING:
    from .convert import Converter
    from .office import Office

log = logging.getLogger("docgen.server")


class PdfConverters:
    """The LibreOffice conversions a worker process runs for its requests: `size` resident offices
    (`office.Office`, ~0.1 s a document), started with the service and restarted after a crash or
    a hang; at most `queue` more requests waiting, beyond that 503 with Retry-After at once.
    Where no Python can `import uno` (Debian: python3-uno), each conversion starts LibreOffice in
    one of `size` warm private profiles instead (~1 s a document)."""

    def __init__(self, size: int, queue: int) -> None:
        self.size, self.queue = max(1, size), max(0, queue)
        self.pending = 0  # running + waiting; only touched on the event loop
        self.mode = "starting"  # then "resident", "per-document" (no uno) or "missing" (no LibreOffice)
        self._offices: list[Office] = []
        self._profiles: list[dict[str, Converter]] = [{} for _ in range(self.size)]
        self._free = list(range(self.size))
        self._semaphore: asyncio.Semaphore | None = None
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._closed = False
        self._closing = threading.Event()
        metrics.CONVERTER_SLOTS.set(self.size)

    def start(self) -> None:
        """Find LibreOffice and start the offices: in a thread at start-up (/ready says when they are
        up), or by the first PDF request if that comes first."""
        with self._start_lock:
            if self.mode == "starting":
                self._start_all()

    def _start_all(self) -> None:
        from .convert import find_soffice
        from .office import Office, find_uno_python

        try:
            soffice = find_soffice()
        except ConverterMissing:
            self.mode = "missing"
            log.warning("LibreOffice was not found: only docx is served")
            return
        python = find_uno_python()
        if python is None:
            self.mode = "per-document"
            log.warning("no Python with LibreOffice's uno module (install python3-uno): "
                        "each PDF starts LibreOffice, ~1 s")
            return
        with self._lock:
            if self._closed:
                return
            self._offices = [Office(python, soffice) for _ in range(self.size)]
            self.mode = "resident"
        threads = [threading.Thread(target=self._start, args=(office,), daemon=True) for office in self._offices]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _start(self, office: Office) -> None:
        """Start one office; if it will not start, try again (1, 2, 4 … 60 s apart) until it does or
        the service stops, so /ready recovers without a request."""
        delay = 1.0
        while not self._closed:
            try:
                office.start()
                break
            except (DocgenError, KeyboardInterrupt):
                if self._closed:
                    break
                log.error("a LibreOffice converter did not start; trying again in %g s", delay)
                self._closing.wait(delay)
                delay = min(60.0, delay * 2)
        self._gauge()

    def _gauge(self) -> None:
        metrics.CONVERTERS.set(sum(office.alive for office in self._offices))

    @property
    def ready(self) -> bool:
        """Up: every office answers (or PDF is served another way, or not at all)."""
        if self._closed or self.mode == "starting":
            return False
        return self.mode != "resident" or all(office.alive for office in self._offices)

    async def convert(self, data: bytes, fmt: str, timeout: float) -> bytes:
        if self._closed:
            raise Busy("the service is stopping", retry_after=5)
        if self.pending >= self.size + self.queue:
            raise Busy("all PDF converters are busy; try again shortly", retry_after=max(1, round(timeout / 4)))
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.size)
        self.pending += 1
        metrics.QUEUE.set(max(0, self.pending - self.size))
        try:
            async with self._semaphore:
                metrics.QUEUE.set(max(0, self.pending - self.size))
                slot = self._free.pop()
                try:
                    return await run_in_threadpool(self._convert, slot, data, fmt, timeout)
                finally:
                    self._free.append(slot)
        finally:
            self.pending -= 1
            metrics.QUEUE.set(max(0, self.pending - self.size))

    def _convert(self, slot: int, data: bytes, fmt: str, timeout: float) -> bytes:
        if self._closed:
            raise ConversionError("the service is stopping")
        self.start()
        if self.mode == "resident":
            office = self._offices[slot]
            starts = office.starts
            try:
                return office.convert(data, FORMATS[fmt], timeout)
            finally:
                if office.starts > starts:
                    metrics.CONVERTER_RESTARTS.inc(office.starts - starts)
                if not office.alive and not self._closed:  # crashed or hung: up again before the next request
                    metrics.CONVERTER_RESTARTS.inc()
                    threading.Thread(target=self._start, args=(office,), daemon=True).start()
                self._gauge()
        from .convert import Converter

        with self._lock:
            if self._closed:
                raise ConversionError("the service is stopping")
            converter = self._profiles[slot].get(fmt)
            if converter is None:
                converter = self._profiles[slot][fmt] = Converter(fmt, timeout)
        converter.timeout = timeout
        result = converter.convert([data])[0]
        if isinstance(result, str):
            raise ConversionError(result)
        return result

    def close(self) -> None:
        """Stop every office and remove every profile (conversions still running are stopped)."""
        with self._lock:
            self._closed = True
            self._closing.set()
            for profile in self._profiles:
                for converter in profile.values():
                    converter.close()
                profile.clear()
        for office in self._offices:
            office.close()
        self._gauge()
