"""Business-time arithmetic for SLA clocks: open hours, holidays and working days.

Pure: no Django, no database and never the current time. Callers pass the moments
and the calendar, so every answer is deterministic and a Schedule can be a cache key.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

type Interval = tuple[time, time]
type Hours = tuple[Interval, ...]
type Span = tuple[datetime, datetime]

MIDNIGHT = time(0, 0)
_ONE_DAY = timedelta(days=1)
_FULL_DAY = timedelta(hours=24)
_RESOLUTION = timedelta(microseconds=1)
_WEEKDAYS = range(7)


class _FrozenMapping[K, V](Mapping[K, V]):
    """A read-only, hashable mapping, so a Schedule can be an lru_cache key."""

    __slots__ = ("_data", "_hash")

    def __init__(self, items: Iterable[tuple[K, V]] = ()) -> None:
        self._data = dict(items)
        self._hash = hash(frozenset(self._data.items()))

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key, default=None):
        """The value for `key`, or `default` (without Mapping's raise-and-catch)."""
        return self._data.get(key, default)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return repr(self._data)


@dataclass(frozen=True)
class Schedule:
    """Open hours of a week in one time zone, with closed holidays and special days.

    Hours are sorted, non-overlapping (opens, closes) wall-clock pairs. A closing time
    of 00:00 means the midnight that ends the day, so (00:00, 00:00) is open all day.
    A weekday missing from `weekly` is closed. A date in `special_days` has its own
    hours (an empty tuple closes it) and wins over both `holidays` and `weekly`.
    A wall time that a DST jump skips stands for the jump itself; a wall time that
    occurs twice stands for its first occurrence.
    """

    weekly: Mapping[int, Hours]
    tz: ZoneInfo
    holidays: frozenset[date] = frozenset()
    special_days: Mapping[date, Hours] = _FrozenMapping()
    _by_weekday: tuple[Hours, ...] = field(init=False, repr=False, compare=False)
    _open_special_days: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tz, ZoneInfo):
            raise ValueError(f"tz must be a zoneinfo.ZoneInfo, got {self.tz!r}")
        weekly = _FrozenMapping(
            (_checked_weekday(weekday), _checked_hours(hours, f"weekday {weekday}"))
            for weekday, hours in self.weekly.items()
        )
        special_days = _FrozenMapping(
            (_checked_date(day, "special_days"), _checked_hours(hours, f"special day {day}"))
            for day, hours in self.special_days.items()
        )
        holidays = frozenset(_checked_date(day, "holidays") for day in self.holidays)
        self._set("weekly", weekly)
        self._set("special_days", special_days)
        self._set("holidays", holidays)
        self._set("_by_weekday", tuple(weekly.get(weekday, ()) for weekday in _WEEKDAYS))
        self._set("_open_special_days", tuple(sorted(d for d, h in special_days.items() if h)))

    def _set(self, name: str, value: object) -> None:
        # The dataclass is frozen; normalising its own fields once is the exception.
        object.__setattr__(self, name, value)

    @classmethod
    def default(cls) -> "Schedule":
        """Support hours: Mon-Fri 09:00-21:00, Sat-Sun 10:00-20:00, Moscow time."""
        weekdays = ((time(9), time(21)),)
        weekend = ((time(10), time(20)),)
        weekly = {weekday: weekdays if weekday < 5 else weekend for weekday in _WEEKDAYS}
        return cls(weekly=weekly, tz=ZoneInfo("Europe/Moscow"))

    def hours_on(self, day: date) -> Hours:
        """The wall-clock open hours of one calendar day."""
        special = self.special_days.get(day)
        if special is not None:
            return special
        if day in self.holidays:
            return ()
        return self._by_weekday[day.weekday()]


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
    start_utc = _to_utc(start, "start")
    if delta <= timedelta(0):
        raise ValueError(f"delta must be positive, got {delta!r}")
    remaining = delta
    for opens, closes in _utc_spans(schedule, start_utc):
        # `<=` so that a target ending exactly at closing time is due at closing,
        # not at the next opening.
        if remaining <= closes - opens:
            return (opens + remaining).astimezone(start.tzinfo)
        remaining -= closes - opens
    raise ValueError(
        f"the schedule has only {delta - remaining} of open time after "
        f"{start.isoformat()}, {delta} was asked"
    )


def business_time_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Open time within [start, end); zero when end is not after start."""
    start_utc, end_utc = _to_utc(start, "start"), _to_utc(end, "end")
    return sum(
        (closes - opens for opens, closes in _utc_spans(schedule, start_utc, end_utc)),
        timedelta(0),
    )


def is_open(schedule: Schedule, moment: datetime) -> bool:
    """Whether the schedule is open at `moment` (open at opening, closed at closing)."""
    moment_utc = _to_utc(moment, "moment")
    return any(_utc_spans(schedule, moment_utc, moment_utc + _RESOLUTION))


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
    last = None if end is None else end.astimezone(schedule.tz).date() + _ONE_DAY
    for day in _days_with_hours(schedule, first, last):
        for opens, closes in _utc_hours(schedule, day):
            if end is not None and opens >= end:
                return
            if closes > start:
                yield max(opens, start), closes if end is None else min(closes, end)


def _days_with_hours(schedule: Schedule, first: date, last: date | None) -> Iterator[date]:
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
        day += _ONE_DAY


# Localising wall times is most of the cost and SLA work keeps asking about the same
# few weeks; the bound keeps memory flat (a year of days for a couple dozen schedules).
@lru_cache(maxsize=8192)
def _utc_hours(schedule: Schedule, day: date) -> tuple[Span, ...]:
    """The open hours of `day` as UTC instants, dropping any a DST jump swallowed."""
    spans = []
    for opens, closes in schedule.hours_on(day):
        opens_utc = _wall_to_utc(datetime.combine(day, opens), schedule.tz)
        closing_day = day + _ONE_DAY if closes == MIDNIGHT else day
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
    while after - before > _RESOLUTION:
        middle = before + (after - before) // 2
        if middle.astimezone(tz).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return after


def _checked_weekday(weekday: object) -> int:
    if type(weekday) is not int or weekday not in _WEEKDAYS:
        raise ValueError(f"weekly keys must be weekdays 0 (Monday) to 6, got {weekday!r}")
    return weekday


def _checked_date(day: object, name: str) -> date:
    # A datetime is a date too, but never equals one, so it would silently not match.
    if type(day) is not date:
        raise ValueError(f"{name} must hold datetime.date values, got {day!r}")
    return day


def _checked_hours(hours: Iterable[Interval], where: str) -> Hours:
    """Hours as a tuple of pairs, refusing unsorted, empty or overlapping intervals."""
    checked = []
    previous_close = timedelta(0)
    for interval in hours:
        opens, closes = _checked_interval(interval, where)
        start, end = _since_midnight(opens), _since_midnight(closes) or _FULL_DAY
        if start >= end:
            raise ValueError(f"{where}: {opens}-{closes} does not open before it closes")
        if start < previous_close:
            raise ValueError(f"{where}: intervals must be sorted and not overlap")
        previous_close = end
        checked.append((opens, closes))
    return tuple(checked)


def _checked_interval(interval: Interval, where: str) -> Interval:
    try:
        opens, closes = interval
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected an (opens, closes) pair, got {interval!r}") from None
    for moment in (opens, closes):
        if not isinstance(moment, time) or moment.tzinfo is not None:
            raise ValueError(f"{where}: hours must be naive datetime.time, got {moment!r}")
    return opens, closes


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Working days: a weekly weekend rule plus dated exceptions either way.

    `days_off` are public holidays and days off moved onto weekdays; `working_days`
    are weekend days made working by a transfer. The calendar knows nothing beyond
    these sets: outside the years they cover only the weekend rule applies.
    """

    weekend: frozenset[int] = frozenset({5, 6})
    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    # Dates where the weekend rule is overridden, and running totals of the change
    # (+1 per working weekend day, -1 per weekday off), for counting by bisection.
    _exceptions: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _exception_totals: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weekend = frozenset(_checked_weekday(weekday) for weekday in self.weekend)
        if len(weekend) == len(_WEEKDAYS):
            raise ValueError("weekend cannot cover the whole week")
        days_off = frozenset(_checked_date(day, "days_off") for day in self.days_off)
        working_days = frozenset(_checked_date(day, "working_days") for day in self.working_days)
        if clash := days_off & working_days:
            raise ValueError(f"dates both off and working: {sorted(clash)}")
        changes = sorted(
            [(day, -1) for day in days_off if day.weekday() not in weekend]
            + [(day, +1) for day in working_days if day.weekday() in weekend]
        )
        totals = [0]
        for _day, change in changes:
            totals.append(totals[-1] + change)
        for name, value in (
            ("weekend", weekend),
            ("days_off", days_off),
            ("working_days", working_days),
            ("_exceptions", tuple(day for day, _change in changes)),
            ("_exception_totals", tuple(totals)),
        ):
            object.__setattr__(self, name, value)

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day."""
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        return day.weekday() not in self.weekend


def working_days_between(calendar: WorkingDayCalendar, start_day: date, end_day: date) -> int:
    """Working days in (start_day, end_day]; zero when end_day is not after start_day."""
    if end_day <= start_day:
        return 0
    weeks, rest = divmod((end_day - start_day).days, 7)
    first_weekday = start_day.weekday() + 1
    by_rule = weeks * (7 - len(calendar.weekend)) + sum(
        (first_weekday + offset) % 7 not in calendar.weekend for offset in range(rest)
    )
    totals = calendar._exception_totals
    low = bisect_right(calendar._exceptions, start_day)
    high = bisect_right(calendar._exceptions, end_day)
    return by_rule + totals[high] - totals[low]


def add_working_days(calendar: WorkingDayCalendar, day: date, n: int) -> date:
    """The n-th working day after `day`, which is not counted; n == 0 returns `day`."""
    if n < 0:
        raise ValueError(f"n must be zero or positive, got {n}")
    per_week = 7 - len(calendar.weekend)
    current, remaining = day, n
    # Leap by whole weeks while the leap cannot reach the target (counted by
    # bisection), halving the leap when it would; then walk the last few days.
    weeks = (remaining - 1) // per_week
    while weeks > 0:
        candidate = current + timedelta(weeks=weeks)
        counted = working_days_between(calendar, current, candidate)
        if counted < remaining:
            current, remaining = candidate, remaining - counted
            weeks = (remaining - 1) // per_week
        else:
            weeks //= 2
    while remaining:
        current += _ONE_DAY
        remaining -= calendar.is_working_day(current)
    return current
