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
