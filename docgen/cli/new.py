"""`docgen new`: blank skeletons a school fills in, for a document or a case file (issue 13)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..languages import CODES as LANGS
from . import EPILOG, _warn, cli, profile_option, speak


@cli.command(epilog=EPILOG)
@click.argument("type_name", metavar="TYPE")
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help="The school's language.  [default: the case file's, else the profile's, else nb]")
@click.option("--case", "case_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The case file the document belongs to: the skeleton names it (case: FILE) and leaves out "
                   "what it supplies (the case, and the school and contact person when it has them).")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="The file to write (.yaml); a folder, or a path ending in '/', for TYPE.yaml in it; "
                   "'-' or none for standard output.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@profile_option
def new(type_name: str, lang: str | None, case_path: Path | None, output: str | None, force: bool,
        profile_path: Path | None) -> None:
    """Write a blank skeleton to fill in: a record of TYPE, or (TYPE 'case') a case file.

    The skeleton is YAML with every field, each under a comment in the
    school's language saying what belongs there and whether it is required.
    Required values are «…» placeholders: the file does not validate until
    each is replaced, so no example text ends up in a real document. (For a
    filled-in example, see `docgen example TYPE`.) With a school profile, the
    school's facts are left out: the profile supplies them.

    \b
    A case from start to finish:
      docgen new case --lang nb -o sak-2026-0412.case.yaml     # then fill it in
      docgen new concern_receipt --case sak-2026-0412.case.yaml -o kvittering.yaml
      docgen validate kvittering.yaml     # lists every «…» still left, with its line
      docgen render kvittering.yaml -o kvittering.docx

    Name case files NAME.case.yaml: `docgen batch` skips them in a folder of
    documents. A document made with --case names its case file relative to
    the document's own folder.
    """
    from ..casefile import load
    from ..doctypes import DOCTYPES, doctype
    from ..errors import InputError
    from ..i18n import translate
    from ..output import document_path, write_file
    from ..profile import load_profile
    from ..skeleton import CASE, CaseRef, default_name
    from ..skeleton import new as make

    profile = load_profile(profile_path)
    speak(lang or (profile.language if profile else None))
    if type_name == CASE:
        if case_path is not None:
            raise click.UsageError("--case is for a document of the case; `docgen new case` starts the case file")
    elif type_name not in DOCTYPES:
        _unknown(type_name, [*DOCTYPES, CASE])
    elif case_path is not None and "case" not in doctype(type_name).model.model_fields:
        raise click.UsageError(f"--case: a {type_name} is the whole school's, not a case's; leave it out")
    case_data: dict[str, object] = {}
    if case_path is not None:
        case_data = load(case_path).data
        if "type" in case_data:
            raise InputError(f"{case_path}: is a document (it names its \"type\"), not a case file; "
                             "start one with `docgen new case`")
    case_lang = case_data.get("lang") if case_data.get("lang") in LANGS else None
    if lang is not None and case_lang is not None and lang != case_lang:
        _warn(translate(f"the case file is written in '{case_lang}', this skeleton in '{lang}'", lang))
    lang = lang or (str(case_lang) if case_lang else None) or (profile.language if profile else None) or "nb"
    speak(lang)
    if type_name != CASE and lang not in doctype(type_name).languages:
        raise InputError(f"'{type_name}' is not available in '{lang}'")

    target = None
    if output not in (None, "-"):
        assert output is not None
        stem, _, extension = default_name(type_name, lang).partition(".")
        target = document_path(output, extension, stem)
        if target.suffix.lower() not in (".yaml", ".yml"):
            raise click.UsageError(f"-o {output}: a skeleton is YAML; give a file name ending in .yaml")
    case = None
    if case_path is not None:
        case = CaseRef(_relative(case_path, target), case_data)
    text = make(type_name, lang, case, profile, str(target) if target else None)
    if target is None:
        click.echo(text, nl=False)
        return
    if type_name == CASE and not target.name.lower().endswith((".case.yaml", ".case.yml")):
        _warn(translate("name case files NAME.case.yaml: docgen batch then skips them in a folder of documents",
                        lang))
    write_file(text.encode("utf-8"), target, force=force)
    click.echo(f"docgen: wrote {target}", err=True)
    if type_name != CASE:
        click.echo("docgen: " + translate(f"fill in every «…», then check the file: docgen validate {target}", lang),
                   err=True)


def _unknown(name: str, known: list[str]) -> None:
    import difflib

    from ..errors import InputError

    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise InputError(f"unknown document type '{name}'.{hint} Known types: {', '.join(known)}.")


def _relative(case: Path, target: Path | None) -> str:
    """The case file as the document names it: relative to the document's folder (as given when the
    skeleton goes to standard output, or when given as an absolute path)."""
    if case.is_absolute() or target is None:
        return case.as_posix()
    try:
        return Path(os.path.relpath(os.path.abspath(case), os.path.abspath(target.parent))).as_posix()
    except ValueError:  # another drive (Windows): only the absolute path reaches it
        return Path(os.path.abspath(case)).as_posix()

