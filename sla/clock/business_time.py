"""Business time: open time between two moments, due moments, and the open stretches."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sla.clock.days import ONE_DAY, RESOLUTION, Span, days_with_hours, utc_hours
from sla.clock.open_time import EPOCH, ZERO, NotEnoughOpenTime, utc_carrier
from sla.clock.schedule import Schedule


def open_intervals(schedule: Schedule, start: datetime, end: datetime) -> Iterator[Span]:
    """Yield the open stretches of [start, end), clipped to it, in the schedule's zone.

    Subtract a pair only after .astimezone(UTC): Python subtracts two datetimes that
    share a tzinfo by wall clock, which is wrong across a DST change.
    """
    start_utc, end_utc = _to_utc(start, "start"), _to_utc(end, "end")
    tz = schedule.tz
    return (
        (opens.astimezone(tz), closes.astimezone(tz))
        for opens, closes in _utc_spans(schedule, start_utc, end_utc)
    )


def add_business_time(schedule: Schedule, start: datetime, delta: timedelta) -> datetime:
    """The moment when `delta` of open time has passed since `start`, in start's tzinfo."""
    try:
        start_at = start - EPOCH
    except TypeError:
        _to_utc(start, "start")
        raise
    if delta <= ZERO:
        raise ValueError(f"delta must be positive, got {delta!r}")
    try:
        due_at = schedule._open_time.reach(schedule, start_at, delta)
    except NotEnoughOpenTime as shortage:
        raise ValueError(
            f"the schedule has only {shortage.available} of open time after "
            f"{start.isoformat()}, {delta} was asked"
        ) from None
    zone = start.tzinfo
    return zone.fromutc(utc_carrier(zone) + due_at)  # .astimezone(zone), for less


def business_time_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Open time within [start, end); zero when end is not after start."""
    try:
        # Subtracting an aware datetime in another zone goes through UTC, DST included.
        start_at, end_at = start - EPOCH, end - EPOCH
    except TypeError:  # a naive moment: say which
        _to_utc(start, "start")
        _to_utc(end, "end")
        raise
    if end_at <= start_at:
        return ZERO
    open_time = schedule._open_time
    return open_time.before(schedule, end_at) - open_time.before(schedule, start_at)


def is_open(schedule: Schedule, moment: datetime) -> bool:
    """Whether the schedule is open at `moment` (open at opening, closed at closing)."""
    moment_utc = _to_utc(moment, "moment")
    return any(_utc_spans(schedule, moment_utc, moment_utc + RESOLUTION))


def next_opening(schedule: Schedule, moment: datetime) -> datetime:
    """The first open instant at or after `moment` (moment itself if open), in its tzinfo."""
    moment_utc = _to_utc(moment, "moment")
    first_span = next(_utc_spans(schedule, moment_utc), None)
    if first_span is None:
        raise ValueError(f"the schedule has no open time after {moment.isoformat()}")
    return first_span[0].astimezone(moment.tzinfo)


def _to_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment!r}")
    # All arithmetic happens in UTC: aware datetimes sharing a tzinfo add and
    # subtract by wall clock, which miscounts across DST changes.
    return moment.astimezone(UTC)


def _utc_spans(schedule: Schedule, start: datetime, end: datetime | None = None) -> Iterator[Span]:
    """Open spans in UTC from `start` (to `end`), clipped, in order."""
    if end is not None and end <= start:
        return
    first = start.astimezone(schedule.tz).date()
    # One day past the end: a midnight that occurs twice can put the first
    # hours of the next day before `end`.
    last = None if end is None else end.astimezone(schedule.tz).date() + ONE_DAY
    for day in days_with_hours(schedule, first, last):
        for opens, closes in utc_hours(schedule, day):
            if end is not None and opens >= end:
                return
            if closes > start:
                yield max(opens, start), closes if end is None else min(closes, end)
