"""The Jinja environment templates run in: the sandbox, the filters, and how each value prints.

`finalize` decides how every `{{ value }}` prints, so None, Undefined and
Python reprs never reach a document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import StrictUndefined, pass_context
from jinja2.exceptions import TemplateRuntimeError
from jinja2.runtime import Context
from markupsafe import Markup, escape, soft_str

from .. import dates
from ..languages import LANGUAGES, Language
from ..text import to_docx_text
from .sandbox import BOUND_FILTERS, Sandbox, capped_filter, counted_range, printable_text


def _language(ctx: Context) -> Language:
    found = LANGUAGES.get(ctx.get("lang") or "")
    if found is None:
        raise TemplateRuntimeError("the template context has no language")
    return found


@pass_context
def _finalize(ctx: Context, value: Any) -> Any:
    """How each `{{ value }}` prints."""
    if type(value) is str:  # most values: checked first
        return to_docx_text(value)
    if value is None:
        return ""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        lang = _language(ctx)
        return lang.yes if value else lang.no
    if isinstance(value, str):
        return to_docx_text(value)
    if isinstance(value, dt.datetime):
        return dates.date_time(value, _language(ctx).code)
    if isinstance(value, dt.date):
        return dates.long_date(value, _language(ctx).code)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        from babel.numbers import format_decimal

        return format_decimal(value, locale=_language(ctx).babel)
    if isinstance(value, (Mapping, list, tuple)):
        raise TemplateRuntimeError(
            "a whole group of fields or a list cannot be printed; print one field (such as .name) "
            "or loop over the list with {%p for ... %}"
        )
    raise TemplateRuntimeError(f"a value of kind '{type(value).__name__}' cannot be printed")


def _date_filter(fn: Callable[[Any, str], str]) -> Callable[..., str]:
    @pass_context
    def apply(ctx: Context, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, (dt.date, dt.time)):
            raise TemplateRuntimeError(f"the filter {fn.__name__} needs a date, not {type(value).__name__}")
        return fn(value, _language(ctx).code)

    apply.__name__ = fn.__name__
    return apply


def _capfirst(value: Any) -> str:
    """Upper-case the first letter only; Jinja's `capitalize` would lower-case the rest of a name."""
    if value is None:
        return ""
    text = str(value)
    return text[:1].upper() + text[1:]


def _person(value: Any) -> str:
    """'Kari Berg, kontaktlærer' from a staff member or guardian."""
    if value is None:
        return ""
    if not isinstance(value, Mapping) or "name" not in value:
        raise TemplateRuntimeError("the filter person needs a person (with a name)")
    title = value.get("title") or value.get("relation")
    return f"{value['name']}, {title}" if title else str(value["name"])


@pass_context
def _and_list(ctx: Context, value: Any) -> str:
    """'Ida, foresatte og kontaktlærer': a list joined as the language writes it."""
    if value is None:
        return ""
    if isinstance(value, (str, Mapping)) or not hasattr(value, "__iter__"):
        raise TemplateRuntimeError("and_list needs a list of words or names")
    items = [str(_finalize(ctx, item)) for item in value]
    items = [item for item in items if item]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_language(ctx).and_word} {items[-1]}"


@pass_context
def _month_name(ctx: Context, value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 12:
        raise TemplateRuntimeError("month_name needs a month number from 1 to 12")
    return dates.month_name(value, _language(ctx).code)


@pass_context
def _add_working_days(ctx: Context, value: Any, days: int) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, dt.date) or not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise TemplateRuntimeError("add_working_days needs a date and a whole number of days, 0 or more")
    return dates.add_working_days(value, days, _language(ctx).country)


def _string(value: Any) -> Any:
    """`|string`: text, numbers and dates as text; never a Python repr (a class name, an address)."""
    return soft_str(printable_text(value, "turned into text"))


def _escape(value: Any) -> Markup:
    """`|e`/`|escape`: as Jinja's, but never of a Python repr."""
    return escape(printable_text(value, "turned into text"))


# Gone: filters that could print raw XML, or that only cost CPU in a Word document.
_REMOVED_FILTERS = ("safe", "forceescape", "pprint", "xmlattr", "urlize", "filesizeformat", "wordwrap", "center",
                    "indent")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = Sandbox(autoescape=True, undefined=StrictUndefined, finalize=_finalize, auto_reload=False)
    for name in _REMOVED_FILTERS:
        env.filters.pop(name, None)
    env.globals.pop("lipsum", None)
    env.globals["range"] = counted_range
    env.filters.update(string=_string, e=_escape, escape=_escape)
    env.filters.update(
        {name: capped_filter(fn) for name, fn in env.filters.items() if name not in ("length", "count")}
    )
    env.filters.update(
        long_date=_date_filter(dates.long_date),
        weekday_date=_date_filter(dates.weekday_date),
        short_date=_date_filter(dates.short_date),
        date_time=_date_filter(dates.date_time),
        weekday_date_time=_date_filter(dates.weekday_date_time),
        time=_date_filter(dates.time_of_day),
        month_year=_date_filter(dates.month_year),
        month_name=_month_name,
        person=_person,
        capfirst=_capfirst,
        and_list=_and_list,
        add_working_days=_add_working_days,
    )
    env.filters.update(BOUND_FILTERS)  # what the compiler wraps loops and literals in
    return env


FILTERS_HELP = {
    "long_date": "22. november 2026",
    "weekday_date": "søndag 22. november 2026 / søndag den 22. november 2026",
    "short_date": "22.11.2026",
    "date_time": "25. november 2026 kl. 14:00",
    "weekday_date_time": "onsdag 25. november 2026 kl. 14:00",
    "time": "kl. 14:00 (da: kl. 14.00)",
    "month_year": "maj 2025",
    "month_name": "januar (from a month number 1–12)",
    "person": "Kari Berg, kontaktlærer",
    "capfirst": "E-post (first letter only; capitalize would lower-case the rest)",
    "and_list": "Ida, foresatte og kontaktlærer (a list joined with commas and 'og')",
    "add_working_days(n)": "the date n working days later (national holidays excluded)",
}
