"""The per-day conversion: a schedule's wall-clock hours on a date as UTC instants.

Both ways of reading a schedule start here: the walk (open_intervals, is_open,
next_opening) and the prefix sums of open_time.
"""

from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sla.clock.schedule import Schedule

type Interval = tuple[time, time]
type Hours = tuple[Interval, ...]
type Span = tuple[datetime, datetime]

MIDNIGHT = time(0, 0)
ONE_DAY = timedelta(days=1)
RESOLUTION = timedelta(microseconds=1)


def days_with_hours(schedule: "Schedule", first: date, last: date | None) -> Iterator[date]:
    """Dates from `first` (to `last`) with open hours; ends when no such date remains."""
    if not any(schedule._by_weekday):
        # Only special days are ever open: jump between them instead of walking
        # day by day towards a date that may never come.
        specials = schedule._open_special_days
        for day in specials[bisect_left(specials, first) :]:
            if last is not None and day > last:
                return
            yield day
        return
    # Some weekday is open and holidays are finite, so open days keep coming.
    day = first
    while last is None or day <= last:
        if schedule.hours_on(day):
            yield day
        if day == date.max:
            return
        day += ONE_DAY


# Localising wall times is most of the cost of the walk (open_intervals, is_open,
# next_opening), which keeps asking about the same few weeks; the bound keeps memory flat
# (a year of days for a couple dozen schedules). The prefix sums call it uncached
# (__wrapped__): they convert each day once.
@lru_cache(maxsize=8192)
def utc_hours(schedule: "Schedule", day: date) -> tuple[Span, ...]:
    """The open hours of `day` as UTC instants, dropping any a DST jump swallowed."""
    spans = []
    for opens, closes in schedule.hours_on(day):
        opens_utc = _wall_to_utc(datetime.combine(day, opens), schedule.tz)
        closing_day = day + ONE_DAY if closes == MIDNIGHT else day
        closes_utc = _wall_to_utc(datetime.combine(closing_day, closes), schedule.tz)
        if opens_utc < closes_utc:
            spans.append((opens_utc, closes_utc))
    return tuple(spans)


def _wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant whose wall clock in `tz` reads `wall` or later."""
    instant = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: first occurrence
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    # `wall` fell into a DST gap. With fold=1 zoneinfo reads it with the offset in
    # force after the jump, which lands before the jump; fold=0 lands after it.
    return _find_jump(wall.replace(tzinfo=tz, fold=1).astimezone(UTC), instant, tz)


def _find_jump(before: datetime, after: datetime, tz: ZoneInfo) -> datetime:
    """The instant in (before, after] where tz's offset changes (bisection)."""
    offset_before = before.astimezone(tz).utcoffset()
    while after - before > RESOLUTION:
        middle = before + (after - before) // 2
        if middle.astimezone(tz).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return after
