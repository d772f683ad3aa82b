#!/usr/bin/env python3
"""Batch throughput with 1 and 2 workers, and peak memory as the input grows.

Run: `make bench` (or .venv/bin/python bench/batch_speed.py [--records 10000]).
Prints figures and ratios; asserts nothing. Uses the bundled Norwegian
activity plan (5 measures), one distinct pupil name per record.

- throughput: `docgen batch --workers 1` against `--workers 2`, same input.
- memory: peak RSS of the main process and of the largest worker, for an
  input of N/4 and N records: flat means streaming works.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "activity_plan.nb.json"


def make_input(path: Path, count: int) -> None:
    base = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            record = copy.deepcopy(base)
            record["case"]["pupil"]["name"] = f"Elev {i:06d}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def docgen_cmd() -> list[str]:
    script = Path(sys.executable).with_name("docgen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "docgen"]


def run_batch(source: Path, workers: int) -> tuple[float, float, float]:
    """(seconds, main-process peak RSS MB, largest child peak RSS MB) of one batch run."""
    out = Path(tempfile.mkdtemp(prefix="docgen-bench-out-"))
    code = (
        "import resource, subprocess, sys, time, json;"
        "t=time.perf_counter();"
        "p=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "t=time.perf_counter()-t;"
        "print(json.dumps([p.returncode, t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
    )
    # A wrapper process, so RUSAGE_CHILDREN sees the docgen process; docgen reports its workers separately.
    cmd = [*docgen_cmd(), "batch", str(source), "-o", str(out), "--workers", str(workers)]
    wrapped = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, check=True)
    returncode, seconds, main_kb = json.loads(wrapped.stdout)
    written = len(list(out.glob("*.docx")))
    shutil.rmtree(out)
    if returncode != 0:
        raise SystemExit(f"batch failed with exit code {returncode}")
    return seconds, main_kb / 1024, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="records in the large input (default 10000)")
    parser.add_argument("--throughput-records", type=int, default=1_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as tmp:
        tmp_path = Path(tmp)
        small = tmp_path / "small.jsonl"
        make_input(small, args.throughput_records)
        run_batch(small, 1)  # warm the compile cache and the file cache
        t1, _, n1 = run_batch(small, 1)
        t2, _, n2 = run_batch(small, 2)
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"throughput, {args.throughput_records} records:")
        print(f"  --workers 1   {n1 / t1:7.0f} documents/s  ({t1:.1f} s)")
        print(f"  --workers 2   {n2 / t2:7.0f} documents/s  ({t2:.1f} s)   {t1 / t2:4.2f}x  (target >= 1.7x)")

        print("memory (peak RSS, whole process tree's largest process):")
        for count in (args.records // 4, args.records):
            source = tmp_path / f"in-{count}.jsonl"
            make_input(source, count)
            seconds, main_mb, written = run_batch(source, 2)
            print(f"  {count:6d} records: {main_mb:6.0f} MB peak, {written} written in {seconds:.1f} s"
                  f"  (target <= 250 MB, flat)")


if __name__ == "__main__":
    main()
