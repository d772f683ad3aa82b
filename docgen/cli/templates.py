"""`docgen templates`: which template is used, export one to edit, check an edited one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..languages import CODES as LANGS
from . import EPILOG, EXIT_FAIL, cli, profile_option, templates_option


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
@templates_option
@profile_option
def templates_list(templates_dir: Path | None, profile_path: Path | None) -> None:
    """Show, for each type and language, which template file is used and where it comes from."""
    from ..api import Options, Pipeline
    from ..templates import all_templates
    from ..versions import outdated, read

    pipeline = Pipeline(Options(profile=profile_path, templates=templates_dir))
    for type_name, lang, found in all_templates(pipeline.folders):
        origin = "built-in" if found.origin == "built-in" else f"override from {found.origin}"
        click.echo(f"{type_name:16} {lang}  {origin:24}  {found.path}")
        if found.origin != "built-in":
            older = outdated(read(found.path), type_name, lang)
            if older:
                click.echo(f"docgen: warning: {found.path}: {older}", err=True)


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
    from ..output import write_file
    from ..templates import locate

    source = locate(type_name, lang).path  # the built-in one: no override folders
    target = directory / lang / f"{type_name}.docx"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_file(source.read_bytes(), target, force=force)
    click.echo(f"docgen: wrote {target}; edit it, then run `docgen templates check {target}`", err=True)


@templates.command("check")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "type_name", metavar="TYPE", help="The document type (guessed from the file name).")
@click.option("--lang", type=click.Choice(LANGS), help="The language (guessed from the folder or the document).")
@profile_option
def templates_check(files: tuple[Path, ...], type_name: str | None, lang: str | None,
                    profile_path: Path | None) -> None:
    """Check edited templates before a letter goes out; no record needed.

    Reports Jinja syntax errors, loops and conditions that do not close,
    fields the record does not have (with a suggestion), and tags Word split
    so they would print as text, each with where it is: the header, footer or
    body and the paragraph's own words. Then renders the template once with
    the type's example record. Exit 1 if anything is wrong.
    """
    from ..check import check_template
    from ..i18n import translate_issue
    from ..profile import load_profile

    profile = load_profile(profile_path)
    failed = False
    for path in files:
        problems = check_template(path, type_name, lang, profile)
        reader = lang or (path.parent.name if path.parent.name in LANGS else None) or (
            profile.language if profile else None)
        for problem in problems:
            click.echo(f"docgen: {problem.severity}: {path}: {translate_issue(str(problem), reader)}", err=True)
        if any(p.severity == "error" for p in problems):
            failed = True
        else:
            click.echo(f"{path}: ok (renders the example record)")
    if failed:
        sys.exit(EXIT_FAIL)


@templates.command("diff")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "type_name", metavar="TYPE", help="The document type (guessed from the file name).")
@click.option("--lang", type=click.Choice(LANGS), help="The language (guessed from the folder or the document).")
def templates_diff(file: Path, type_name: str | None, lang: str | None) -> None:
    """What changed in the built-in template since your copy was exported, paragraph by paragraph.

    Carry the changes you need (a new complaint paragraph, a corrected
    section number) into your copy in Word, or export the built-in again.
    Legal facts written as fields ({{ law.… }}) reach your copy by themselves.
    """
    from ..check import guess_lang, guess_type
    from ..errors import InputError
    from ..versions import diff, read

    data = read(file)
    type_name = type_name or guess_type(file)
    if type_name is None:
        raise InputError(f"{file}: cannot tell which document type this template is for; give --type")
    lines = diff(data, type_name, lang or guess_lang(file, data))
    if not lines:
        click.echo(f"{file}: exported from today's built-in template; nothing changed since")
        return
    for line in lines:
        click.echo(line)
