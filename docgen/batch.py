"""Many records in, many documents out; one bad record never costs the good ones.

Records stream from a JSON Lines file, a folder of .json files or standard
input. Workers (processes) validate and render through the same `Pipeline` as
a single render; the main process names and writes the files in input order,
so names are deterministic and a resumed run (`skip_existing`) finds the same
names again, before it renders anything. At most a few chunks are in flight
at once, so memory does not grow with the input. Every failure and every
warning goes into the errors file (errorfile.py). A full disk stops the run:
every document written is complete, and every record not written is in the
errors file as "not attempted" (or, when not even that fits, the error names
the record to resume from). Records are read by inputs.py; with --shard a run
takes its share of them (shard.py).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import archive
from .errorfile import ErrorFile
from .errors import DocgenError, InputError, Issue, OutputError
from .inputs import Item, count_items, read_items
from .naming import (
    DEFAULT_PATTERN,
    Names,
    NameSet,
    check_pattern,
    field_value,
    format_name,
    name_fields,
    unique,
    uses_position,
)
from .shard import Shard

if TYPE_CHECKING:
    from .api import Pipeline
    from .records import Report

CHUNK = 16


@dataclass
class Outcome:
    """What became of one record, in input order."""

    n: int
    source: str
    line: int | None
    status: str  # "written", "skipped", "failed" or "not attempted" (after a full disk)
    output: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    metadata: dict[str, Any] | None = None  # the archive metadata (--metadata): no record values but the school's

    def row(self) -> dict[str, Any]:
        """The line printed for integrations: no pupil's data, only paths, reasons and (with
        --metadata) the document's archive metadata."""
        row = {"n": self.n, "source": self.source, "status": self.status, "output": self.output,
               "errors": [i.as_dict() for i in self.errors], "warnings": [i.as_dict() for i in self.warnings]}
        if self.metadata is not None:
            row["metadata"] = self.metadata
        return row


@dataclass
class Summary:
    written: int = 0
    skipped: int = 0
    failed: int = 0
    warnings: int = 0  # records written or skipped that have warnings
    stopped: bool = False  # fail_fast or interrupted before the end
    not_attempted: int = 0  # after a full disk stopped the run

    @property
    def total(self) -> int:
        return self.written + self.skipped + self.failed


# ---------------------------------------------------------------- work


@dataclass(frozen=True)
class Job:
    """What a worker needs besides the pipeline to turn an item into a named document."""

    pattern: str = DEFAULT_PATTERN
    outdir: Path = Path(".")
    extension: str = "docx"
    skip_existing: bool = False
    metadata: bool = False  # a NAME.metadata.json beside each document
    shard: Shard | None = None

    def done(self, name: str) -> bool:
        """Whether --skip-existing finds this name's document (and its metadata) already there."""
        path = self.outdir / f"{name}.{self.extension}"
        return path.exists() and (not self.metadata or archive.sidecar(path).exists())


@dataclass
class Processed:
    item: Item
    name: str | None = None
    content: bytes | None = None  # the .docx; None when the record failed, or its file was already there
    metadata: dict[str, Any] | None = None  # archive.describe(), with the .docx
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    foreign: bool = False  # another shard's record (--shard-by): no outcome here


_pipeline: Pipeline | None = None  # per process; inherited by forked workers


def process(item: Item, job: Job) -> Processed:
    """Validate, name and render one record. Runs in a worker; never raises for a bad record."""
    assert _pipeline is not None, "batch.process needs the pipeline of a running batch"
    try:
        checked = _checked(item, job)
        if isinstance(checked, Processed):
            return checked
        report, fields = checked
        name = format_name(job.pattern, fields)
        if job.skip_existing and job.done(name):
            return Processed(item, name, warnings=report.warnings)
        rendered = _pipeline.document(report)
        return Processed(item, name, rendered.content, metadata=rendered.metadata, warnings=report.warnings)
    except DocgenError as exc:
        return _failed(item, job, Issue("", str(exc).removeprefix(f"{item.source}: ")))
    except Exception as exc:  # a bug must not cost the rest of the batch
        return _failed(item, job, Issue("", f"internal error ({type(exc).__name__})"))


def _checked(item: Item, job: Job) -> Processed | tuple[Report, dict[str, Any]]:
    """The record validated, with the fields its name may use; or why there is nothing to render
    (it failed, or with --shard-by it is another shard's)."""
    assert _pipeline is not None
    if item.error:
        raise InputError(f"{item.source}: {item.error}")
    report = _pipeline.validate(item.data, item.source)
    if not report.ok or report.document is None:
        return _failed(item, job, *report.errors, warnings=report.warnings)
    fields = name_fields(report.document.model_dump(mode="json"), item.n, item.line, item.source)
    shard = job.shard
    if shard is not None and shard.by is not None:
        value = field_value(fields, shard.by)
        if value is None:
            return _failed(item, job, Issue(shard.by, f"no value, so the record is in no shard of --shard-by "
                                                      f"{shard.by} (reported by shard 1 only)"),
                           warnings=report.warnings)
        if shard.of(value) != shard.index:
            return Processed(item, foreign=True)
    return report, fields


def _failed(item: Item, job: Job, *errors: Issue, warnings: list[Issue] | None = None) -> Processed:
    """A record that failed; with --shard-by, in shard 1 only (it has no value to say whose it is)."""
    if job.shard is not None and job.shard.by is not None and job.shard.index != 1:
        return Processed(item, foreign=True)
    return Processed(item, errors=list(errors), warnings=warnings or [])


def _ours(item: Item, job: Job) -> bool:
    """Whether a record is this run's shard's, without rendering it."""
    try:
        checked = _checked(item, job)
    except Exception:
        return job.shard is None or job.shard.index == 1
    return not (isinstance(checked, Processed) and checked.foreign)


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


def _results(items: Iterable[Item], job: Job, workers: int) -> Generator[Processed, None, None]:
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
        metadata: bool = False,
        shard: Shard | None = None,
    ) -> None:
        check_pattern(pattern)
        if shard is not None and not uses_position(pattern):
            raise InputError(f"name pattern {pattern!r} has no {{n}}: with --shard, a name must hold the record's "
                             "position, or two shards could write the same name for different records without "
                             "either of them noticing (add {n}, e.g. '{n}-' in front)")
        self.source, self.outdir, self.pipeline = source, Path(outdir), pipeline
        self.workers, self.fail_fast, self.force, self.stdin = max(workers, 1), fail_fast, force, stdin
        self.shard = shard
        default_report = shard.report_name() if shard is not None else "docgen-errors.jsonl"
        self.report_path = report_path or self.outdir / default_report
        self.job = Job(pattern, self.outdir, pipeline.format.extension, skip_existing, metadata, shard)
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
        _ = self.pipeline.logo  # read once here, before the workers fork, and fail before any record
        converters = min(self.workers, 4)
        limit = CONVERT_CHUNK * converters if self.pipeline.format.filter else 1
        taken = _name_set()
        queue: list[_Queued] = []
        _pipeline = self.pipeline
        by_position = self.shard is not None and self.shard.by is None
        try:
            with ErrorFile(self.report_path) as report:
                keep = self.shard.takes if by_position and self.shard is not None else None
                items = _Tracked(read_items(self.source, self.stdin, keep))
                results = _results(items, self.job, self.workers)
                try:
                    for processed in results:
                        items.done(processed.item)
                        if processed.foreign:
                            continue
                        queue.append(self._place(processed, taken))
                        failed = queue[-1].outcome.status == "failed"
                        if len(queue) >= limit or (self.fail_fast and failed):
                            yield from self._settle(queue, converters, report)
                            if self.summary.stopped:
                                return
                    yield from self._settle(queue, converters, report)
                except _Full as full:
                    results.close()  # no more rendering; the workers stop
                    yield from self._not_attempted(full, items, report)
        finally:
            _pipeline = None
            close = getattr(taken, "close", None)
            if close is not None:
                close()
            self.pipeline.close()

    def length(self) -> int | None:
        """How many records this run takes, for a progress bar (None when unknown beforehand)."""
        total = count_items(self.source)
        if total is None or self.shard is None:
            return total
        if self.shard.by is not None:
            return None
        return 0 if total < self.shard.index else (total - self.shard.index) // self.shard.count + 1

    def _place(self, processed: Processed, taken: Names) -> _Queued:
        """The record's file name, unique in this run; skipped when it is already there."""
        item = processed.item
        outcome = Outcome(item.n, item.source, item.line, "failed", errors=processed.errors,
                          warnings=processed.warnings)
        if processed.name is None:
            return _Queued(outcome)
        target = self.outdir / unique(processed.name, taken, self.job.extension)
        outcome.output = str(target)
        if self.job.skip_existing and self.job.done(target.name.removesuffix(f".{self.job.extension}")):
            outcome.status = "skipped"
            return _Queued(outcome, target)
        content, metadata = processed.content, processed.metadata
        if content is None:  # the name was taken, but this record's numbered name is free: render it now
            redo = process(item, dataclasses.replace(self.job, skip_existing=False))
            outcome.errors, content, metadata = redo.errors, redo.content, redo.metadata
        # Resuming, a document whose metadata is missing is made again, both files.
        redo_document = self.job.skip_existing and self.job.metadata and target.exists()
        return _Queued(outcome, target, content, metadata, redo_document)

    def _settle(self, queue: list[_Queued], converters: int, report: ErrorFile) -> Iterator[Outcome]:
        from .output import FULL, DiskFull

        waiting = [i for i, queued in enumerate(queue) if queued.content is not None]
        contents = [queued.content for queued in queue if queued.content is not None]
        try:
            converted = dict(zip(waiting, self.pipeline.convert(contents, converters), strict=True))
        except OSError as exc:  # LibreOffice's input could not be staged
            if exc.errno not in FULL:
                raise
            pending = [queued.outcome for queued in queue]  # none of this chunk is written or reported yet
            raise _Full(f"{tempfile_dir()}: the disk is full ({(exc.strerror or '').lower()})", pending[0],
                        pending) from None
        for i, queued in enumerate(queue):
            outcome, target = queued.outcome, queued.target
            result = converted.get(i)
            full: DiskFull | None = None
            if isinstance(result, str):
                outcome.errors = [Issue("", result)]
            elif result is not None and target is not None:
                try:
                    self._write(result, target, queued.metadata, outcome, queued.replace)
                    outcome.status = "written"
                except DiskFull as exc:
                    full = exc
                    outcome.errors = [Issue("", f"not written: {exc}")]
                except OutputError as exc:
                    outcome.errors = [Issue("", str(exc))]
            self._count(outcome)
            try:
                report.write(outcome)
            except DiskFull as exc:  # its line is missing: resume from this record
                yield outcome
                raise _Full(str(exc), outcome, [q.outcome for q in queue[i + 1:]], reported=False) from None
            yield outcome
            if full is not None:
                raise _Full(str(full), outcome, [q.outcome for q in queue[i + 1:]])
        queue.clear()

    def _write(self, content: bytes, target: Path, metadata: dict[str, Any] | None, outcome: Outcome,
               replace: bool = False) -> None:
        """The document, and with --metadata its sidecar; a document whose sidecar could not be
        written is removed again, so --skip-existing makes both on the next run."""
        from .output import write_file

        write_file(content, target, force=self.force or replace, sync=False)
        if not self.job.metadata or metadata is None:
            return
        completed = archive.complete(metadata, content, target.name)
        try:
            write_file(archive.dumps(completed), archive.sidecar(target), force=self.force, sync=False)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        outcome.metadata = completed

    def _not_attempted(self, full: _Full, items: _Tracked, report: ErrorFile) -> Iterator[Outcome]:
        """After a full disk: every record not yet written goes into the report as not attempted
        (all of them or none), then the run stops with one message saying what happened."""
        from .output import DiskFull

        first = report.size
        listed: list[Outcome] = []
        complete = full.reported
        rest = items.rest()
        if self.shard is not None and self.shard.by is not None:  # which of the rest are ours, by their field
            rest = (item for item in rest if _ours(item, self.job))
        pending = [*full.pending, *(Outcome(item.n, item.source, item.line, "not attempted") for item in rest)]
        for outcome in pending:
            outcome.status, outcome.output, outcome.warnings = "not attempted", None, []
            outcome.errors = [Issue("", "not attempted: the disk was full")]
            if complete:
                try:
                    report.write(outcome)
                except DiskFull:
                    complete = False
            listed.append(outcome)
        if not complete:  # a partial list would mislead: keep the report as it was, say where to resume
            report.cut(first)
        self.summary.not_attempted = len(listed)
        self.summary.stopped = True
        yield from listed
        stop = full.at
        done = f"{self.summary.written} written, {self.summary.skipped} skipped, {self.summary.failed} failed"
        message = f"{full.reason}; the batch stopped at record {stop.n} ({stop.source}): {done}"
        if complete:
            message += f", {len(listed)} not attempted (listed in {self.report_path})"
        else:
            message += (f"; the report {self.report_path} could not take the rest, so the records from "
                        f"{stop.source} on (record {stop.n} and later) are not in it")
        message += ". Every document written is complete. Free some space, then run the same command again with "
        message += "--skip-existing to resume" + (f" from record {stop.n}" if not complete else "")
        raise OutputError(message)

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


_name_set: Callable[[], Names] = NameSet  # the names given so far; bench/batch_memory.py compares with set


def tempfile_dir() -> str:
    import tempfile

    return tempfile.gettempdir()


@dataclass
class _Queued:
    """A record waiting to be converted and written."""

    outcome: Outcome
    target: Path | None = None
    content: bytes | None = None  # None: nothing to write (failed or skipped)
    metadata: dict[str, Any] | None = None
    replace: bool = False  # --skip-existing found the document without its metadata


class _Full(Exception):
    """A full disk stopped the run at `at`; `pending` were placed but not written."""

    def __init__(self, reason: str, at: Outcome, pending: list[Outcome], reported: bool = True) -> None:
        super().__init__(reason)
        self.reason, self.at, self.pending, self.reported = reason, at, pending, reported


class _Tracked:
    """The input, remembering the records taken but not yet come back, for the not-attempted list."""

    def __init__(self, items: Iterable[Item]) -> None:
        self.items = iter(items)
        self.taken: deque[Item] = deque()

    def __iter__(self) -> _Tracked:
        return self

    def __next__(self) -> Item:
        item = next(self.items)
        self.taken.append(item)
        return item

    def done(self, item: Item) -> None:
        while self.taken and self.taken[0].n <= item.n:
            self.taken.popleft()

    def rest(self) -> Iterator[Item]:
        while self.taken:
            yield self.taken.popleft()
        yield from self.items
