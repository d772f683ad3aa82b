"""The commands that explain: document types, example records, schemas, the fields a template may use."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..languages import CODES as LANGS
from . import EPILOG, EXIT_FAIL, cli, profile_option


@cli.command(epilog=EPILOG)
@click.argument("type_name", required=False, metavar="[TYPE]")
@click.option("--dir", "directory", default="schemas", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the TYPE.schema.json files.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files differ from the models.")
def schema(type_name: str | None, directory: Path, check: bool) -> None:
    """Write JSON Schemas of the records (all types, or TYPE).

    Integrations validate their JSON against these before sending it. Use
    --check in CI to catch a model change without regenerated schemas.
    """
    from ..doctypes import DOCTYPES, doctype
    from ..output import write_file
    from ..schema import schema_text

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
    """Print a filled-in example record about an invented pupil, to see what
    a finished record looks like. For a real case start from a blank
    skeleton instead (`docgen new TYPE`): an example's text about another
    child would otherwise validate and reach the document.

    \b
      docgen example activity_plan --lang da > eksempel-handleplan.json
    """
    from ..doctypes import doctype
    from ..errors import InputError
    from ..resources import data_dir

    info = doctype(type_name)
    if lang not in info.languages:
        raise InputError(f"'{type_name}' is not available in '{lang}'")
    path = data_dir("examples") / f"{info.name}.{lang}.json"
    if not path.is_file():
        raise InputError(f"no bundled example for '{type_name}' in '{lang}'")
    click.echo(path.read_text(encoding="utf-8"), nl=False)
    from ..i18n import translate

    click.echo("docgen: " + translate("this is an example about invented people; start a real record with "
                                      "`docgen new {type}`", lang).replace("{type}", info.name), err=True)


@cli.command(epilog=EPILOG)
def types() -> None:
    """List the document types and the languages each is available in."""
    from ..doctypes import DOCTYPES

    for info in DOCTYPES.values():
        titles = ", ".join(f"{lang}: {info.titles[lang]}" for lang in info.languages)
        click.echo(f"{info.name}\n  {info.summary}\n  {titles}")


@cli.command(epilog=EPILOG)
@click.argument("type_name", metavar="TYPE")
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help="Show the legal facts of this language's country.  [default: the profile's language, else all]")
@profile_option
def fields(type_name: str, lang: str | None, profile_path: Path | None) -> None:
    """Every field a template for TYPE may use: the school's cheat sheet.

    Write a field as {{ case.pupil.name }}; loop over a list with
    {%p for m in measures %} … {{ m.name }} … {%p endfor %}. Dates print as
    "22. november 2026"; filters change that (e.g. {{ document_date | weekday_date }}).
    """
    from ..doctypes import doctype
    from ..engine.environment import FILTERS_HELP
    from ..fields import context_shape, rows
    from ..i18n import translate
    from ..profile import load_profile

    info = doctype(type_name)
    profile = load_profile(profile_path)
    custom = profile.field_kinds() if profile else {}
    click.echo(f"Fields of {info.name} ({', '.join(info.titles[lang] for lang in info.languages)}):\n")
    lang = lang or (profile.language if profile else None)
    for path, kind, description in rows(context_shape(info.name, custom, lang)):
        click.echo(f"  {path:44} {kind:28} {translate(description, lang)}")
    click.echo("\nFilters:\n")
    for name, example in FILTERS_HELP.items():
        click.echo(f"  {name:44} {example}")


@cli.command(epilog=EPILOG)
@click.option("--country", type=click.Choice(["no", "dk"]), default=None, help="One country's table.  [default: both]")
@click.option("--all", "show_all", is_flag=True, help="Also list the facts that could not be confirmed.")
def law(country: str | None, show_all: bool) -> None:
    """Every legal statement the documents can make, with its source: for a school's lawyer to review.

    The documents take section numbers, names of bodies, deadlines and the
    confidentiality marking from this table only; a fact that could not be
    confirmed is never printed in a document.
    """
    from ..law import table

    for code in [country.upper()] if country else ["NO", "DK"]:
        facts = table(code)
        click.echo(f"{code}: reviewed {facts.reviewed.isoformat()}\n")
        for key, fact in facts.facts.items():
            if not fact.confirmed and not show_all:
                continue
            status = "" if fact.confirmed else "  [NOT CONFIRMED: never printed]"
            click.echo(f"{key}{status}")
            for lang, text in fact.texts.items():
                click.echo(f"  {lang}: {text}")
            if fact.value is not None:
                click.echo(f"  value: {fact.value}")
            click.echo(f"  {fact.summary}")
            click.echo(f"  source: {fact.source_title + ', ' if fact.source_title else ''}{fact.source}")
            click.echo(f"  checked: {fact.checked.isoformat()}")
            if fact.note:
                click.echo(f"  note: {fact.note}")
            click.echo("")
