"""Working-day calendars built from the `holidays` package's production calendars.

No Django and no I/O: the package computes its dates in memory.
"""

from collections.abc import Iterable
from datetime import date

import holidays

from sla.clock import WorkingDayCalendar


def russian_calendar(
    years: Iterable[int],
    *,
    extra_days_off: Iterable[date] = (),
    extra_working_days: Iterable[date] = (),
) -> WorkingDayCalendar:
    """The Russian production calendar for `years`, with manual overrides winning."""
    years = sorted(set(years))
    if not years:
        raise ValueError("years must name at least one year")
    extra_days_off, extra_working_days = frozenset(extra_days_off), frozenset(extra_working_days)
    if clash := extra_days_off & extra_working_days:
        raise ValueError(f"dates both in extra_days_off and extra_working_days: {sorted(clash)}")
    official = holidays.country_holidays("RU", years=years)
    # The package lists every public holiday and transferred day off (some fall
    # on weekends, which is harmless) and, in `weekend_workdays`, the Saturdays
    # and Sundays that a government decree turned into working days.
    days_off = (frozenset(official) - extra_working_days) | extra_days_off
    working_days = (frozenset(official.weekend_workdays) - extra_days_off) | extra_working_days
    return WorkingDayCalendar(
        weekend=frozenset(official.weekend),
        days_off=days_off,
        working_days=working_days,
    )
