#!/usr/bin/env python3
"""PDF for a batch of 50 activity plans, against one cold `soffice --convert-to pdf` per file.

Run: `make bench` (or .venv/bin/python bench/pdf_speed.py). Needs LibreOffice.
Prints figures and the ratio; asserts nothing.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "activity_plan.nb.json"
COUNT = 50


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from docgen.convert import find_soffice

    soffice = find_soffice()
    docgen = Path(sys.executable).with_name("docgen")
    cmd = [str(docgen)] if docgen.exists() else [sys.executable, "-m", "docgen"]
    base = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="docgen-pdf-bench-") as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "plans.jsonl"
        with source.open("w", encoding="utf-8") as out:
            for i in range(COUNT):
                record = copy.deepcopy(base)
                record["case"]["pupil"]["name"] = f"Elev {i:03d}"
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

        start = time.perf_counter()
        subprocess.run([*cmd, "batch", str(source), "-o", str(tmp_path / "pdf"), "--format", "pdf"],
                       check=True, capture_output=True)
        batch = (time.perf_counter() - start) / COUNT

        subprocess.run([*cmd, "batch", str(source), "-o", str(tmp_path / "docx")], check=True, capture_output=True)
        files = sorted((tmp_path / "docx").glob("*.docx"))[:3]
        cold = []
        for i, path in enumerate(files):
            profile = (tmp_path / f"profile-{i}").as_uri()
            start = time.perf_counter()
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(tmp_path / "cold"), str(path)], check=True, capture_output=True)
            cold.append(time.perf_counter() - start)
        per_file = sum(cold) / len(cold)

    print(f"machine: {os.cpu_count()} cores; LibreOffice: {soffice}")
    print(f"one cold soffice --convert-to pdf per file   {per_file:6.2f} s per document")
    print(f"docgen batch --format pdf, {COUNT} plans        {batch:6.2f} s per document   "
          f"{per_file / batch:4.1f}x faster (target <= 0.2 s, >= 6x)")


if __name__ == "__main__":
    main()
