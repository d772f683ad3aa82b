#!/usr/bin/env python3
"""How fast docgen renders, against naive docxtpl, on the bundled Norwegian activity plan (5 measures).

Run: `make bench` (or .venv/bin/python bench/render_speed.py). Prints figures
and ratios; asserts nothing. Timings belong here, not in the unit tests.

- naive docxtpl: DocxTemplate(path), render(context, autoescape=True), save —
  per document, as a script using docxtpl directly would do it. It gets the
  same filters and value formatting as docgen (a plain, non-sandboxed Jinja
  environment), so both do the same template work.
- docgen engine: the prepared template (parsed, patched, compiled once) rendering
  the same context to .docx bytes.
- docgen.render: the whole API call per record: validation, context, render.
- CLI: `docgen --help` and `docgen render` of one example, wall time start to finish.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "activity_plan.nb.json"


def per_call(fn, seconds: float = 2.0, minimum: int = 20) -> float:
    """Median seconds per call over batches, after a warm-up call."""
    fn()
    samples = []
    deadline = time.perf_counter() + seconds
    while len(samples) < minimum or time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(5):
            fn()
        samples.append((time.perf_counter() - start) / 5)
    return statistics.median(samples)


def wall(cmd: list[str], runs: int = 11) -> tuple[float, float]:
    """(fastest, median) seconds of a whole command; single runs vary a lot on a shared VM."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    # Whole commands first, from a small parent process with a quiet CPU.
    bindir = Path(sys.executable).parent
    docgen_cmd = str(bindir / "docgen") if (bindir / "docgen").exists() else None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "plan.docx")
        cli = [docgen_cmd] if docgen_cmd else [sys.executable, "-m", "docgen"]
        t_help = wall([*cli, "--help"])
        t_render = wall([*cli, "render", str(EXAMPLE), "-o", out, "--force"])

    import jinja2
    from docxtpl import DocxTemplate

    import docgen
    from docgen import engine
    from docgen.api import load
    from docgen.templates import find_template

    record = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document = load(record)
    template_path = find_template(document.type, document.lang)
    context = engine.context(document)
    assert len(record["measures"]) == 5

    plain = jinja2.Environment(autoescape=True, finalize=engine.environment().finalize)
    plain.filters.update(engine.environment().filters)

    def naive() -> bytes:
        tpl = DocxTemplate(str(template_path))
        tpl.render(context, jinja_env=plain, autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()

    prepared = engine.load_template(template_path)

    t_naive = per_call(naive)
    t_engine = per_call(lambda: prepared.render(context))
    t_api = per_call(lambda: docgen.render(record))


    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"template: {template_path.relative_to(template_path.parents[2])} ({template_path.stat().st_size} bytes), 5 measures")
    print()
    print(f"naive docxtpl per document      {t_naive * 1000:8.2f} ms")
    print(f"docgen engine per document      {t_engine * 1000:8.2f} ms   {t_naive / t_engine:5.1f}x faster than naive (target >= 8x)")
    print(f"docgen.render(record) per call  {t_api * 1000:8.2f} ms   {t_naive / t_api:5.1f}x faster than naive (incl. validation)")
    print(f"docgen --help (wall)            {t_help[1] * 1000:8.0f} ms   median (fastest {t_help[0] * 1000:.0f} ms); target <= 150 ms")
    print(f"docgen render one example (wall){t_render[1] * 1000:8.0f} ms   median (fastest {t_render[0] * 1000:.0f} ms); target <= 400 ms")


if __name__ == "__main__":
    main()
