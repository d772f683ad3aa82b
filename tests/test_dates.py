"""Dates as letters write them (CLDR through Babel) and working days with national holidays."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from docgen import dates

SUNDAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    "lang, long, full",
    [
        ("nb", "22. november 2026", "søndag 22. november 2026"),
        ("nn", "22. november 2026", "søndag 22. november 2026"),
        ("da", "22. november 2026", "søndag den 22. november 2026"),
    ],
)
def test_long_dates(lang: str, long: str, full: str) -> None:
    assert dates.long_date(SUNDAY, lang) == long
    assert dates.weekday_date(SUNDAY, lang) == full


def test_times_use_kl() -> None:
    meeting = dt.datetime(2026, 11, 25, 14, 0)
    assert dates.date_time(meeting, "nb") == "25. november 2026 kl. 14:00"
    assert dates.date_time(meeting, "da") == "25. november 2026 kl. 14.00"
    assert dates.weekday_date_time(meeting, "da") == "onsdag den 25. november 2026 kl. 14.00"


def test_aware_times_are_shown_in_the_countrys_zone() -> None:
    utc = dt.datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert dates.time_of_day(utc, "nb") == "kl. 14:00"
    assert dates.time_of_day(utc, "da") == "kl. 14.00"


def test_month_year() -> None:
    assert dates.month_year(dt.date(2025, 5, 14), "da") == "maj 2025"
    assert dates.month_year(dt.date(2025, 5, 14), "nb") == "mai 2025"


def test_process_locale_does_not_matter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert dates.long_date(SUNDAY, "da") == "22. november 2026"


def test_working_days_skip_weekends_and_danish_holidays() -> None:
    # Friday 18 Dec 2026: Christmas Day, Boxing Day and New Year's Day fall inside.
    assert dates.add_working_days(dt.date(2026, 12, 18), 10, "DK") == dt.date(2027, 1, 5)
    # Easter 2026: Maundy Thursday 2 April to Easter Monday 6 April.
    assert dates.add_working_days(dt.date(2026, 3, 30), 10, "DK") == dt.date(2026, 4, 16)
    assert dates.add_working_days(dt.date(2026, 11, 23), 10, "DK") == dt.date(2026, 12, 7)


def test_norwegian_holidays_differ() -> None:
    # 17 May 2028 is a Wednesday: Constitution Day in Norway, a working day in Denmark.
    assert not dates.is_working_day(dt.date(2028, 5, 17), "NO")
    assert dates.is_working_day(dt.date(2028, 5, 17), "DK")


def test_working_days_between() -> None:
    assert dates.working_days_between(dt.date(2026, 12, 18), dt.date(2027, 1, 5), "DK") == 10
    assert dates.working_days_between(dt.date(2026, 12, 18), dt.date(2026, 12, 18), "DK") == 0


def test_holiday_table_matches_the_holidays_package() -> None:
    """docgen/holidays.json is a start-up shortcut; it must say what `holidays` says."""
    import importlib.util

    import holidays

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("build_holidays", ROOT / "tools" / "build_holidays.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = json.loads((Path(dates.__file__).parent / "holidays.json").read_text(encoding="utf-8"))
    fresh = module.table()
    assert shipped["countries"] == fresh["countries"], "run `make holidays` and commit docgen/holidays.json"
    # Outside the table, the library answers.
    assert not dates.is_working_day(dt.date(2060, 12, 25), "DK")
    assert dates.is_holiday(dt.date(2060, 5, 17), "NO") == (dt.date(2060, 5, 17) in holidays.country_holidays("NO", years=2060))


# Danish handleplan deadlines, 10 working days after the day the school first knew, counted by hand
# from the Danish calendar (public holidays: Skærtorsdag, Langfredag, 2. påskedag, Kr. Himmelfartsdag,
# 2. pinsedag, 1./2. juledag, nytårsdag; Grundlovsdag, 24/12 and 31/12 are ordinary working days in
# the law's count; Store Bededag is gone from 2024). `closed` is a school's own holidays.
SUMMER_2027 = (dt.date(2027, 6, 26), dt.date(2027, 8, 8))
CHRISTMAS_2026 = (dt.date(2026, 12, 19), dt.date(2027, 1, 3))
DANISH_DEADLINES = [
    # (first known, closed periods, deadline)
    ("2025-04-14", (), "2025-05-01"),  # Easter 2025: 17, 18 and 21 April do not count
    ("2025-05-26", (), "2025-06-11"),  # Ascension 29 May, Grundlovsdag counts, Whit Monday 9 June
    ("2025-12-19", (), "2026-01-07"),  # Christmas: 24 and 31 December count, 25, 26 and 1 January do not
    ("2026-03-30", (), "2026-04-16"),  # Easter 2026
    ("2026-05-11", (), "2026-05-27"),  # Ascension 14 May and Whit Monday 25 May 2026
    ("2027-03-22", (), "2027-04-08"),  # Easter 2027
    ("2027-12-20", (), "2028-01-03"),  # Christmas 2027 on a weekend; New Year's Day 2028 a Saturday
    ("2028-05-22", (), "2028-06-07"),  # Ascension 25 May 2028, then Whit Monday = Grundlovsdag 5 June
    ("2028-05-29", (), "2028-06-13"),  # Whit Monday 5 June 2028
    ("2027-06-21", (), "2027-07-05"),  # the law's count runs through the summer holiday …
    ("2027-06-21", (SUMMER_2027,), "2027-08-16"),  # … the school's count skips its closing days
    ("2026-12-14", (), "2026-12-29"),
    ("2026-12-14", (CHRISTMAS_2026,), "2027-01-11"),
]


@pytest.mark.parametrize("start, closed, deadline", DANISH_DEADLINES)
def test_danish_deadline_table(start: str, closed: tuple, deadline: str) -> None:
    got = dates.add_working_days(dt.date.fromisoformat(start), 10, "DK", closed)
    assert got == dt.date.fromisoformat(deadline)
