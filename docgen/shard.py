"""A batch run's share of the input (`--shard K/N`), so that N runs on any machines split one
input with no coordinator.

N runs with K = 1…N each take a fixed share. By position, record n is shard K's when
(n-1) % N == K-1, decided as the input is read (a folder's other files are not even read); by a
field, the field's value decides (sha256 of its canonical JSON), so every shard validates every
record and renders only its own; a record that has no value there (or fails validation, or
cannot be read) belongs to shard 1, so it is reported once. `n` stays the position in the whole
input, so {n} in names is the same in a shard as in a single run.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import InputError

_FIELD_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (from 1): by record position, or by the value of the field `by`."""

    index: int
    count: int
    by: str | None = None  # a dotted field path, as in a name pattern: 'case.reference'

    def __post_init__(self) -> None:
        k, n = self.index, self.count
        if n < 1:
            raise InputError(f"shard {self}: N, the number of shards, must be at least 1")
        if k < 1:
            raise InputError(f"shard {self}: K counts from 1, so the shards of {n} are 1/{n} … {n}/{n} (a Kubernetes "
                             f"Indexed Job's JOB_COMPLETION_INDEX counts from 0: $((JOB_COMPLETION_INDEX+1))/{n})")
        if k > n:
            raise InputError(f"shard {self}: K cannot be more than N; there are only {n} shards (1/{n} … {n}/{n})")
        if self.by is not None and not _FIELD_PATH.fullmatch(self.by):
            raise InputError(f"shard by {self.by!r}: not a field path; write it like case.reference")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str, by: str | None = None) -> Shard:
        """'K/N', e.g. '2/4'."""
        m = re.fullmatch(r"\s*(\d{1,9})\s*/\s*(\d{1,9})\s*", text)
        if m is None:
            raise InputError(f"shard {text!r} is not K/N: two whole numbers, e.g. 2/4 for the second of four shards")
        return cls(int(m.group(1)), int(m.group(2)), by)

    def takes(self, n: int) -> bool:
        """Whether the record at position n (from 1) is this shard's (by position)."""
        return (n - 1) % self.count == self.index - 1

    def of(self, value: Any) -> int:
        """The shard (from 1) of a field's value: sha256 of its canonical JSON text (keys sorted, no
        spaces, UTF-8), the first 8 bytes as a big-endian number, mod N; the same on every machine."""
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return 1 + int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % self.count

    def report_name(self) -> str:
        return f"docgen-errors-{self.index}-of-{self.count}.jsonl"
