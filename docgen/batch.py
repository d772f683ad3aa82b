"""Many records in, many documents out; one bad record never costs the good ones.

Records stream from a JSON Lines file, a folder of .json files or standard
input. Workers (processes) validate and render; the main process names and
writes the files in input order, so names are deterministic and a resumed run
(`skip_existing`) finds the same names again. At most a few chunks are in
flight at once, so memory does not grow with the input.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from .errors import DocgenError, InputError, OutputError, RecordError

DEFAULT_PATTERN = "{type}-{name}-{document_date}"
CHUNK = 16
MAX_NAME_BYTES = 200
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^{}]*))?\}")


@dataclass(frozen=True)
class Item:
    """One record as read: where it came from, and its raw bytes."""

    n: int  # position in the input, from 1
    source: str  # "cases.jsonl:12", "folder/x.json" or "<stdin>:3"
    line: int | None
    data: bytes
    error: str | None = None  # the file could not be read


@dataclass
class Outcome:
    n: int
    source: str
    line: int | None
    status: str  # "written", "skipped" or "failed"
    output: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: int = 0


@dataclass
class Summary:
    written: int = 0
    skipped: int = 0
    failed: int = 0
    stopped: bool = False  # fail_fast or interrupted before the end

    @property
    def total(self) -> int:
        return self.written + self.skipped + self.failed


# ---------------------------------------------------------------- input


def read_items(source: str, stdin: IO[bytes] | None = None) -> Iterator[Item]:
    """Records one at a time from a JSON Lines file, a folder of .json files, one .json file, or '-' (stdin)."""
    if source == "-":
        yield from _lines(stdin or sys.stdin.buffer, "<stdin>")
        return
    path = Path(source)
    if path.is_dir():
        for n, file in enumerate(sorted(p for p in path.iterdir() if p.suffix == ".json" and p.is_file()), 1):
            try:
                yield Item(n, str(file), None, file.read_bytes())
            except OSError as exc:
                yield Item(n, str(file), None, b"", f"cannot read ({(exc.strerror or str(exc)).lower()})")
        return
    if path.suffix.lower() == ".json" and path.is_file():  # one record, however it is laid out
        try:
            yield Item(1, source, None, path.read_bytes())
        except OSError as exc:
            yield Item(1, source, None, b"", f"cannot read ({(exc.strerror or str(exc)).lower()})")
        return
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{source}: file or folder not found") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({(exc.strerror or str(exc)).lower()})") from None
    with handle:
        yield from _lines(handle, source)


def _lines(handle: IO[bytes], name: str) -> Iterator[Item]:
    n = 0
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        n += 1
        yield Item(n, f"{name}:{number}", number, line)


def count_items(source: str) -> int | None:
    """How many records a file or folder holds, for the progress bar (None for stdin)."""
    if source == "-":
        return None
    path = Path(source)
    try:
        if path.is_dir():
            return sum(1 for p in path.iterdir() if p.suffix == ".json" and p.is_file())
        if path.suffix.lower() == ".json":
            return 1
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return None


# ---------------------------------------------------------------- names


def safe_name(text: str) -> str:
    """A file name every file system accepts; Danish and Norwegian letters kept."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"\s+", " ", text).strip(" .-")
    encoded = text.encode("utf-8")[:MAX_NAME_BYTES]
    text = encoded.decode("utf-8", errors="ignore").rstrip(" .-")
    if not text:
        text = "document"
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    return text


def name_fields(record: dict[str, Any], item: Item) -> dict[str, Any]:
    """What a name pattern may use: the record's own keys, plus shortcuts."""
    case = record.get("case") if isinstance(record.get("case"), dict) else {}
    pupil = case.get("pupil") if isinstance(case.get("pupil"), dict) else {}
    school = record.get("school") if isinstance(record.get("school"), dict) else {}
    return {
        **record,
        "n": item.n,
        "line": item.line or item.n,
        "source": Path(item.source.rsplit(":", 1)[0] if item.line else item.source).stem,
        "pupil": pupil,
        "reference": case.get("reference"),
        "name": pupil.get("name") or school.get("name") or "",
    }


def format_name(pattern: str, fields: dict[str, Any]) -> str:
    """'{type}-{pupil.name}-{document_date}' filled in; a field that is absent gives ''."""

    def value(m: re.Match[str]) -> str:
        current: Any = fields
        for part in m.group(1).split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if current is None or isinstance(current, (dict, list)):
            return ""
        return format(current, m.group(2)) if m.group(2) else str(current)

    return safe_name(_FIELD.sub(value, pattern))


def check_pattern(pattern: str) -> None:
    leftover = _FIELD.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        raise InputError(f"name pattern {pattern!r}: fields are written {{field}} or {{field.sub}}, e.g. {DEFAULT_PATTERN}")
    if not _FIELD.search(pattern):
        raise InputError(f"name pattern {pattern!r} has no fields, so every record would get the same name")


# ---------------------------------------------------------------- work


@dataclass(frozen=True)
class Options:
    type: str | None = None
    lang: str | None = None
    pattern: str = DEFAULT_PATTERN
    profile: str | None = None  # path of the school profile; each worker loads it once
    templates: str | None = None  # the school's template folder


@lru_cache(maxsize=4)
def _load_profile(path: str | None):
    from .profile import load_profile

    return load_profile(path) if path else None


def process(item: Item, options: Options) -> tuple[Item, str | None, bytes | None, list[dict[str, Any]], int]:
    """Validate and render one record: (item, proposed name, .docx bytes, errors, warning count).

    Runs in a worker; never raises for a bad record.
    """
    from .api import render_report
    from .records import parse_json, validate

    try:
        if item.error:
            raise InputError(f"{item.source}: {item.error}")
        profile = _load_profile(options.profile)
        record = parse_json(item.data, item.source)
        report = validate(record, type=options.type, lang=options.lang, source=item.source, profile=profile)
        if not report.ok:
            return item, None, None, [{"path": i.path, "message": i.message} for i in report.errors], 0
        assert report.document is not None
        name = format_name(options.pattern, name_fields(report.document.model_dump(mode="json"), item))
        content = render_report(report, profile=profile, templates=options.templates)
        return item, name, content, [], len(report.warnings)
    except RecordError as exc:
        return item, None, None, [{"path": i.path, "message": i.message} for i in exc.issues], 0
    except DocgenError as exc:
        message = str(exc).removeprefix(f"{item.source}: ")
        return item, None, None, [{"path": None, "message": message}], 0
    except Exception as exc:  # a bug must not cost the rest of the batch
        return item, None, None, [{"path": None, "message": f"internal error ({type(exc).__name__})"}], 0


def _process_chunk(items: list[Item], options: Options) -> list[tuple]:
    return [process(item, options) for item in items]


def _init_worker() -> None:
    """Workers ignore Ctrl-C (the main process stops them) and die with the main process."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _results(items: Iterable[Item], options: Options, workers: int) -> Iterator[tuple]:
    """Results in input order, with at most a few chunks in flight."""
    if workers <= 1:
        for item in items:
            yield process(item, options)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker) as pool:
        inflight: deque[Future] = deque()
        try:
            for chunk in _chunks(items, CHUNK):
                inflight.append(pool.submit(_process_chunk, chunk, options))
                if len(inflight) >= workers * 4:
                    yield from inflight.popleft().result()
            while inflight:
                yield from inflight.popleft().result()
        finally:
            for future in inflight:
                future.cancel()


# ---------------------------------------------------------------- the run


def run(
    source: str,
    outdir: Path,
    *,
    options: Options = Options(),
    workers: int = 1,
    fail_fast: bool = False,
    skip_existing: bool = False,
    force: bool = False,
    fmt: str = "docx",
    pdf_timeout: float | None = None,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
    stdin: IO[bytes] | None = None,
) -> Summary:
    """Render every record of `source` into `outdir`; report each outcome, in input order, through `on_outcome`.

    For PDF, finished documents wait in a queue and are converted a chunk at a
    time by a few LibreOffice processes working side by side.
    """
    from .output import write_file
    from .pdf import CHUNK, DEFAULT_TIMEOUT, ConverterPool

    check_pattern(options.pattern)
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{outdir}: cannot create the folder ({(exc.strerror or str(exc)).lower()})") from None
    if not os.access(outdir, os.W_OK):
        raise OutputError(f"{outdir}: cannot write in this folder")

    pool = ConverterPool(fmt, min(max(workers, 1), 4), pdf_timeout or DEFAULT_TIMEOUT) if fmt != "docx" else None
    limit = CHUNK * len(pool.converters) if pool else 1
    extension = "pdf" if pool else "docx"
    summary = Summary()
    taken: set[str] = set()
    queue: list[tuple[Outcome, Path | None, bytes | None]] = []

    def settle() -> None:
        waiting = [i for i, (_, _, content) in enumerate(queue) if content is not None]
        contents = [queue[i][2] for i in waiting]
        converted = dict(zip(waiting, pool.convert(contents) if pool else contents))
        for i, (outcome, target, _) in enumerate(queue):
            if i in converted:
                result = converted[i]
                if isinstance(result, str):
                    outcome.errors = [{"path": None, "message": result}]
                else:
                    try:
                        write_file(result, target, force=force, sync=False)
                        outcome.status = "written"
                    except OutputError as exc:
                        outcome.errors = [{"path": None, "message": str(exc)}]
            if outcome.status == "written":
                summary.written += 1
            elif outcome.status == "skipped":
                summary.skipped += 1
            else:
                summary.failed += 1
                if fail_fast:
                    summary.stopped = True
            on_outcome(outcome)
        queue.clear()

    try:
        for item, name, content, errors, warnings in _results(read_items(source, stdin), options, workers):
            outcome = Outcome(item.n, item.source, item.line, "failed", errors=errors, warnings=warnings)
            target = None
            if content is not None and name is not None:
                target = outdir / _unique(name, taken, extension)
                outcome.output = str(target)
                if skip_existing and target.exists():
                    outcome.status, content = "skipped", None
            else:
                content = None
            queue.append((outcome, target, content))
            if len(queue) >= limit or (fail_fast and outcome.status == "failed"):
                settle()
                if summary.stopped:
                    break
        settle()
    finally:
        if pool:
            pool.close()
    return summary


def _unique(name: str, taken: set[str], extension: str = "docx") -> str:
    """'x.docx', then 'x-2.docx', 'x-3.docx'… never two records onto one file."""
    candidate, k = f"{name}.{extension}", 1
    while candidate.casefold() in taken:
        k += 1
        candidate = f"{name}-{k}.{extension}"
    taken.add(candidate.casefold())
    return candidate
