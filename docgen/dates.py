"""Dates as Norwegian and Danish letters write them, and working-day arithmetic.

Month and weekday names come from CLDR through Babel, always with an explicit
locale: the process locale of a server says nothing about the reader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from .languages import Language, language

__all__ = [
    "long_date",
    "weekday_date",
    "date_time",
    "weekday_date_time",
    "month_year",
    "month_name",
    "short_date",
    "add_working_days",
    "working_days_between",
    "is_working_day",
]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _local(value: dt.datetime, lang: Language) -> dt.datetime:
    """Aware times are shown in the country's zone; naive ones are already local."""
    if value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(lang.timezone))


@lru_cache(maxsize=4096)
def long_date(value: dt.date | dt.datetime, lang: str) -> str:
    """'22. november 2026'."""
    return format_date(_as_date(value), "long", locale=language(lang).babel)


@lru_cache(maxsize=4096)
def weekday_date(value: dt.date | dt.datetime, lang: str) -> str:
    """'søndag 22. november 2026' (nb, nn), 'søndag den 22. november 2026' (da)."""
    return format_date(_as_date(value), "full", locale=language(lang).babel)


@lru_cache(maxsize=4096)
def short_date(value: dt.date | dt.datetime, lang: str) -> str:
    """'22.11.2026', for tables where a long date does not fit."""
    return format_date(_as_date(value), "short", locale=language(lang).babel)


def time_of_day(value: dt.datetime | dt.time, lang: str) -> str:
    """'kl. 14:00' (nb, nn), 'kl. 14.00' (da)."""
    info = language(lang)
    if isinstance(value, dt.datetime):
        value = _local(value, info)
    return f"kl. {format_time(value, 'short', locale=info.babel)}"


def date_time(value: dt.datetime, lang: str) -> str:
    """'25. november 2026 kl. 14:00'."""
    info = language(lang)
    value = _local(value, info)
    return f"{long_date(value, lang)} {time_of_day(value, lang)}"


def weekday_date_time(value: dt.datetime, lang: str) -> str:
    """'onsdag 25. november 2026 kl. 14:00'."""
    info = language(lang)
    value = _local(value, info)
    return f"{weekday_date(value, lang)} {time_of_day(value, lang)}"


@lru_cache(maxsize=4096)
def month_year(value: dt.date | dt.datetime, lang: str) -> str:
    """'maj 2025', as in 'revideret maj 2025'."""
    return format_date(_as_date(value), "LLLL y", locale=language(lang).babel)


@lru_cache(maxsize=64)
def month_name(month: int, lang: str) -> str:
    """'januar' for 1: the month on its own, as in an annual wheel."""
    from babel.dates import get_month_names

    return get_month_names("wide", context="stand-alone", locale=language(lang).babel)[month]


@lru_cache(maxsize=1)
def _table() -> dict:
    """Holidays for the years around now, generated from the `holidays` package (tools/build_holidays.py)."""
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).parent / "holidays.json").read_text(encoding="utf-8"))
    return {
        "years": range(data["first_year"], data["last_year"] + 1),
        **{country: frozenset(dt.date.fromisoformat(d) for d in days) for country, days in data["countries"].items()},
    }


@lru_cache(maxsize=8)
def _library(country: str) -> Any:
    import holidays

    return holidays.country_holidays(country)


def is_holiday(day: dt.date, country: str) -> bool:
    """A public holiday in `country` ('DK' or 'NO'), as the `holidays` package knows them."""
    table = _table()
    if day.year in table["years"] and country in table:
        return day in table[country]
    return day in _library(country)


def is_working_day(day: dt.date, country: str) -> bool:
    """Monday to Friday and not a public holiday in `country`."""
    return day.weekday() < 5 and not is_holiday(day, country)


def add_working_days(
    start: dt.date, days: int, country: str, closed: Sequence[tuple[dt.date, dt.date]] = ()
) -> dt.date:
    """The date `days` working days after `start` (the start day itself is day 0).

    `closed` adds periods (first, last) that do not count either: a school's holidays."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = _as_date(start)
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current, country) and not any(first <= current <= last for first, last in closed):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date, country: str) -> int:
    """How many working days lie after `start` up to and including `end`."""
    start, end = _as_date(start), _as_date(end)
    if end <= start:
        return 0
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_working_day(current, country)
    return count
