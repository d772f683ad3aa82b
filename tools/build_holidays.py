#!/usr/bin/env python3
"""Write docgen/holidays.json: Norwegian and Danish public holidays from the `holidays` package.

docgen asks `holidays` for dates outside this table. The table exists only
because importing `holidays` loads every country it knows (~150 ms), which a
single `docgen render` would otherwise pay. A test fails when the table and
the installed `holidays` disagree; then run `make holidays` and commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import holidays

TARGET = Path(__file__).resolve().parent.parent / "docgen" / "holidays.json"
COUNTRIES = ("NO", "DK")
FIRST, LAST = 2020, 2045


def table() -> dict:
    return {
        "source": f"holidays {holidays.__version__}",
        "first_year": FIRST,
        "last_year": LAST,
        "countries": {
            country: sorted(d.isoformat() for d in holidays.country_holidays(country, years=range(FIRST, LAST + 1)))
            for country in COUNTRIES
        },
    }


def text() -> str:
    return json.dumps(table(), indent=1) + "\n"


if __name__ == "__main__":
    TARGET.write_text(text(), encoding="utf-8")
    print(f"wrote {TARGET}")
