#!/usr/bin/env python3
"""docgen's engine against its peers, on the same small document at 5, 50 and 500 measures.

Run (from the repository root):

    PYTHONPATH=. DOCGEN_CACHE_DIR= .venv/bin/python bench/peers.py

What it compares. One small test template (not a bundled one) is built with
python-docx at run time, three times, once in each engine's syntax: a heading with
the pupil's name and the school, a date line, then per measure three paragraphs
(its title, "Ansvarlig: <responsible>", its description) and a two-column table
row (title | responsible) — a loop over paragraphs and a loop over table rows.
The data is examples/activity_plan.nb.json with its measures replicated to N, each
titled "Tiltak k" so that order is checked.

- docgen engine: the template prepared once (engine.prepare), then
  PreparedTemplate.render(context) per document, with the context production builds
  (engine.context(docgen.api.load(record))) — the per-document hot path.
- docxtpl: naive, per document DocxTemplate(path).render(context, autoescape=True)
  and save to BytesIO, with docgen's filters in a plain Jinja environment.
- docxtemplater (+ pizzip) and carbone, in Node (bench/peers/render.js), given the
  record as plain JSON. They are installed on first run into bench/peers/node_modules
  (versions pinned in bench/peers/package.json); skipped, with one line saying why,
  when node or npm is missing or the install fails.

Each engine's last output is read back (paragraphs and table cells in body order,
whitespace normalised) and compared with docgen's; a ratio is only given when the
texts are identical. Times are mean ms per document; ratios are peer / docgen engine
(above 1: docgen is faster). On a shared 2-core machine single figures are noisy;
the ratios are what to read. Asserts nothing.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "activity_plan.nb.json"
PEERS = ROOT / "bench" / "peers"
RENDER_JS = PEERS / "render.js"
SIZES = (5, 50, 500)
# documents timed per size in each engine; the seconds budget bounds the Python ones
NODE_COUNTS = {5: 150, 50: 60, 500: 12}
PY_SECONDS = {5: 1.5, 50: 2.0, 500: 3.0}
NODE_ENGINES = ("docxtemplater", "carbone")
ENGINES = ("docgen", "docxtpl", *NODE_ENGINES)

# The test template in each engine's syntax: (heading, date line, paragraph loop, table rows).
# Each paragraph loop is a list of paragraphs; each table is a list of rows of two cells.
Syntax = dict[str, Any]
SYNTAX: dict[str, Syntax] = {
    "docgen": {
        "heading": "Aktivitetsplan for {{ case.pupil.name }}, {{ school.name }}",
        "date": "Dato: {{ document_date|short_date }}",
        "loop": ["{%p for m in measures %}", "{{ m.name }}", "Ansvarlig: {{ m.responsible.name }}",
                 "{{ m.description }}", "{%p endfor %}"],
        "rows": [["{%tr for m in measures %}", ""], ["{{ m.name }}", "{{ m.responsible.name }}"],
                 ["{%tr endfor %}", ""]],
    },
    "docxtemplater": {
        "heading": "Aktivitetsplan for {case.pupil.name}, {school.name}",
        "date": "Dato: {document_date | short_date}",
        "loop": ["{#measures}", "{name}", "Ansvarlig: {responsible.name}", "{description}", "{/measures}"],
        "rows": [["{#measures}{name}", "{responsible.name}{/measures}"]],
    },
    "carbone": {
        "heading": "Aktivitetsplan for {d.case.pupil.name}, {d.school.name}",
        "date": "Dato: {d.document_date:formatD(DD.MM.YYYY)}",
        "loop": ["{d.measures[i].name}", "Ansvarlig: {d.measures[i].responsible.name}",
                 "{d.measures[i].description}", "{d.measures[i+1].name}"],
        "rows": [["{d.measures[i].name}", "{d.measures[i].responsible.name}"], ["{d.measures[i+1].name}", ""]],
    },
}
SYNTAX["docxtpl"] = SYNTAX["docgen"]


def build_template(syntax: Syntax, path: Path) -> None:
    """The test template in one engine's syntax, written with python-docx."""
    doc = new_document()
    doc.add_heading(syntax["heading"], level=1)
    doc.add_paragraph(syntax["date"])
    for text in syntax["loop"]:
        doc.add_paragraph(text)
    doc.add_paragraph("Oversikt over tiltakene")
    table = doc.add_table(rows=1, cols=2)
    header = table.rows[0].cells
    header[0].text, header[1].text = "Tiltak", "Ansvarlig"
    for left, right in syntax["rows"]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = left, right
    doc.add_paragraph("Slutt på planen.")
    doc.save(str(path))


def record_with(record: dict[str, Any], count: int) -> dict[str, Any]:
    """The record with its measures replicated to `count`, titled "Tiltak 1" … "Tiltak count"."""
    measures = record["measures"]
    replicated = []
    for k in range(count):
        measure = copy.deepcopy(measures[k % len(measures)])
        measure["name"] = f"Tiltak {k + 1}"
        replicated.append(measure)
    return {**record, "measures": replicated}


def docx_text(data: bytes) -> str:
    """The text of a .docx: one line per paragraph (empty ones too) and per table row (its cells
    joined with " | "), in body order, whitespace normalised."""
    doc: DocxDocument = new_document(io.BytesIO(data))
    lines: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in lines)


def first_difference(expected: str, got: str) -> str:
    """Where two texts first part, line by line."""
    a, b = expected.splitlines(), got.splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"line {i + 1}: docgen {x!r} / peer {y!r}"
    return f"line {min(len(a), len(b)) + 1}: docgen has {len(a)} lines, peer {len(b)}"


def mean_per_call(fn: Callable[[], bytes], seconds: float, minimum: int = 5) -> tuple[float, bytes]:
    """(mean seconds per call, the last output), after two warm-up calls."""
    out = fn()
    out = fn()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(samples) < minimum or time.perf_counter() < deadline:
        start = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - start)
    return statistics.fmean(samples), out


def node_ready() -> str | None:
    """None when node and the peers are installed (installing them if need be); else why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        return "node not found"
    if npm is None:
        return "npm not found"
    if _installed():
        return None
    try:
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(PEERS)],
                       check=True, capture_output=True, timeout=300, cwd=ROOT)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return "npm install failed"
    return None if _installed() else "npm install failed"


def _installed() -> bool:
    """Whether bench/peers/node_modules holds the versions bench/peers/package.json pins."""
    pins: dict[str, str] = json.loads((PEERS / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for name, version in pins.items():
        manifest = PEERS / "node_modules" / name / "package.json"
        try:
            if json.loads(manifest.read_text(encoding="utf-8")).get("version") != version:
                return False
        except (OSError, ValueError):
            return False
    return True


def run_node(engine: str, template: Path, data: Path, count: int, out: Path) -> tuple[float, str] | str:
    """(mean seconds per document, engine version) from render.js, or the error it gave."""
    proc = subprocess.run(["node", str(RENDER_JS), str(template), str(data), engine, str(count), str(out)],
                          capture_output=True, text=True, timeout=300, cwd=PEERS)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return lines[0] if lines else f"exit status {proc.returncode}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["mean_ms"] / 1000, result["version"]


def main() -> None:
    import jinja2
    from docxtpl import DocxTemplate

    from docgen import engine
    from docgen.api import load

    record = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    skipped = node_ready()
    env = engine.environment()
    plain = jinja2.Environment(autoescape=True, finalize=env.finalize)
    plain.filters.update(env.filters)

    times: dict[int, dict[str, float | None]] = {}
    identical: dict[int, dict[str, bool]] = {}
    notes: list[str] = []
    versions: dict[str, str] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docgen-peers-") as tmpdir:
        tmp = Path(tmpdir)
        templates = {name: tmp / f"template.{name}.docx" for name in ENGINES}
        for name, path in templates.items():
            build_template(SYNTAX[name], path)
        prepared = engine.prepare(templates["docgen"].read_bytes(), str(templates["docgen"]))

        for size in SIZES:
            big = record_with(record, size)
            ctx = engine.context(load(big))
            data_path = tmp / f"data.{size}.json"
            data_path.write_text(json.dumps(big, ensure_ascii=False), encoding="utf-8")

            def naive(ctx: dict[str, Any] = ctx) -> bytes:
                tpl = DocxTemplate(str(templates["docxtpl"]))
                tpl.render(ctx, jinja_env=plain, autoescape=True)
                buffer = io.BytesIO()
                tpl.save(buffer)
                return buffer.getvalue()

            row: dict[str, float | None] = {}
            outputs: dict[str, bytes] = {}
            row["docgen"], outputs["docgen"] = mean_per_call(lambda c=ctx: prepared.render(c), PY_SECONDS[size])
            row["docxtpl"], outputs["docxtpl"] = mean_per_call(naive, PY_SECONDS[size])
            for name in NODE_ENGINES:
                row[name] = None
                if skipped:
                    continue
                out = tmp / f"out.{name}.{size}.docx"
                result = run_node(name, templates[name], data_path, NODE_COUNTS[size], out)
                if isinstance(result, str):
                    notes.append(f"{name} at {size} measures failed: {result}")
                    continue
                row[name], versions[name] = result
                outputs[name] = out.read_bytes()
            times[size] = row

            expected = docx_text(outputs["docgen"])
            identical[size] = {}
            for name, data in outputs.items():
                if name == "docgen":
                    continue
                text = docx_text(data)
                identical[size][name] = text == expected
                if text != expected:
                    where = first_difference(expected, text)
                    notes.append(f"{name} at {size} measures: text differs from docgen's, {where}")
    elapsed = time.perf_counter() - started

    import docxtpl

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"node {_node_version() or 'absent'}, "
          + ", ".join(f"{k} {v}" for k, v in sorted({**versions, "docxtpl": docxtpl.__version__}.items())))
    print("the same test template (a heading, a date, 3 paragraphs and a table row per measure)"
          " in each engine's syntax;")
    print("mean ms per document; ratio = peer / docgen engine (above 1: docgen is faster);"
          " n/c = text differs, not comparable")
    if skipped:
        print(f"docxtemplater, carbone: skipped: {skipped}")
    print()
    header = f"{'measures':>8} {'docgen ms':>10} {'docxtpl ms':>11} {'docxtemplater ms':>17} {'carbone ms':>11}"
    header += f"   {'docxtpl/docgen':>14} {'docxtemplater/docgen':>20} {'carbone/docgen':>14}"
    print(header)
    for size in SIZES:
        row = times[size]
        base = row["docgen"]
        assert base is not None
        cells = [f"{size:8d}", f"{base * 1000:10.2f}"]
        for name, width in (("docxtpl", 11), ("docxtemplater", 17), ("carbone", 11)):
            value = row[name]
            cells.append(f"{value * 1000:{width}.2f}" if value is not None else f"{'-':>{width}}")
        ratios = []
        for name, width in (("docxtpl", 14), ("docxtemplater", 20), ("carbone", 14)):
            value = row[name]
            if value is None:
                ratios.append(f"{'-':>{width}}")
            elif not identical[size].get(name, False):
                ratios.append(f"{'n/c':>{width}}")
            else:
                ratios.append(f"{value / base:{width - 1}.1f}x")
        print(" ".join(cells) + "   " + " ".join(ratios))
    print()
    for size in SIZES:
        verdicts = ", ".join(f"{name} {'yes' if same else 'no'}" for name, same in identical[size].items())
        print(f"text identical to docgen's at {size} measures: {verdicts}")
    for note in notes:
        print(note)
    print(f"(run took {elapsed:.0f} s)")


def _node_version() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip() or None


if __name__ == "__main__":
    main()
