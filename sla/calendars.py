"""The working-day calendar in force: the Russian production calendar plus manual overrides."""

from datetime import date
from functools import lru_cache

from sla.clock import WorkingDayCalendar
from sla.working_days import russian_calendar


@lru_cache(maxsize=16)
def _base(years: tuple[int, ...], days_off: frozenset, working_days: frozenset):
    return russian_calendar(years, extra_days_off=days_off, extra_working_days=working_days)


def working_day_calendar(around: date) -> WorkingDayCalendar:
    """The calendar for counting working days near `around` (one query for the overrides)."""
    from sla.models import WorkingDayOverride

    years = tuple(range(around.year - 1, around.year + 3))
    overrides = WorkingDayOverride.objects.filter(
        date__year__gte=years[0], date__year__lte=years[-1]
    ).values_list("date", "is_working_day")
    days_off = frozenset(day for day, working in overrides if not working)
    working = frozenset(day for day, is_working in overrides if is_working)
    return _base(years, days_off, working)
