"""The `docgen` command: a thin layer over the Python API.

Only click is imported at start-up; each command imports what it needs, so
`docgen --help` stays fast. Every failure is one message on stderr and exit 1
(2 for a usage error); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

LANGS = ("nb", "nn", "da")
FORMATS = ("docx", "pdf", "pdfa")  # docgen.pdf.FORMATS, without importing it at start-up
EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

EPILOG = """\b
Exit codes: 0 ok, 1 bad input or a failed render, 2 wrong use of the command.
Start with `docgen example activity_plan --lang nb > plan.json`, edit it,
then `docgen render plan.json -o plan.docx`.
"""


class DocgenGroup(click.Group):
    """Turns docgen's own errors into one clear line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import DocgenError

        try:
            return super().invoke(ctx)
        except DocgenError as exc:
            if ctx.meta.get("docgen.debug"):
                raise
            _fail(str(exc))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("docgen: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`docgen fields TYPE | head`): stop quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_FAIL)
        except Exception as exc:
            if ctx.meta.get("docgen.debug"):
                raise
            _fail(f"internal error ({type(exc).__name__}); run again with --debug to see where")


def _fail(message: str) -> NoReturn:
    click.echo(f"docgen: error: {message}", err=True)
    sys.exit(EXIT_FAIL)


def _warn(message: str) -> None:
    click.echo(f"docgen: warning: {message}", err=True)


@click.group(cls=DocgenGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="docgen", prog_name="docgen")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn validated case records (JSON) into the Word documents Norwegian and
    Danish schools must write when a pupil is not safe at school.

    Each record is a JSON object naming its document "type" and language
    ("lang": nb Bokmål, nn Nynorsk, da Danish). Records are checked before
    anything is written; errors name the field, e.g. measures[2].evaluation_date.
    """
    ctx.meta["docgen.debug"] = debug


def profile_options(fn):
    """--profile and --templates, shared by the commands that render or validate."""
    fn = click.option("--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                      help="A folder of the school's templates (DIR/<lang>/<type>.docx), searched before the "
                           "built-in ones. Also DOCGEN_TEMPLATES.")(fn)
    fn = click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                      help="The school profile (TOML). Default: $DOCGEN_PROFILE, else "
                           "~/.config/docgen/profile.toml if it exists.")(fn)
    return fn


def _profile(path: Path | None):
    from .profile import load_profile

    return load_profile(path)


def _read(path: str) -> tuple[bytes, str]:
    """The bytes of INPUT ('-' is standard input) and a name for messages."""
    from .errors import InputError

    if path == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    p = Path(path)
    try:
        return p.read_bytes(), path
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a JSON file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({(exc.strerror or str(exc)).lower()})") from None


def _print_issues(source: str, errors: list, warnings: list) -> None:
    for issue in warnings:
        _warn(f"{source}: {issue}")
    for issue in errors:
        click.echo(f"docgen: error: {source}: {issue}", err=True)


@cli.command(epilog=EPILOG)
@click.argument("args", nargs=-1, metavar="[TYPE] INPUT", required=True)
@click.option("-o", "--output", required=True, metavar="OUT",
              help="The .docx to write; a folder (file named after INPUT); '-' for standard output.")
@click.option("--lang", type=click.Choice(LANGS), help="Language to write in; overrides the record's \"lang\".")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this .docx template instead of the built-in one.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option("--archive-copy", is_flag=True,
              help="best_interest only: leave out the internal-notes column (the copy for the pupil's file).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="docx, pdf, or pdfa (PDF/A-2b for archives). PDF needs LibreOffice.  "
                   "[default: from OUT's suffix, else docx]")
@click.option("--pdf-timeout", type=click.FloatRange(min=1), default=120, show_default=True,
              help="Seconds LibreOffice may take before it is stopped.")
@profile_options
def render(
    args: tuple[str, ...], output: str, lang: str | None, template: Path | None, force: bool, archive_copy: bool,
    fmt: str | None, pdf_timeout: float, profile_path: Path | None, templates_dir: Path | None,
) -> None:
    """Render one record into a Word document.

    INPUT is a JSON file ('-' reads standard input). TYPE is optional when the
    record names its own "type"; if both are given they must agree.

    \b
    Examples:
      docgen render examples/activity_plan.nb.json -o plan.docx
      docgen render activity_plan case.json --lang nn -o out/
      cat case.json | docgen render - -o - > plan.docx

    The file is written to a temporary name and moved into place only when
    complete, so a failure never leaves half a document. An existing OUT is
    never replaced without --force.
    """
    if len(args) > 2:
        raise click.UsageError("expected [TYPE] INPUT; got more arguments")
    type_name, input_path = (None, args[0]) if len(args) == 1 else args
    if output == "-" and sys.stdout.isatty():
        raise click.UsageError("refusing to write a document to the terminal; redirect it or give -o FILE")
    fmt = fmt or ("pdf" if output.lower().endswith(".pdf") else "docx")

    from .api import render_report
    from .errors import RecordError
    from .output import write_file
    from .records import validate

    profile = _profile(profile_path)
    data, source = _read(input_path)
    report = validate(data, type=type_name, lang=lang, source=source, profile=profile)
    _print_issues(source, [], report.warnings)  # errors come once, in the RecordError below
    if not report.ok:
        raise RecordError(report.errors, source)
    document = report.document
    assert document is not None
    if archive_copy:
        if "archive_copy" not in type(document).model_fields:
            raise click.UsageError(f"--archive-copy applies to best_interest, not to {document.type}")
        report.document = document = document.model_copy(update={"archive_copy": True})
    content = render_report(report, template, profile=profile, templates=templates_dir)
    if fmt != "docx":
        from .pdf import convert_one

        content = convert_one(content, fmt, pdf_timeout)

    if output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    if target.is_dir():
        stem = Path(input_path).stem if input_path != "-" else f"{document.type}.{document.lang}"
        target = target / f"{stem}.{'docx' if fmt == 'docx' else 'pdf'}"
    write_file(content, target, force=force)
    click.echo(f"docgen: wrote {target}", err=True)


@cli.command(epilog=EPILOG)
@click.argument("source", metavar="INPUT")
@click.option("-o", "--output", "outdir", required=True, metavar="OUTDIR", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the documents (created if missing).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes rendering in parallel.  [default: the number of cores]")
@click.option("--name", "pattern", default=None, metavar="PATTERN",
              help="File names from record fields, e.g. '{type}-{pupil.name}-{document_date}'.  "
                   "[default: {type}-{name}-{document_date}]")
@click.option("--type", "type_name", metavar="TYPE", help="Document type, for records that do not name one.")
@click.option("--lang", type=click.Choice(LANGS), help="Language to write in; overrides each record's \"lang\".")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the error report (JSON Lines).  [default: OUTDIR/docgen-errors.jsonl]")
@click.option("--fail-fast", is_flag=True, help="Stop at the first record that fails.")
@click.option("--skip-existing", is_flag=True, help="Leave documents that already exist (resume a stopped run).")
@click.option("--force", is_flag=True, help="Replace documents that already exist.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="docx", show_default=True,
              help="docx, pdf, or pdfa (PDF/A-2b). PDF needs LibreOffice, started a few times per batch, "
                   "never once per document.")
@click.option("--pdf-timeout", type=click.FloatRange(min=1), default=120, show_default=True,
              help="Seconds LibreOffice may take per document before it is stopped and the document reported.")
@profile_options
def batch(
    source: str, outdir: Path, workers: int | None, pattern: str | None, type_name: str | None, lang: str | None,
    errors_path: Path | None, fail_fast: bool, skip_existing: bool, force: bool, fmt: str, pdf_timeout: float,
    profile_path: Path | None, templates_dir: Path | None,
) -> None:
    """Render many records: a JSON Lines file (one record per line), a folder
    of .json files, or '-' for JSON Lines on standard input.

    One bad record never costs the good ones: every valid record is written,
    every failure goes into the error report (input line or file, field path,
    message), and the exit code is 1 if any record failed. Each document is
    written whole or not at all, so a stopped run can be resumed with
    --skip-existing. Two records never share a file: a repeated name gets
    "-2", "-3"….

    \b
    Names may use any record field ({case.reference}, {school.name}) and
    {type} {lang} {document_date} {name} (pupil, or school) {pupil.name}
    {pupil.group} {reference} {n} (position in the input) {line} {source}.

    \b
    On a terminal a progress line shows count, rate and time left. In a pipe,
    standard output gets one JSON line per record:
      {"n": 1, "source": "cases.jsonl:1", "status": "written", "output": "out/…docx"}

    \b
    Examples:
      docgen batch cases.jsonl -o out/
      docgen batch cases/ -o out/ --name '{case.reference}-{type}' --workers 2
      export-cases | docgen batch - -o out/ --skip-existing
    """
    import json

    from .batch import DEFAULT_PATTERN, Options, count_items, run
    from .progress import Progress

    if skip_existing and force:
        raise click.UsageError("--skip-existing and --force contradict each other; choose one")
    report_path = errors_path or outdir / "docgen-errors.jsonl"
    if report_path.exists():
        report_path.unlink()
    report: list = []  # the open report file, opened on the first failure
    interactive = sys.stderr.isatty()
    progress = Progress(sys.stderr, count_items(source)) if interactive else None
    machine = not sys.stdout.isatty()

    def on_outcome(outcome) -> None:
        if outcome.status == "failed":
            if not report:
                report_path.parent.mkdir(parents=True, exist_ok=True)
                report.append(report_path.open("w", encoding="utf-8"))
            for error in outcome.errors:
                line = {"source": outcome.source, "line": outcome.line, "path": error["path"], "message": error["message"]}
                report[0].write(json.dumps(line, ensure_ascii=False) + "\n")
            report[0].flush()
        if machine:
            row = {"n": outcome.n, "source": outcome.source, "status": outcome.status, "output": outcome.output}
            click.echo(json.dumps(row, ensure_ascii=False))
        if progress:
            progress.update(outcome.status == "failed")

    from .profile import default_profile_path
    from .templates import override_folders

    profile = _profile(profile_path)  # fail early on a broken profile, before any record
    override_folders(templates_dir, profile.template_folder if profile else None)
    options = Options(
        type=type_name, lang=lang, pattern=pattern or DEFAULT_PATTERN,
        profile=str(profile_path or default_profile_path() or "") or None,
        templates=str(templates_dir) if templates_dir else None,
    )
    try:
        if fmt != "docx":
            from .pdf import find_soffice

            find_soffice()  # say so before any work when LibreOffice is missing
        summary = run(source, outdir, options=options, workers=workers or os.cpu_count() or 1, fail_fast=fail_fast,
                      skip_existing=skip_existing, force=force, fmt=fmt, pdf_timeout=pdf_timeout,
                      on_outcome=on_outcome)
    except KeyboardInterrupt:
        if progress:
            progress.close()
        click.echo("docgen: interrupted; every document written so far is complete (resume with --skip-existing)",
                   err=True)
        sys.exit(130)
    finally:
        if report:
            report[0].close()
    if progress:
        progress.close()
    line = f"docgen: {summary.written} written, {summary.skipped} skipped, {summary.failed} failed"
    if summary.failed:
        line += f"; errors in {report_path}"
    if summary.stopped:
        line += " (stopped at the first failure)"
    click.echo(line, err=True)
    if summary.failed:
        sys.exit(EXIT_FAIL)


@cli.command(epilog=EPILOG)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--type", "type_name", metavar="TYPE", help="Document type, for records that do not name one.")
@click.option("--lang", type=click.Choice(LANGS), help="Check as this language (rules differ by country).")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The school profile (TOML): fills in the school and checks custom fields.")
def validate(inputs: tuple[str, ...], type_name: str | None, lang: str | None, profile_path: Path | None) -> None:
    """Check records without writing anything.

    Prints every error and warning with its field path; exit 1 if any record
    has an error. Warnings (e.g. an evaluation more than six weeks after the
    start of a Norwegian measure) do not fail the check.
    """
    from .errors import DocgenError
    from .records import validate as check

    profile = _profile(profile_path)
    failed = False
    for path in inputs:
        try:
            data, source = _read(path)
            report = check(data, type=type_name, lang=lang, source=source, profile=profile)
        except DocgenError as exc:
            click.echo(f"docgen: error: {exc}", err=True)
            failed = True
            continue
        _print_issues(source, report.errors, report.warnings)
        failed |= not report.ok
        if report.ok:
            note = f" ({len(report.warnings)} warning{'s' if len(report.warnings) != 1 else ''})" if report.warnings else ""
            click.echo(f"{source}: ok{note}")
    if failed:
        sys.exit(EXIT_FAIL)


@cli.command(epilog=EPILOG)
@click.argument("type_name", required=False, metavar="[TYPE]")
@click.option("--dir", "directory", default="schemas", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the TYPE.schema.json files.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files differ from the models.")
def schema(type_name: str | None, directory: Path, check: bool) -> None:
    """Write JSON Schemas of the records (all types, or TYPE).

    Integrations validate their JSON against these before sending it. Use
    --check in CI to catch a model change without regenerated schemas.
    """
    from .doctypes import DOCTYPES, doctype
    from .output import write_file
    from .schema import schema_text

    names = [doctype(type_name).name] if type_name else list(DOCTYPES)
    stale = []
    for name in names:
        text = schema_text(name)
        path = directory / f"{name}.schema.json"
        if check:
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current != text:
                stale.append(path)
                click.echo(f"docgen: error: {path} is {'missing' if current is None else 'out of date'}", err=True)
            else:
                click.echo(f"{path}: up to date")
            continue
        directory.mkdir(parents=True, exist_ok=True)
        write_file(text.encode("utf-8"), path, force=True)
        click.echo(f"docgen: wrote {path}", err=True)
    if stale:
        click.echo("docgen: run `docgen schema` to regenerate", err=True)
        sys.exit(EXIT_FAIL)


@cli.command(epilog=EPILOG)
@click.argument("type_name", metavar="TYPE")
@click.option("--lang", type=click.Choice(LANGS), default="nb", show_default=True)
def example(type_name: str, lang: str) -> None:
    """Print a valid example record to start from.

    \b
      docgen example activity_plan --lang da > handleplan.json
    """
    from .doctypes import doctype
    from .errors import InputError
    from .resources import data_dir

    info = doctype(type_name)
    if lang not in info.languages:
        raise InputError(f"'{type_name}' is not available in '{lang}'")
    path = data_dir("examples") / f"{info.name}.{lang}.json"
    if not path.is_file():
        raise InputError(f"no bundled example for '{type_name}' in '{lang}'")
    click.echo(path.read_text(encoding="utf-8"), nl=False)


@cli.command(epilog=EPILOG)
def types() -> None:
    """List the document types and the languages each is available in."""
    from .doctypes import DOCTYPES

    for info in DOCTYPES.values():
        titles = ", ".join(f"{lang}: {info.titles[lang]}" for lang in info.languages)
        click.echo(f"{info.name}\n  {info.summary}\n  {titles}")


@cli.group(epilog=EPILOG)
def templates() -> None:
    """The Word templates: which are used, export one to edit, check an edited one.

    \b
    A school's folder has the built-in layout, DIR/<lang>/<type>.docx:
      docgen templates export activity_plan --lang nb maler/
      (edit maler/nb/activity_plan.docx in Word or LibreOffice)
      docgen templates check maler/nb/activity_plan.docx
      docgen render plan.json -o plan.docx --templates maler/
    """


@templates.command("list")
@profile_options
def templates_list(profile_path: Path | None, templates_dir: Path | None) -> None:
    """Show, for each type and language, which template file is used and where it comes from."""
    from .templates import all_templates, override_folders

    profile = _profile(profile_path)
    folders = override_folders(templates_dir, profile.template_folder if profile else None)
    for type_name, lang, found in all_templates(folders):
        origin = "built-in" if found.origin == "built-in" else f"override from {found.origin}"
        click.echo(f"{type_name:16} {lang}  {origin:24}  {found.path}")


@templates.command("export")
@click.argument("type_name", metavar="TYPE")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(LANGS), required=True, help="Which language's template.")
@click.option("--force", is_flag=True, help="Replace a file that is already there.")
def templates_export(type_name: str, directory: Path, lang: str, force: bool) -> None:
    """Copy a built-in template to DIR/<lang>/<type>.docx for editing.

    DIR can then be given to --templates (or named in the school profile)
    so the edited template replaces the built-in one.
    """
    from .output import write_file
    from .templates import locate

    source = locate(type_name, lang).path  # the built-in one: no override folders
    target = directory / lang / f"{type_name}.docx"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_file(source.read_bytes(), target, force=force)
    click.echo(f"docgen: wrote {target}; edit it, then run `docgen templates check {target}`", err=True)


@templates.command("check")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "type_name", metavar="TYPE", help="The document type (guessed from the file name).")
@click.option("--lang", type=click.Choice(LANGS), help="The language (guessed from the folder or the document).")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The school profile, for its custom fields and logo.")
def templates_check(files: tuple[Path, ...], type_name: str | None, lang: str | None, profile_path: Path | None) -> None:
    """Check edited templates before a letter goes out; no record needed.

    Reports Jinja syntax errors, loops and conditions that do not close,
    fields the record does not have (with a suggestion), and tags Word split
    so they would print as text, each with where it is: the header, footer or
    body and the paragraph's own words. Then renders the template once with
    the type's example record. Exit 1 if anything is wrong.
    """
    from .check import check_template

    profile = _profile(profile_path)
    failed = False
    for path in files:
        problems = check_template(path, type_name, lang, profile)
        for problem in problems:
            click.echo(f"docgen: error: {path}: {problem}", err=True)
        if problems:
            failed = True
        else:
            click.echo(f"{path}: ok (renders the example record)")
    if failed:
        sys.exit(EXIT_FAIL)


@cli.command(epilog=EPILOG)
@click.argument("type_name", metavar="TYPE")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Include the custom fields this school profile declares.")
def fields(type_name: str, profile_path: Path | None) -> None:
    """Every field a template for TYPE may use: the school's cheat sheet.

    Write a field as {{ case.pupil.name }}; loop over a list with
    {%p for m in measures %} … {{ m.name }} … {%p endfor %}. Dates print as
    "22. november 2026"; filters change that (e.g. {{ document_date | weekday_date }}).
    """
    from .doctypes import doctype
    from .engine import FILTERS_HELP
    from .fields import context_shape, rows

    info = doctype(type_name)
    profile = _profile(profile_path)
    custom = {name: (spec.kind, spec.description) for name, spec in profile.fields.items()} if profile else {}
    click.echo(f"Fields of {info.name} ({', '.join(info.titles[lang] for lang in info.languages)}):\n")
    for path, kind, description in rows(context_shape(info.name, custom)):
        click.echo(f"  {path:44} {kind:28} {description}")
    click.echo("\nFilters:\n")
    for name, example in FILTERS_HELP.items():
        click.echo(f"  {name:44} {example}")


@cli.command(epilog=EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1), help="Server processes.")
@click.option("--max-body", default=1024 * 1024, show_default=True, type=click.IntRange(min=1024),
              help="Largest request body, in bytes; larger gets 413.")
@profile_options
def serve(host: str, port: int, workers: int, max_body: int, profile_path: Path | None,
          templates_dir: Path | None) -> None:
    """Serve documents over HTTP for integrations (needs: pip install 'docgen[server]').

    \b
      POST /documents/{type}?lang=nb&format=docx|pdf|pdfa   the record as JSON -> the file
      POST /validate/{type}                                  -> errors and warnings by field path
      GET  /document-types, /schemas/{type}, /health, /openapi.json, /docs

    With DOCGEN_API_TOKEN set, every request but /health needs
    'Authorization: Bearer TOKEN'. Errors are application/problem+json.
    Record contents are never logged.
    """
    try:
        import fastapi  # noqa: F401  (the application needs it; uvicorn serves it)
        import uvicorn
    except ImportError:
        from .errors import DocgenError

        raise DocgenError("the HTTP service needs its extra: pip install 'docgen[server]'") from None
    profile = _profile(profile_path)  # fail now, not in every worker
    from .templates import override_folders

    override_folders(templates_dir, profile.template_folder if profile else None)
    if profile_path:
        os.environ["DOCGEN_PROFILE"] = str(profile_path.resolve())
    if templates_dir:
        os.environ["DOCGEN_SERVE_TEMPLATES"] = str(templates_dir.resolve())
    os.environ["DOCGEN_MAX_BODY"] = str(max_body)

    click.echo(f"docgen: serving on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''})", err=True)
    uvicorn.run("docgen.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=True, server_header=False)


def main() -> None:
    cli(prog_name="docgen")
