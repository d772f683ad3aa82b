"""The commands that make documents: render, batch, validate, and the HTTP service."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..formats import FORMAT_HELP, FORMATS, by_extension
from ..formats import NAMES as FORMAT_NAMES
from ..languages import CODES as LANGS
from . import (
    EPILOG,
    EXIT_FAIL,
    _print_issues,
    _read,
    _say,
    _warn,
    archive_copy_option,
    case_option,
    cli,
    pdf_timeout_option,
    profile_option,
    speak,
    templates_option,
    translate_option,
)

if TYPE_CHECKING:
    from ..shard import Shard


def _choose_format(output: str, fmt: str | None) -> str:
    """--format, else the format OUT's suffix names, else docx; a suffix that contradicts --format is an error."""
    named = by_extension(Path(output).suffix) if output != "-" and not output.endswith(("/", os.sep)) else None
    if fmt is None:
        return named.name if named else "docx"
    if named is not None and named.extension != FORMATS[fmt].extension:
        raise click.UsageError(f"-o {output} ends in .{named.extension}, but --format {fmt} writes "
                               f".{FORMATS[fmt].extension}; change one of them")
    return fmt


@cli.command(epilog=EPILOG)
@click.argument("args", nargs=-1, metavar="[TYPE] INPUT", required=True)
@click.option("-o", "--output", required=True, metavar="OUT",
              help="The file to write; a folder, or a path ending in '/', for a file named after INPUT; "
                   "'-' for standard output.")
@click.option("--lang", type=click.Choice(LANGS),
              help="Language to write in, for a record that names none (with --translate: any record).")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this .docx template instead of the built-in one.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default=None,
              help=f"{FORMAT_HELP}  [default: from OUT's suffix, else docx]")
@click.option("--metadata", "with_metadata", is_flag=True,
              help="Also write the archive metadata beside the document: OUT's name with .metadata.json "
                   "(title without the pupil's name, case number, date, access code, checksum).")
@archive_copy_option
@translate_option
@pdf_timeout_option
@case_option
@templates_option
@profile_option
def render(
    args: tuple[str, ...], output: str, lang: str | None, template: Path | None, force: bool, fmt: str | None,
    with_metadata: bool, archive_copy: bool, translate: bool, pdf_timeout: float, case_path: Path | None,
    templates_dir: Path | None, profile_path: Path | None,
) -> None:
    """Render one record into a Word document (or PDF, PDF/A, ODT).

    INPUT is a JSON or YAML file ('-' reads standard input). TYPE is optional
    when the record names its own "type"; if both are given they must agree.
    The record's shared facts may come from its case file: `case: sak.yaml`
    in the record, or --case.

    \b
    Examples:
      docgen render examples/activity_plan.nb.json -o plan.docx
      docgen render plan.yaml --case sak.case.yaml -o plan.pdf
      docgen render plan.json --format pdfa --metadata -o arkiv/
      docgen render activity_plan case.json --lang nn -o out/
      cat case.json | docgen render - -o - > plan.docx

    The file is written to a temporary name and moved into place only when
    complete, so a failure never leaves half a document. An existing OUT is
    never replaced without --force.
    """
    from .. import archive
    from ..api import Options, Pipeline
    from ..errors import OutputError, RecordError
    from ..output import document_path, write_file

    if len(args) > 2:
        raise click.UsageError("expected [TYPE] INPUT; got more arguments")
    type_name, input_path = (None, args[0]) if len(args) == 1 else args
    if output == "-" and sys.stdout.isatty():
        raise click.UsageError("refusing to write a document to the terminal; redirect it or give -o FILE")
    fmt = _choose_format(output, fmt)
    if with_metadata and output == "-":
        raise click.UsageError("--metadata writes a file beside the document; give -o FILE or a folder, not '-'")
    options = Options(type=type_name, lang=lang, profile=profile_path, templates=templates_dir, template=template,
                      format=fmt, archive_copy=archive_copy, translate=translate, pdf_timeout=pdf_timeout,
                      case=case_path)
    data, source = _read(input_path)
    pipeline = Pipeline(options)
    speak(lang or (pipeline.profile.language if pipeline.profile else None))
    result = pipeline.render(data, source)
    speak(result.report.lang)
    _print_issues(source, result.report.warnings, result.report.lang)  # errors come once, in the RecordError
    if result.content is None:
        raise RecordError(result.report.issues, source)
    if output == "-":
        sys.stdout.buffer.write(result.content)
        sys.stdout.buffer.flush()
        return
    document = result.report.document
    assert document is not None
    stem = Path(input_path).stem if input_path != "-" else f"{document.type}.{document.lang}"
    target = document_path(output, result.format.extension, stem)
    if by_extension(target.suffix) is None:
        _warn(f"{target} does not end in .{result.format.extension}; the file is {result.format.summary}")
    if with_metadata and result.metadata is not None:
        sidecar = archive.sidecar(target)
        if sidecar.exists() and not force:  # say so before the document is written
            raise OutputError(f"{sidecar}: already exists; use --force to replace it")
        write_file(result.content, target, force=force)
        try:
            write_file(archive.dumps(archive.complete(result.metadata, result.content, target.name)), sidecar,
                       force=force)
        except BaseException:
            target.unlink(missing_ok=True)  # a document without the metadata asked for is not written
            raise
        click.echo(f"docgen: wrote {target} and {sidecar.name}", err=True)
        return
    write_file(result.content, target, force=force)
    click.echo(f"docgen: wrote {target}", err=True)


class _ShardType(click.ParamType):
    """--shard K/N: the K-th of N shares of the input (K from 1)."""

    name = "K/N"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        from ..errors import InputError
        from ..shard import Shard

        if isinstance(value, Shard):
            return value
        try:
            return Shard.parse(str(value))
        except InputError as exc:
            self.fail(str(exc).removeprefix("shard "), param, ctx)


@cli.command(epilog=EPILOG)
@click.argument("source", metavar="INPUT")
@click.option("-o", "--output", "outdir", required=True, metavar="OUTDIR",
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the documents (created if missing).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes rendering in parallel.  [default: the number of cores]")
@click.option("--name", "pattern", default=None, metavar="PATTERN",
              help="File names from record fields, e.g. '{type}-{pupil.name}-{document_date}'.  "
                   "[default: {type}-{name}-{document_date}]")
@click.option("--type", "type_name", metavar="TYPE", help="Document type, for records that do not name one.")
@click.option("--lang", type=click.Choice(LANGS),
              help="Language to write in, for records that name none (with --translate: every record).")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the report of errors and warnings (JSON Lines).  "
                   "[default: OUTDIR/docgen-errors.jsonl; with --shard K/N, OUTDIR/docgen-errors-K-of-N.jsonl]")
@click.option("--shard", type=_ShardType(), default=None, metavar="K/N",
              help="Take only shard K of N (K = 1…N) of the input: N runs, on any machines, share the records "
                   "with no coordinator. By position unless --shard-by. Names must hold {n}; the default "
                   "becomes '{n}-{type}-{name}-{document_date}'.")
@click.option("--shard-by", "shard_by", metavar="FIELD", default=None,
              help="With --shard: choose each record's shard by this field's value (e.g. case.reference, so one "
                   "case's documents stay together) instead of its position. Any field a --name pattern can use.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first record that fails.")
@click.option("--skip-existing", is_flag=True,
              help="Leave documents that already exist, without rendering them again (resume a stopped run).")
@click.option("--force", is_flag=True, help="Replace documents that already exist.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="docx", show_default=True,
              help=f"{FORMAT_HELP} LibreOffice is started a few times per batch, never once per document.")
@click.option("--metadata", "with_metadata", is_flag=True,
              help="Write NAME.metadata.json beside each document (archive metadata without the pupil's name), "
                   "and put it in each standard-output line.")
@archive_copy_option
@translate_option
@pdf_timeout_option
@case_option
@templates_option
@profile_option
def batch(
    source: str, outdir: Path, workers: int | None, pattern: str | None, type_name: str | None, lang: str | None,
    errors_path: Path | None, fail_fast: bool, skip_existing: bool, force: bool, fmt: str, with_metadata: bool,
    shard: Shard | None, shard_by: str | None, archive_copy: bool, translate: bool, pdf_timeout: float,
    case_path: Path | None, templates_dir: Path | None, profile_path: Path | None,
) -> None:
    """Render many records: a JSON Lines file (one record per line), a folder
    of .json and .yaml files (case files, *.case.yaml, are skipped), or '-'
    for JSON Lines on standard input.

    One bad record never costs the good ones: every valid record is written,
    every failure and every warning goes into the report (input line or file,
    field path, message, severity), and the exit code is 1 if any record
    failed. Each document is written whole or not at all, so a stopped run can
    be resumed with --skip-existing. Two records never share a file: a
    repeated name gets "-2", "-3"….

    \b
    Names may use any record field ({case.reference}, {school.name}) and
    {type} {lang} {document_date} {name} (pupil, or school) {pupil.name}
    {pupil.group} {reference} {n} (position in the input) {line} {source}.

    \b
    On a terminal a progress bar shows count and time left. In a pipe,
    standard output gets one JSON line per record:
      {"n": 1, "source": "cases.jsonl:1", "status": "written", "output": "out/…docx",
       "errors": [], "warnings": [{"path": "…", "message": "…", "severity": "warning"}]}

    \b
    Examples:
      docgen batch cases.jsonl -o out/
      docgen batch cases/ -o out/ --name '{case.reference}-{type}' --workers 2
      export-cases | docgen batch - -o out/ --skip-existing

    \b
    Shards: split one big input over N runs (machines, pods, array jobs),
    with nothing shared but the input. Run K = 1, 2 … N:
      docgen batch cases.jsonl -o out/ --shard 1/4     (… up to --shard 4/4)
    Record n (its position in the whole input, from 1) is shard K's when
    (n-1) mod N = K-1. With --shard-by FIELD the field's value decides
    instead (sha256 of its JSON, mod N), so the same value always lands in
    the same shard; a record without that field (or that fails validation)
    is reported by shard 1 only. Every run must read the same input. {n}
    stays the position in the whole input, and shards cannot see each
    other's names, so with --shard a name pattern must hold {n}; without
    --name the names are '{n}-{type}-{name}-{document_date}'. The N runs
    write exactly the files one run writes with --shard 1/1, into one folder
    or several. Each shard writes its own report, docgen-errors-K-of-N.jsonl.
    A Kubernetes Indexed Job counts from 0: --shard
    $((JOB_COMPLETION_INDEX+1))/N in an 'sh -c' command (deploy/batch-job.yaml).
    """
    import dataclasses
    import json

    from ..api import Options, Pipeline
    from ..batch import DEFAULT_PATTERN, Batch
    from ..errors import InputError
    from ..naming import SHARD_PATTERN, check_pattern, uses_position

    if skip_existing and force:
        raise click.UsageError("--skip-existing and --force contradict each other; choose one")
    if shard_by is not None and shard is None:
        raise click.UsageError("--shard-by FIELD chooses how --shard K/N divides the records; give --shard too")
    if shard is not None:
        try:
            shard = dataclasses.replace(shard, by=shard_by)
        except InputError as exc:
            raise click.BadParameter(str(exc).removeprefix("shard by "), param_hint="'--shard-by'") from None
        if pattern is None:
            pattern = SHARD_PATTERN
        else:
            check_pattern(pattern)
            if not uses_position(pattern):
                raise click.UsageError(
                    f"--name {pattern!r} has no {{n}}. Shards cannot see each other's names: two records "
                    "named alike in different shards would become two different files of one name in two "
                    "folders (or the second refused in a shared one), where a single run names the second "
                    f"'…-2'. Put the record's position in the name, e.g. --name '{{n}}-{pattern}': {{n}} "
                    "counts the whole input, so the shards' names are a single run's.")
    options = Options(type=type_name, lang=lang, profile=profile_path, templates=templates_dir, format=fmt,
                      archive_copy=archive_copy, translate=translate, pdf_timeout=pdf_timeout, case=case_path)
    pipeline = Pipeline(options)
    _ = pipeline.folders  # a missing template folder fails now, before any record
    if pipeline.format.filter is not None:
        from ..convert import find_soffice

        find_soffice()  # say so before any work when LibreOffice is missing
    run = Batch(source, outdir, pipeline, pattern=pattern or DEFAULT_PATTERN, workers=workers or os.cpu_count() or 1,
                fail_fast=fail_fast, skip_existing=skip_existing, force=force, report_path=errors_path,
                metadata=with_metadata, shard=shard)
    summary = run.summary
    machine = not sys.stdout.isatty()
    outcomes = iter(run)
    try:
        with click.progressbar(outcomes, length=run.length(), file=sys.stderr, show_pos=True,
                               item_show_func=lambda _: f"{summary.failed} failed" if summary.failed else None
                               ) as shown:
            for outcome in shown:
                if machine:
                    click.echo(json.dumps(outcome.row(), ensure_ascii=False))
    except KeyboardInterrupt:
        outcomes.close()  # type: ignore[attr-defined]
        click.echo("docgen: interrupted; every document written so far is complete (resume with --skip-existing)",
                   err=True)
        sys.exit(130)
    line = f"docgen: {summary.written} written, {summary.skipped} skipped, {summary.failed} failed"
    if summary.warnings:
        line += f", {summary.warnings} with warnings"
    if summary.failed or summary.warnings:
        line += f"; see {run.report_path}"
    if summary.stopped:
        line += " (stopped at the first failure)"
    click.echo(line, err=True)
    if summary.failed:
        sys.exit(EXIT_FAIL)


@cli.command(epilog=EPILOG)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--type", "type_name", metavar="TYPE", help="Document type, for records that do not name one.")
@click.option("--lang", type=click.Choice(LANGS), help="Check as this language (rules differ by country).")
@archive_copy_option
@translate_option
@case_option
@profile_option
def validate(inputs: tuple[str, ...], type_name: str | None, lang: str | None, archive_copy: bool, translate: bool,
             case_path: Path | None, profile_path: Path | None) -> None:
    """Check records (and case files) without writing anything.

    Prints every error and warning with its field path (and line, for YAML);
    exit 1 if any record has an error. A case file (NAME.case.yaml, or a file
    with a pupil and a concern but no type) is checked as a case file.
    Warnings (e.g. an evaluation more than six weeks after the start of a
    Norwegian measure) do not fail the check. A file that cannot be
    read is reported and the next one checked.
    """
    from ..api import Options, Pipeline
    from ..casefile import check, is_case_file
    from ..errors import DocgenError
    from ..i18n import translate_lines
    from ..sources import read

    pipeline = Pipeline(Options(type=type_name, lang=lang, profile=profile_path, archive_copy=archive_copy,
                                translate=translate, case=case_path))
    reader = lang or (pipeline.profile.language if pipeline.profile else None)
    failed = False
    debug = click.get_current_context().meta.get("docgen.debug")
    for path in inputs:
        try:
            data, source = _read(path)
            loaded = read(data, source)
            if is_case_file(source, loaded.data):
                own = loaded.data.get("lang")
                try:
                    check(loaded, source)  # a case file: every error by path and line, or fine
                except DocgenError as exc:
                    said = translate_lines(str(exc), own if isinstance(own, str) else reader)
                    _say(f"docgen: error: {said}")
                    failed = True
                    continue
                _say(f"{source}: ok", err=False)
                continue
            report = pipeline.validate(data, source)
        except DocgenError as exc:
            _say(f"docgen: error: {translate_lines(str(exc), reader)}")
            failed = True
            continue
        except RecursionError:
            if debug:
                raise
            _say(f"docgen: error: {translate_lines(f'{path}: nested too deeply to be a record', reader)}")
            failed = True
            continue
        except Exception as exc:  # a bug in one file must not stop the check of the others
            if debug:
                raise
            _say(f"docgen: error: {path}: internal error ({type(exc).__name__}); run again with --debug to see where")
            failed = True
            continue
        _print_issues(source, [*report.warnings, *report.errors], report.lang)
        failed |= not report.ok
        if report.ok:
            count = len(report.warnings)
            note = f" ({count} warning{'s' if count != 1 else ''})" if count else ""
            _say(f"{source}: ok{note}", err=False)
    if failed:
        sys.exit(EXIT_FAIL)
