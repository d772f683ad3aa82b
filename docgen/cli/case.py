"""`docgen case status`: a case's dates and what is due, as a table, JSON or an iCalendar file."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import EPILOG, EXIT_FAIL, _print_issues, _read, _say, _warn, cli, profile_option, speak

if TYPE_CHECKING:
    from ..casefile import CaseFile
    from ..profile import Profile
    from ..timeline import Filed


@cli.group(epilog=EPILOG)
def case() -> None:
    """One pupil's case: the case file (start one with `docgen new case`) and the
    documents that name it."""


@case.command(epilog=EPILOG)
@click.argument("casefile", metavar="CASEFILE", type=click.Path(path_type=Path))
@click.argument("documents", nargs=-1, metavar="[DOCUMENTS]...")
@click.option("--ics", "ics_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Also write the deadlines and evaluation dates as an iCalendar file (.ics) to import into "
                   "Outlook or Google Calendar.")
@click.option("--force", is_flag=True, help="Replace the --ics file if it exists.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the events as JSON (date, code, what, state, document, measure) instead of a table.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="The day to measure from: what is past, today or upcoming.  [default: today]")
@profile_option
def status(casefile: Path, documents: tuple[str, ...], ics_path: Path | None, force: bool, as_json: bool,
           today: dt.datetime | None, profile_path: Path | None) -> None:
    """The case's dates and what is due, in the school's language.

    CASEFILE is the case file (YAML or JSON). DOCUMENTS are the case's records
    (the receipt, the activity plan, the best-interest assessment); each names
    the case file (`case: sak.yaml`) or takes CASEFILE.

    \b
    Shown: the concern received, the day the school first knew (when earlier),
    the case taken up with the rector, the receipt sent, the Danish handleplan
    deadline (10 working days; with the school's own latest date when the days
    run through its closing days), the earliest day for the Norwegian
    Statsforvalter, the plan's date and each measure's evaluation (done, no
    conclusion yet, upcoming), the best-interest assessment's date.

    Measures are named by their number in the plan ("tiltak 2"), never by their
    text; nothing shows the pupil's name or a record's own text. A document
    that fails validation is reported and left out, and the exit code is 1;
    the calendar is then not written.

    \b
    Examples:
      docgen case status sak.yaml kvittering.yaml plan.yaml
      docgen case status sak.yaml plan.yaml --ics sak.ics
      docgen case status sak.yaml plan.yaml --json --today 2027-01-04
    """
    from .. import timeline
    from ..casefile import check, load
    from ..errors import OutputError
    from ..i18n import translate
    from ..languages import language
    from ..output import write_file
    from ..profile import load_profile

    profile = load_profile(profile_path)
    speak(profile.language if profile else None)
    source = load(casefile)
    if isinstance(source.data.get("lang"), str):
        speak(source.data["lang"])
    case_file = check(source, str(casefile))
    lang = timeline.case_language(case_file, profile)
    speak(lang)
    filed, failed = _documents(documents, casefile, case_file, profile, lang)
    day = today.date() if today else dt.date.today()
    events = timeline.build(case_file, filed, day, profile, lang)
    reference = case_file.reference

    if language(lang).country == "NO" and case_file.concern.rector_informed_date is None:
        _warn(f"{casefile}: concern.rector_informed_date: "
              + translate("missing: without the day the rector was told, the earliest day for the Statsforvalter "
                          "cannot be given", lang))
    if ics_path is not None:
        if failed:
            _warn(translate("the calendar file was not written because a document was left out; fix it and run "
                            "again", lang))
        else:
            if ics_path.is_dir():
                raise OutputError(f"{ics_path}: is a folder; give a file name ending in .ics")
            if not reference:
                _warn(f"{casefile}: reference: " + translate(
                    "missing: without a reference, the calendar entries of two cases replace each other; give "
                    "the case its reference", lang))
            write_file(timeline.as_ics(events, reference, day), ics_path, force=force)
            click.echo(f"docgen: wrote {ics_path}", err=True)

    if as_json:
        click.echo(timeline.as_json(events), nl=False)
    else:
        for line in timeline.as_table(events, lang, reference, day).splitlines():
            click.echo(click.style(line, fg="red", bold=True) if line.startswith("!") else line)
    if failed:
        count = failed
        words = ("1 document was left out; its dates are not in the timeline" if count == 1 else
                 f"{count} documents were left out; their dates are not in the timeline")
        click.echo(f"docgen: error: {translate(words, lang)}", err=True)
        sys.exit(EXIT_FAIL)


def _documents(paths: tuple[str, ...], casefile: Path, case_file: CaseFile, profile: Profile | None,
               lang: str) -> tuple[list[Filed], int]:
    """The documents that validate, and how many were left out (each reported on stderr)."""
    from ..doctypes import DOCTYPES
    from ..errors import DocgenError, Issue
    from ..i18n import translate_lines
    from ..models.common import CaseDocument
    from ..records import validate
    from ..sources import read
    from ..timeline import CASE_TYPES, Filed

    filed: list[Filed] = []
    failed = 0
    for path in paths:
        try:
            data, source = _read(path)
            record = read(data, source).data
            kind = record.get("type")
            if isinstance(kind, str) and kind in DOCTYPES and kind not in CASE_TYPES:
                _print_issues(source, [Issue("type", f"'{kind}' is not a document of one case; left out")], lang)
                failed += 1
                continue
            # A document without its own case (inline or named) takes CASEFILE.
            own_case = record.get("case") is not None
            report = validate(data, source=source, profile=profile, case=None if own_case else casefile)
        except DocgenError as exc:
            _say(f"docgen: error: {translate_lines(str(exc), lang)}")
            failed += 1
            continue
        if not report.ok or report.document is None:
            _print_issues(source, report.errors, lang)
            failed += 1
            continue
        document = report.document
        if not isinstance(document, CaseDocument):  # pragma: no cover - CASE_TYPES are case documents
            failed += 1
            continue
        theirs, ours = document.case.reference, case_file.reference
        if theirs and ours and theirs.strip() != ours.strip():
            _print_issues(source, [Issue("case.reference", "the document belongs to another case: its reference "
                                                           "is not the case file's; left out")], lang)
            failed += 1
            continue
        filed.append(Filed(Path(path).name if path != "-" else None, document))
    return filed, failed
