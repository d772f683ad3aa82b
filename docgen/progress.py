"""A one-line progress display for long batches: count, rate and time left, on a terminal only."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO, total: int | None, every: float = 0.1) -> None:
        self.stream, self.total, self.every = stream, total, every
        self.count = self.failed = 0
        self.start = self.last = time.monotonic()

    def update(self, failed: bool) -> None:
        self.count += 1
        self.failed += failed
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._draw(now)

    def close(self) -> None:
        self._draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.start, 1e-6)
        rate = self.count / elapsed
        parts = [f"{self.count}/{self.total}" if self.total else f"{self.count}", f"{rate:.0f}/s"]
        if self.total and rate > 0:
            left = max(self.total - self.count, 0) / rate
            parts.append(f"{int(left // 60)}:{int(left % 60):02d} left")
            width = 24
            done = int(width * min(self.count / self.total, 1))
            parts.insert(0, "[" + "#" * done + "-" * (width - done) + "]")
        if self.failed:
            parts.append(f"{self.failed} failed")
        self.stream.write("\r" + "  ".join(parts) + "\x1b[K")
        self.stream.flush()
