#!/usr/bin/env python3
"""How fast docgen renders, against naive docxtpl and the Jinja floor, on the bundled Norwegian activity plan.

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
- the floor, at 5, 50 and 500 measures (the record's measures list replicated): a plain,
  non-sandboxed Jinja render of the same compiled template parts plus writing the zip with
  zipfile at deflate level 6. The engine and docgen.render are given as ratios to it (goal:
  engine <= 1.3x, docgen.render <= 1.6x), with the 500/50 time ratio of each (linear: <= 10.5x).
  The three are timed interleaved, round by round, so a busy machine slows them alike.
"""

from __future__ import annotations

import copy
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def interleaved(fns: dict[str, Callable[[], object]], seconds: float = 3.0, minimum: int = 7) -> dict[str, float]:
    """Median seconds per call of each function, timed in turn round after round (after a
    warm-up call each), so that noise from other work on the machine hits all of them alike."""
    for fn in fns.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    deadline = time.perf_counter() + seconds
    while min(len(s) for s in samples.values()) < minimum or time.perf_counter() < deadline:
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


def with_measures(record: dict, count: int) -> dict:
    """The record with its measures list replicated to `count` entries."""
    measures = record["measures"]
    return {**record, "measures": [copy.deepcopy(measures[i % len(measures)]) for i in range(count)]}


def floor_renderer(prepared, filters: dict, finalize) -> Callable[[dict], bytes]:
    """The floor: the same template parts (the Jinja source docgen compiles) in plain Jinja, and
    the package written with zipfile at level 6. Nothing else a document needs."""
    import zipfile

    import jinja2

    plain = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, finalize=finalize)
    plain.filters.update({name: inspect_unwrap(fn) for name, fn in filters.items()})
    parts = {name: plain.from_string(part.source) for name, part in prepared.parts.items()}
    members = [m.filename for m in prepared.members]

    def render(ctx: dict) -> bytes:
        out = dict(prepared.raw)
        for name, template in parts.items():
            out[name] = template.render(ctx).encode("utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for name in members:
                zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), out[name],
                            compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
        return buffer.getvalue()

    return render


def inspect_unwrap(fn: Callable) -> Callable:
    """A docgen filter without its sandbox budget wrapper (the floor runs no budget)."""
    import inspect

    return inspect.unwrap(fn)


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

    floor = floor_renderer(prepared, engine.environment().filters, engine.environment().finalize)
    sizes: dict[int, dict[str, float]] = {}
    for count in (5, 50, 500):
        big = with_measures(record, count)
        big_context = engine.context(load(big))
        sizes[count] = interleaved({
            "floor": lambda c=big_context: floor(c),
            "engine": lambda c=big_context: prepared.render(c),
            "api": lambda r=big: docgen.render(r),
        }, seconds=4.0 if count == 500 else 3.0)

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"template: {template_path.relative_to(template_path.parents[2])} ({template_path.stat().st_size} bytes), 5 measures")
    print()
    print(f"naive docxtpl per document      {t_naive * 1000:8.2f} ms")
    print(f"docgen engine per document      {t_engine * 1000:8.2f} ms   {t_naive / t_engine:5.1f}x faster than naive (target >= 8x)")
    print(f"docgen.render(record) per call  {t_api * 1000:8.2f} ms   {t_naive / t_api:5.1f}x faster than naive (incl. validation)")
    print(f"docgen --help (wall)            {t_help[1] * 1000:8.0f} ms   median (fastest {t_help[0] * 1000:.0f} ms); target <= 150 ms")
    print(f"docgen render one example (wall){t_render[1] * 1000:8.0f} ms   median (fastest {t_render[0] * 1000:.0f} ms); target <= 400 ms")
    print()
    print("against the floor (plain Jinja over the same parts + zipfile at level 6), medians, interleaved:")
    print("measures     floor ms   engine ms  docgen.render ms   engine/floor  render/floor")
    for count, t in sizes.items():
        print(f"{count:8d} {t['floor'] * 1000:12.2f} {t['engine'] * 1000:11.2f} {t['api'] * 1000:17.2f}"
              f"   {t['engine'] / t['floor']:10.2f}x   {t['api'] / t['floor']:9.2f}x")
    print("targets: engine/floor <= 1.30x, render/floor <= 1.60x at every size")
    for what in ("floor", "engine", "api"):
        label = {"floor": "floor", "engine": "engine", "api": "docgen.render"}[what]
        print(f"linearity {label:14s} 500/50 measures {sizes[500][what] / sizes[50][what]:6.2f}x (target <= 10.5x)")


if __name__ == "__main__":
    main()
