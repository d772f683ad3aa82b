"""The `docgen` command: a thin layer over the Python API.

Only click is imported at start-up; each command imports what it needs, so
`docgen --help` stays fast. Every failure is one message on stderr and exit 1
(2 for a usage error); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ..formats import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from ..errors import Issue

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

EPILOG = """\b
Exit codes: 0 ok, 1 bad input or a failed render, 2 wrong use of the command.
Start a case with `docgen new case -o sak.case.yaml`, then each document with
`docgen new TYPE --case sak.case.yaml -o doc.yaml`; fill in every «…», then
`docgen render doc.yaml -o doc.docx`. `docgen example TYPE` shows a finished one.
"""


class DocgenGroup(click.Group):
    """Turns docgen's own errors into one clear line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import DocgenError

        try:
            return super().invoke(ctx)
        except DocgenError as exc:
            if ctx.meta.get("docgen.debug"):
                raise
            from ..i18n import translate_lines

            _fail(translate_lines(str(exc), ctx.meta.get("docgen.lang")))
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
    _say(f"docgen: error: {message}")
    sys.exit(EXIT_FAIL)


def _warn(message: str) -> None:
    _say(f"docgen: warning: {message}")


def _say(line: str, err: bool = True) -> None:
    """One message to the terminal (stderr unless `err` is False), control characters written out:
    whatever a record or a file name holds, nothing reaches the terminal as a command."""
    from ..messages import printable

    click.echo(printable(line), err=err)


@click.group(cls=DocgenGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="docgen", prog_name="docgen")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn validated case records (YAML or JSON) into the Word documents
    Norwegian and Danish schools must write when a pupil is not safe at school.

    Each record names its document "type" and language ("lang": nb Bokmål,
    nn Nynorsk, da Danish); a case's documents share one case file. Records
    are checked before anything is written; errors name the field (and the
    line), e.g. line 42, measures[2].evaluation_date.
    """
    ctx.meta["docgen.debug"] = debug


F = TypeVar("F", bound=Callable[..., Any])

_PROFILE_HELP = ("The school profile (TOML): school facts, logo, signature, custom fields, template folder. "
                 "Default: $DOCGEN_PROFILE, else the profile.toml in your docgen config folder if it exists.")


def profile_option(fn: F) -> F:
    return click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help=_PROFILE_HELP)(fn)


def case_option(fn: F) -> F:
    return click.option(
        "--case", "case_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="The case file (YAML or JSON: pupil, guardians, concern, reference) for records that do not "
             "carry or name their own; start one with `docgen new case`.",
    )(fn)


def templates_option(fn: F) -> F:
    return click.option("--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="A folder of the school's templates (DIR/<lang>/<type>.docx), searched "
                                           "before the built-in ones. Also DOCGEN_TEMPLATES.")(fn)


def archive_copy_option(fn: F) -> F:
    return click.option("--archive-copy", is_flag=True,
                        help="best_interest only: leave out the internal-notes column (the copy for the "
                             "pupil's file).")(fn)


def translate_option(fn: F) -> F:
    return click.option("--translate", is_flag=True,
                        help="Allow --lang to differ from the record's own \"lang\": only when the record's text "
                             "is already in that language (nb and nn are different written standards).")(fn)


def pdf_timeout_option(fn: F) -> F:
    return click.option("--pdf-timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
                        help="Seconds LibreOffice may take per document before it is stopped.")(fn)


def speak(lang: str | None) -> None:
    """Say messages from here on in `lang` (the record's or the school profile's language)."""
    if lang:
        click.get_current_context().meta["docgen.lang"] = lang


def _print_issues(source: str, issues: list[Issue], lang: str | None = None) -> None:
    from ..i18n import translate_issue

    for issue in issues:
        _say(f"docgen: {issue.severity}: {source}: {translate_issue(str(issue), lang)}")


def _read(path: str) -> tuple[bytes, str]:
    """The bytes of INPUT ('-' is standard input) and a name for messages."""
    from ..errors import InputError

    if path == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    p = Path(path)
    try:
        return p.read_bytes(), path
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a record (a JSON or YAML file)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({(exc.strerror or str(exc)).lower()})") from None


# The commands register themselves on `cli` when their modules are imported.
from . import case, documents, new, reference, serve, templates  # noqa: E402, F401


def main() -> None:
    cli(prog_name="docgen")
