#!/usr/bin/env python3
"""Peak memory of a batch's main process as the input grows: the names it has given.

Run: .venv/bin/python bench/batch_memory.py [--records 50000]
Prints figures; asserts nothing.

A batch remembers every file name it has given, so that two records never
share a file. Kept in a Python set (before), that grows by ~130 bytes a
record; kept in docgen.naming.NameSet (now: a set for the first few thousand,
then a temporary SQLite file), it stays flat. To see the main process alone,
the pipeline is a stub (validation and rendering cost nothing and use no
memory: tiny records, each a distinct name), and everything runs in one
process (--workers 1): the rest of the batch machinery is real, files are
written. Each figure comes from a fresh process: tracemalloc's peak of
Python's allocations during the run, and the peak RSS (SQLite's own cache
is C memory, which only the RSS shows).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class _Document:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        return self.data


class _Report:
    errors: list[Any] = []
    warnings: list[Any] = []
    ok = True

    def __init__(self, document: _Document) -> None:
        self.document = document


class _Rendered:
    content = b"PK tiny"
    metadata: dict[str, Any] = {}


class StubPipeline:
    """What Batch uses of a Pipeline, at no cost: the record's own fields name the document."""

    logo = None

    def __init__(self) -> None:
        from docgen.formats import FORMATS

        self.format = FORMATS["docx"]

    def validate(self, data: bytes, source: str) -> _Report:
        i = json.loads(data)["i"]
        return _Report(_Document({"type": "activity_plan", "document_date": "2026-11-27",
                                  "case": {"pupil": {"name": f"Elev {i:06d} Nordmann"}}}))

    def document(self, report: _Report) -> _Rendered:
        return _Rendered()

    def convert(self, contents: list[bytes], converters: int = 1) -> list[bytes]:
        return list(contents)

    def close(self) -> None:
        pass


def measure(mode: str, records: int) -> None:
    """One run in this process; prints a JSON line."""
    sys.path.insert(0, str(ROOT))
    from docgen import batch

    if mode == "set":
        batch._name_set = set  # the code before: every name in memory
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.jsonl"
        with source.open("w") as f:
            for i in range(records):
                f.write(f'{{"i": {i}}}\n')
        run = batch.Batch(str(source), Path(folder) / "out", StubPipeline(), workers=1)  # type: ignore[arg-type]
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        start = time.perf_counter()
        for _ in run:
            pass
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert run.summary.written == records, run.summary
    print(json.dumps({"mode": mode, "records": records, "traced_peak_mb": peak / 1e6,
                      "rss_peak_mb": rss / 1024, "rss_growth_mb": (rss - rss_before) / 1024, "seconds": seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--one", nargs=2, metavar=("MODE", "RECORDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure(args.one[0], int(args.one[1]))
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"{'names kept in':<26}{'records':>9}{'traced peak':>13}{'RSS peak':>10}{'RSS growth':>12}{'time':>8}")
    for mode, label in (("set", "a set (before)"), ("nameset", "NameSet (now)")):
        for records in (args.records // 10, args.records):
            out = subprocess.run([sys.executable, __file__, "--one", mode, str(records)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out)
            print(f"{label:<26}{records:>9}{r['traced_peak_mb']:>10.1f} MB{r['rss_peak_mb']:>7.0f} MB"
                  f"{r['rss_growth_mb']:>9.1f} MB{r['seconds']:>7.1f}s")


if __name__ == "__main__":
    main()
