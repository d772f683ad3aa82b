#!/usr/bin/env python3
"""Batch throughput with 1 and 2 workers, and peak memory as the input grows.

Run: `make bench` (or .venv/bin/python bench/batch_speed.py [--records 10000]).
Prints figures and ratios; asserts nothing. Uses the bundled Norwegian
activity plan (5 measures), one distinct pupil name per record.

- throughput: `docgen batch --workers 1` against `--workers 2`, same input: whole runs, and the
  steady rate once started (the extra documents of a long run over the extra time it takes
  against a run of 20 records), since a run's fixed start-up (~0.3 s) is a tenth of a
  1,000-record run with one worker.
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
        tiny = tmp_path / "tiny.jsonl"
        make_input(tiny, 20)
        run_batch(small, 1)  # warm the compile cache and the file cache
        whole: dict[int, tuple[float, int]] = {}
        steady: dict[int, float] = {}
        for workers in (1, 2):
            start = min(run_batch(tiny, workers)[0] for _ in range(3))
            seconds, _, written = run_batch(small, workers)
            whole[workers] = seconds, written
            steady[workers] = (written - 20) / (seconds - start)
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"throughput, {args.throughput_records} records:")
        for workers, (seconds, written) in whole.items():
            print(f"  --workers {workers}   {written / seconds:7.0f} documents/s over the whole run ({seconds:.1f} s), "
                  f"{steady[workers]:5.0f} documents/s once started")
        print(f"  --workers 2 / --workers 1: {whole[1][0] / whole[2][0]:4.2f}x whole runs, "
              f"{steady[2] / steady[1]:4.2f}x once started  (target >= 1.7x)")

        print("memory (peak RSS, whole process tree's largest process):")
        for count in (args.records // 4, args.records):
            source = tmp_path / f"in-{count}.jsonl"
            make_input(source, count)
            seconds, main_mb, written = run_batch(source, 2)
            print(f"  {count:6d} records: {main_mb:6.0f} MB peak, {written} written in {seconds:.1f} s"
                  f"  (target <= 250 MB, flat)")


if __name__ == "__main__":
    main()
