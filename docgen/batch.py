"""Many records in, many documents out; one bad record never costs the good ones.

Records stream from a JSON Lines file, a folder of .json files or standard
input. Workers (processes) validate and render through the same `Pipeline` as
a single render; the main process names and writes the files in input order,
so names are deterministic and a resumed run (`skip_existing`) finds the same
names again, before it renders anything. At most a few chunks are in flight
at once, so memory does not grow with the input. Every failure and every
warning goes into the report file (JSON Lines).

The report is locked for the run (a second run into the same folder is
refused, so two runs never mix their lines) and each record's lines are
written with one write call; a write that does not fit is cut back, so the
report never ends mid-line. A full disk stops the run: every document written
is complete, and every record not written is in the report as "not attempted"
(or, when not even that fits, the error names the record to resume from).

A run may take one shard of the input (`Shard`, `--shard K/N`): N runs with
K = 1…N, on any machines, each take a fixed share, with no coordinator. By
position, record n is shard K's when (n-1) % N == K-1, decided as the input is
read (a folder's other files are not even read); by a field, the field's value
decides (sha256 of its canonical JSON), so every shard validates every record
and renders only its own; a record that has no value there (or fails
validation, or cannot be read) belongs to shard 1, so it is reported once.
`n` stays the position in the whole input, so {n} in names is the same in a
shard as in a single run.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import re
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import archive
from .errors import DocgenError, InputError, Issue, OutputError
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

if TYPE_CHECKING:
    from .api import Pipeline
    from .records import Report

CHUNK = 16
_FIELD_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (from 1): by record position, or by the value of the field `by`."""

    index: int
    count: int
    by: str | None = None  # a dotted field path, as in a name pattern: 'case.reference'

    def __post_init__(self) -> None:
        k, n = self.index, self.count
        if n < 1:
            raise InputError(f"shard {self}: N, the number of shards, must be at least 1")
        if k < 1:
            raise InputError(f"shard {self}: K counts from 1, so the shards of {n} are 1/{n} … {n}/{n} (a Kubernetes "
                             f"Indexed Job's JOB_COMPLETION_INDEX counts from 0: $((JOB_COMPLETION_INDEX+1))/{n})")
        if k > n:
            raise InputError(f"shard {self}: K cannot be more than N; there are only {n} shards (1/{n} … {n}/{n})")
        if self.by is not None and not _FIELD_PATH.fullmatch(self.by):
            raise InputError(f"shard by {self.by!r}: not a field path; write it like case.reference")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str, by: str | None = None) -> Shard:
        """'K/N', e.g. '2/4'."""
        m = re.fullmatch(r"\s*(\d{1,9})\s*/\s*(\d{1,9})\s*", text)
        if m is None:
            raise InputError(f"shard {text!r} is not K/N: two whole numbers, e.g. 2/4 for the second of four shards")
        return cls(int(m.group(1)), int(m.group(2)), by)

    def takes(self, n: int) -> bool:
        """Whether the record at position n (from 1) is this shard's (by position)."""
        return (n - 1) % self.count == self.index - 1

    def of(self, value: Any) -> int:
        """The shard (from 1) of a field's value: sha256 of its canonical JSON text (keys sorted, no
        spaces, UTF-8), the first 8 bytes as a big-endian number, mod N; the same on every machine."""
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return 1 + int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % self.count

    def report_name(self) -> str:
        return f"docgen-errors-{self.index}-of-{self.count}.jsonl"


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


# ---------------------------------------------------------------- input


def read_items(source: str, stdin: IO[bytes] | None = None,
               keep: Callable[[int], bool] | None = None) -> Iterator[Item]:
    """Records one at a time from a JSON Lines file, a folder of .json/.yaml files, one such file, or '-' (stdin).
    With `keep`, only the records whose position it accepts (the others are not even read from a folder)."""
    if keep is not None:
        if source != "-" and Path(source).is_dir():
            yield from _files(Path(source), keep)
        else:
            yield from (item for item in read_items(source, stdin) if keep(item.n))
        return
    if source == "-":
        yield from _lines(stdin or sys.stdin.buffer, "<stdin>")
        return
    path = Path(source)
    if path.is_dir():
        yield from _files(path)
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


def _files(folder: Path, keep: Callable[[int], bool] | None = None) -> Iterator[Item]:
    for n, file in enumerate(_record_files(folder), 1):
        if keep is not None and not keep(n):
            continue
        try:
            yield Item(n, str(file), None, file.read_bytes())
        except OSError as exc:
            yield Item(n, str(file), None, b"", f"cannot read ({(exc.strerror or str(exc)).lower()})")


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
            with _Report(self.report_path) as report:
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

    def _settle(self, queue: list[_Queued], converters: int, report: _Report) -> Iterator[Outcome]:
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

    def _not_attempted(self, full: _Full, items: _Tracked, report: _Report) -> Iterator[Outcome]:
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


class _Report:
    """The report file, locked for the run: one write call per record (its lines whole, never
    mixed with another run's), cut back when a write does not fit, removed at the end if empty."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1
        self.size = 0  # bytes of whole lines written

    def __enter__(self) -> _Report:
        from .output import cannot_write

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            while True:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o666)
                try:
                    _lock(fd, self.path)
                    if _same_file(fd, self.path):
                        break
                except BaseException:
                    os.close(fd)
                    raise
                os.close(fd)  # the previous run removed it between our open and our lock: open again
            self.fd = fd
            os.ftruncate(fd, 0)
        except OSError as exc:
            if self.fd >= 0:
                os.close(self.fd)
                self.fd = -1
            raise cannot_write(self.path, exc) from None
        return self

    def write(self, outcome: Outcome) -> None:
        issues = outcome.errors if outcome.status in ("failed", "not attempted") else outcome.warnings
        if not issues:
            return
        block = "".join(json.dumps({"source": outcome.source, "line": outcome.line, **issue.as_dict()},
                                   ensure_ascii=False) + "\n" for issue in issues).encode()
        self._append(block)

    def _append(self, block: bytes) -> None:
        from .output import DiskFull, cannot_write

        try:
            written = os.write(self.fd, block)
        except OSError as exc:
            self.cut(self.size)
            raise cannot_write(self.path, exc) from None
        if written != len(block):  # only part of it fitted
            self.cut(self.size)
            raise DiskFull(f"{self.path}: the disk is full (no space left on device)")
        self.size += written

    def cut(self, size: int) -> None:
        """Back to `size` bytes (whole lines); freeing space always works, even on a full disk."""
        try:
            os.ftruncate(self.fd, size)
            self.size = size
        except OSError:
            pass

    def __exit__(self, *exc: object) -> None:
        if self.fd < 0:
            return
        try:
            if self.size == 0:
                self.path.unlink(missing_ok=True)  # still locked: nobody else is using it
        except OSError:
            pass
        finally:
            os.close(self.fd)  # releases the lock
            self.fd = -1


def _lock(fd: int, path: Path) -> None:
    """An exclusive lock on the report for the run; another run holding it is a clear error."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise OutputError(f"{path}: another docgen batch is writing into this folder (its report is in use); "
                              "wait until it has finished, or give this run another folder or --errors file"
                              ) from None
        if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)
