"""Working days for public notices: weekends are excluded.

Public holidays and the make-up working days of the national calendar are not modelled yet: a
notice that spans a holiday should be extended by the committee (a deadline may be extended,
never shortened).
"""

from __future__ import annotations

import datetime


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
