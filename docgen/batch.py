"""Many records in, many documents out; one bad record never costs the good ones.

Records stream from a JSON Lines file, a folder of .json files or standard
input. Workers (processes) validate and render through the same `Pipeline` as
a single render; the main process names and writes the files in input order,
so names are deterministic and a resumed run (`skip_existing`) finds the same
names again, before it renders anything. At most a few chunks are in flight
at once, so memory does not grow with the input. Every failure and every
warning goes into the report file (JSON Lines).
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import DocgenError, InputError, Issue, OutputError
from .naming import DEFAULT_PATTERN, check_pattern, format_name, name_fields, unique

if TYPE_CHECKING:
    from .api import Pipeline

CHUNK = 16


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
    """What became of one record, in input order."""

    n: int
    source: str
    line: int | None
    status: str  # "written", "skipped" or "failed"
    output: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        """The line printed for integrations: no record values, only paths and reasons."""
        return {"n": self.n, "source": self.source, "status": self.status, "output": self.output,
                "errors": [i.as_dict() for i in self.errors], "warnings": [i.as_dict() for i in self.warnings]}


@dataclass
class Summary:
    written: int = 0
    skipped: int = 0
    failed: int = 0
    warnings: int = 0  # records written or skipped that have warnings
    stopped: bool = False  # fail_fast or interrupted before the end

    @property
    def total(self) -> int:
        return self.written + self.skipped + self.failed


# ---------------------------------------------------------------- input


def read_items(source: str, stdin: IO[bytes] | None = None) -> Iterator[Item]:
    """Records one at a time from a JSON Lines file, a folder of .json/.yaml files, one such file, or '-' (stdin)."""
    if source == "-":
        yield from _lines(stdin or sys.stdin.buffer, "<stdin>")
        return
    path = Path(source)
    if path.is_dir():
        for n, file in enumerate(_record_files(path), 1):
            try:
                yield Item(n, str(file), None, file.read_bytes())
            except OSError as exc:
                yield Item(n, str(file), None, b"", f"cannot read ({(exc.strerror or str(exc)).lower()})")
        return
    if path.suffix.lower() in RECORD_SUFFIXES and path.is_file():  # one record, however it is laid out
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


RECORD_SUFFIXES = (".json", ".yaml", ".yml")


def _record_files(folder: Path) -> list[Path]:
    """The records in a folder: .json and .yaml files, but not case files (NAME.case.yaml)."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in RECORD_SUFFIXES and p.is_file()
                  and not p.stem.lower().endswith(".case"))


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
            return len(_record_files(path))
        if path.suffix.lower() in RECORD_SUFFIXES:
            return 1
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return None


# ---------------------------------------------------------------- work


@dataclass(frozen=True)
class Job:
    """What a worker needs besides the pipeline to turn an item into a named document."""

    pattern: str = DEFAULT_PATTERN
    outdir: Path = Path(".")
    extension: str = "docx"
    skip_existing: bool = False


@dataclass
class Processed:
    item: Item
    name: str | None = None
    content: bytes | None = None  # the .docx; None when the record failed, or its file was already there
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


_pipeline: Pipeline | None = None  # per process; inherited by forked workers


def process(item: Item, job: Job) -> Processed:
    """Validate, name and render one record. Runs in a worker; never raises for a bad record."""
    assert _pipeline is not None, "batch.process needs the pipeline of a running batch"
    try:
        if item.error:
            raise InputError(f"{item.source}: {item.error}")
        report = _pipeline.validate(item.data, item.source)
        if not report.ok or report.document is None:
            return Processed(item, errors=report.errors, warnings=report.warnings)
        fields = name_fields(report.document.model_dump(mode="json"), item.n, item.line, item.source)
        name = format_name(job.pattern, fields)
        if job.skip_existing and (job.outdir / f"{name}.{job.extension}").exists():
            return Processed(item, name, warnings=report.warnings)
        return Processed(item, name, _pipeline.docx(report), warnings=report.warnings)
    except DocgenError as exc:
        return Processed(item, errors=[Issue("", str(exc).removeprefix(f"{item.source}: "))])
    except Exception as exc:  # a bug must not cost the rest of the batch
        return Processed(item, errors=[Issue("", f"internal error ({type(exc).__name__})")])


def _process_chunk(items: list[Item], job: Job) -> list[Processed]:
    return [process(item, job) for item in items]


def _init_worker(pipeline: Pipeline | None) -> None:
    """Workers ignore Ctrl-C (the main process stops them) and die with the main process."""
    import signal

    global _pipeline
    if pipeline is not None:  # spawned, not forked: the pipeline came pickled
        _pipeline = pipeline
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


def _results(items: Iterable[Item], job: Job, workers: int) -> Iterator[Processed]:
    """Results in input order, with at most a few chunks in flight."""
    if workers <= 1:
        for item in items:
            yield process(item, job)
        return
    import multiprocessing

    forked = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork" if forked else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                             initargs=(None if forked else _pipeline,)) as pool:
        inflight: deque[Future[list[Processed]]] = deque()
        try:
            for chunk in _chunks(items, CHUNK):
                inflight.append(pool.submit(_process_chunk, chunk, job))
                if len(inflight) >= workers * 4:
                    yield from inflight.popleft().result()
            while inflight:
                yield from inflight.popleft().result()
        finally:
            for future in inflight:
                future.cancel()


# ---------------------------------------------------------------- the run


class Batch:
    """Render every record of `source` into `outdir`; iterate to get each outcome in input order.

    Failures and warnings go to `report_path` (JSON Lines, one line per issue);
    `summary` counts as the run goes. For PDF, finished documents wait in a
    queue and are converted a chunk at a time by a few LibreOffice processes
    working side by side.
    """

    def __init__(
        self,
        source: str,
        outdir: Path,
        pipeline: Pipeline,
        *,
        pattern: str = DEFAULT_PATTERN,
        workers: int = 1,
        fail_fast: bool = False,
        skip_existing: bool = False,
        force: bool = False,
        report_path: Path | None = None,
        stdin: IO[bytes] | None = None,
    ) -> None:
        check_pattern(pattern)
        self.source, self.outdir, self.pipeline = source, Path(outdir), pipeline
        self.workers, self.fail_fast, self.force, self.stdin = max(workers, 1), fail_fast, force, stdin
        self.report_path = report_path or self.outdir / "docgen-errors.jsonl"
        self.job = Job(pattern, self.outdir, pipeline.format.extension, skip_existing)
        self.summary = Summary()

    def __iter__(self) -> Iterator[Outcome]:
        from .convert import CHUNK as CONVERT_CHUNK

        global _pipeline
        try:
            self.outdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise OutputError(f"{self.outdir}: cannot create the folder ({reason})") from None
        if not os.access(self.outdir, os.W_OK):
            raise OutputError(f"{self.outdir}: cannot write in this folder")
        self.report_path.unlink(missing_ok=True)
        _ = self.pipeline.logo  # read once here, before the workers fork, and fail before any record
        converters = min(self.workers, 4)
        limit = CONVERT_CHUNK * converters if self.pipeline.format.filter else 1
        taken: set[str] = set()
        queue: list[tuple[Outcome, Path | None, bytes | None]] = []
        _pipeline = self.pipeline
        try:
            with _Report(self.report_path) as report:
                for processed in _results(read_items(self.source, self.stdin), self.job, self.workers):
                    queue.append(self._place(processed, taken))
                    failed = queue[-1][0].status == "failed"
                    if len(queue) >= limit or (self.fail_fast and failed):
                        yield from self._settle(queue, converters, report)
                        if self.summary.stopped:
                            return
                yield from self._settle(queue, converters, report)
        finally:
            _pipeline = None
            self.pipeline.close()

    def _place(self, processed: Processed, taken: set[str]) -> tuple[Outcome, Path | None, bytes | None]:
        """The record's file name, unique in this run; skipped when it is already there."""
        item = processed.item
        outcome = Outcome(item.n, item.source, item.line, "failed", errors=processed.errors,
                          warnings=processed.warnings)
        if processed.name is None:
            return outcome, None, None
        target = self.outdir / unique(processed.name, taken, self.job.extension)
        outcome.output = str(target)
        if self.job.skip_existing and target.exists():
            outcome.status = "skipped"
            return outcome, target, None
        content = processed.content
        if content is None:  # the name was taken, but this record's numbered name is free: render it now
            redo = process(item, Job(self.job.pattern, self.outdir, self.job.extension))
            outcome.errors, content = redo.errors, redo.content
        return outcome, target, content

    def _settle(self, queue: list[tuple[Outcome, Path | None, bytes | None]], converters: int,
                report: _Report) -> Iterator[Outcome]:
        from .output import write_file

        waiting = [i for i, (_, _, content) in enumerate(queue) if content is not None]
        contents = [content for _, _, content in queue if content is not None]
        converted = dict(zip(waiting, self.pipeline.convert(contents, converters), strict=True))
        for i, (outcome, target, _) in enumerate(queue):
            result = converted.get(i)
            if isinstance(result, str):
                outcome.errors = [Issue("", result)]
            elif result is not None and target is not None:
                try:
                    write_file(result, target, force=self.force, sync=False)
                    outcome.status = "written"
                except OutputError as exc:
                    outcome.errors = [Issue("", str(exc))]
            self._count(outcome)
            report.write(outcome)
            yield outcome
        queue.clear()

    def _count(self, outcome: Outcome) -> None:
        if outcome.status == "failed":
            self.summary.failed += 1
            self.summary.stopped |= self.fail_fast
            return
        if outcome.status == "written":
            self.summary.written += 1
        else:
            self.summary.skipped += 1
        self.summary.warnings += bool(outcome.warnings)


class _Report:
    """The report file: opened on the first line, flushed after each record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def write(self, outcome: Outcome) -> None:
        import json

        issues = outcome.errors if outcome.status == "failed" else outcome.warnings
        if not issues:
            return
        if self.handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = self.path.open("w", encoding="utf-8")
        for issue in issues:
            line = {"source": outcome.source, "line": outcome.line, **issue.as_dict()}
            self.handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.handle.flush()

    def __enter__(self) -> _Report:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()
