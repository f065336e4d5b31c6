"""Business-time arithmetic for SLA clocks: open hours, holidays and working days.

Pure: no Django, no database and never the current time. Callers pass the moments
and the calendar, so every answer is deterministic and a Schedule can be a cache key.
"""

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

type Interval = tuple[time, time]
type Hours = tuple[Interval, ...]
type Span = tuple[datetime, datetime]

MIDNIGHT = time(0, 0)
_ONE_DAY = timedelta(days=1)
_FULL_DAY = timedelta(hours=24)
_RESOLUTION = timedelta(microseconds=1)
_ZERO = timedelta(0)
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
    # The open time as prefix sums, filled as moments are asked about (see _WeeklyOpenTime).
    _open_time: "_WeeklyOpenTime | _SpecialDaysOpenTime" = field(
        init=False, repr=False, compare=False
    )

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
        self._set("_open_time", _shared_open_time(self))

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
    try:
        start_at = start - _EPOCH
    except TypeError:
        _to_utc(start, "start")
        raise
    if delta <= _ZERO:
        raise ValueError(f"delta must be positive, got {delta!r}")
    try:
        due_at = schedule._open_time.reach(schedule, start_at, delta)
    except _NotEnoughOpenTime as shortage:
        raise ValueError(
            f"the schedule has only {shortage.available} of open time after "
            f"{start.isoformat()}, {delta} was asked"
        ) from None
    zone = start.tzinfo
    return zone.fromutc(_utc_carrier(zone) + due_at)  # .astimezone(zone), for less


def business_time_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Open time within [start, end); zero when end is not after start."""
    try:
        # Subtracting an aware datetime in another zone goes through UTC, DST included.
        start_at, end_at = start - _EPOCH, end - _EPOCH
    except TypeError:  # a naive moment: say which
        _to_utc(start, "start")
        _to_utc(end, "end")
        raise
    if end_at <= start_at:
        return _ZERO
    open_time = schedule._open_time
    return open_time.before(schedule, end_at) - open_time.before(schedule, start_at)


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
        if day == date.max:
            return
        day += _ONE_DAY


# Localising wall times is most of the cost of the walk (open_intervals, is_open,
# next_opening), which keeps asking about the same few weeks; the bound keeps memory flat
# (a year of days for a couple dozen schedules). The prefix sums call it uncached
# (__wrapped__): they convert each day once.
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


# Open time as prefix sums -----------------------------------------------------------
#
# Let B(t) be the open time before the instant t, counted from some origin. It grows one
# second per second inside open spans and stays flat between them, so the open time in
# [s, e) is B(e) - B(s), and add_business_time(s, d) is the first t with B(t) = B(s) + d.
# B is kept as breakpoints: the span edges as timedeltas since the Unix epoch (exact to the
# microsecond, zone-free, cheap to compare) and B at each edge; reading it is one bisect.
#
# Which stretch of time to cover? Holidays and special days are finite, but with DST the
# open time of a day depends on the date (a day whose hours a jump crosses is an hour
# shorter or longer), and zoneinfo keeps a zone's rules after its last listed change as
# calendar rules (last Sunday of March, at 02:00), which repeat only every 400 years. A
# weekly or yearly period is valid for some zones only, and telling which needs the zone's
# private transition table. So nothing here assumes a period. The spans come from the same
# per-day conversion the walk uses (_utc_hours, DST gaps, folds and midnights included),
# and B is built lazily in chunks of 64 days of UTC time: an instant's chunk is
# (days since the epoch) >> 6, with no zone conversion. A table of B at each chunk start
# grows outwards from the first chunk ever asked, which is B's origin: only differences of
# B are ever returned, so the origin cancels. Days are walked once per process, when a
# moment in or beyond them is first asked (so the first moment far from all earlier ones
# pays for the days in between, about 6 ms a year); after that a call costs a dict look-up
# and a bisect per moment, whatever the distance between the moments.
#
# Memory: per schedule, the breakpoints of at most _KEPT_CHUNKS chunks (5.6 years, about
# 0.35 MB for one interval a day; the oldest built is dropped first and rebuilt if asked
# again) and one table entry per chunk covered. The state lives with its Schedule; an LRU
# lets equal schedules share one.
#
# Threads: readers take no lock. A chunk's breakpoints never change once stored, and
# building (the table, the chunks) happens under _BUILDING, so the table grows in one place.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK_SHIFT = 6
_CHUNK = timedelta(days=1 << _CHUNK_SHIFT)
_KEPT_CHUNKS = 32
_END_OF_TIME = datetime.max.replace(tzinfo=UTC) - _EPOCH
_BUILDING = threading.Lock()

# (edges, B at each edge). edges[0] starts the stretch covered (B flat there); then
# openings at odd and closings at even indices. Times are timedeltas since _EPOCH.
type Breakpoints = tuple[tuple[timedelta, ...], tuple[timedelta, ...]]


class _NotEnoughOpenTime(Exception):
    """The schedule runs out of open time: only `available` is left."""

    def __init__(self, available: timedelta) -> None:
        self.available = available


class _WeeklyOpenTime:
    """B of a schedule with weekly hours: unbounded, so built in 64-day chunks on demand."""

    __slots__ = ("chunks", "table")

    def __init__(self) -> None:
        self.chunks: dict[int, Breakpoints] = {}
        # (first chunk covered, B at its start, at each next chunk's start and at the end).
        self.table: tuple[int, tuple[timedelta, ...]] = (0, ())

    # before() and reach() are the hot path: _open_before and _first_reaching inlined.
    def before(self, schedule: Schedule, at: timedelta) -> timedelta:
        """B(at)."""
        index = at.days >> _CHUNK_SHIFT
        edges, opened = self.chunks.get(index) or self._chunk(schedule, index)
        i = bisect_right(edges, at) - 1
        return opened[i] + (at - edges[i]) if i & 1 else opened[i]

    def reach(self, schedule: Schedule, at: timedelta, delta: timedelta) -> timedelta:
        """The first instant t with B(t) = B(at) + delta."""
        index = at.days >> _CHUNK_SHIFT
        edges, opened = self.chunks.get(index) or self._chunk(schedule, index)
        i = bisect_right(edges, at) - 1
        target = (opened[i] + (at - edges[i]) if i & 1 else opened[i]) + delta
        k = bisect_left(opened, target)
        if k == len(opened):  # beyond this chunk: find the one by the table of chunk starts
            first, bases = self.table  # read without the lock: replaced whole, never changed
            j = bisect_left(bases, target)
            # j == 0: a table older than this chunk (another thread is growing it downwards).
            if not 0 < j < len(bases):
                with _BUILDING:
                    first, bases = self._cover(schedule, index, index, target)
                j = bisect_left(bases, target)
            index = first + j - 1
            edges, opened = self.chunks.get(index) or self._chunk(schedule, index)
            k = bisect_left(opened, target)
        return edges[k - 1] + (target - opened[k - 1])  # see _first_reaching

    def _chunk(self, schedule: Schedule, index: int) -> Breakpoints:
        with _BUILDING:
            first, bases = self._cover(schedule, index, index)
            points = self.chunks.get(index)
            if points is None:  # covered long ago and dropped since
                points = self._keep(index, _chunk_edges(schedule, index), bases[index - first])
        return points

    def _cover(
        self, schedule: Schedule, low: int, high: int, target: timedelta = _ZERO
    ) -> tuple[int, tuple[timedelta, ...]]:
        """Grow the table (lock held) over chunks low..high and until B reaches `target`."""
        first, bases = self.table
        if not bases:
            first, bases = low, (_ZERO,)
        last = first + len(bases) - 2
        if first <= low and high <= last and target <= bases[-1]:
            return first, bases
        below, above = [], list(bases)
        while first > low:
            first -= 1
            edges = _chunk_edges(schedule, first)
            below.append((below[-1] if below else bases[0]) - _open_length(edges))
            self._keep(first, edges, below[-1])
        while last < high or above[-1] < target:
            last += 1
            if _CHUNK * last > _END_OF_TIME:  # no open time after datetime.max
                raise OverflowError("date value out of range")
            above.append(self._keep(last, _chunk_edges(schedule, last), above[-1])[1][-1])
        self.table = first, (*reversed(below), *above)
        return self.table

    def _keep(self, index: int, edges: list[timedelta], start: timedelta) -> Breakpoints:
        """Store a chunk's breakpoints, B starting at `start`; drop the oldest beyond the bound."""
        points = tuple(edges), _cumulated(edges, start)
        if len(self.chunks) >= _KEPT_CHUNKS:
            del self.chunks[next(iter(self.chunks))]
        self.chunks[index] = points
        return points


class _SpecialDaysOpenTime:
    """B of a schedule open on special days only: finitely many spans, one array for all."""

    __slots__ = ("points",)

    def __init__(self) -> None:
        self.points: Breakpoints | None = None

    def before(self, schedule: Schedule, at: timedelta) -> timedelta:
        """B(at)."""
        return _open_before(self.points or self._build(schedule), at)

    def reach(self, schedule: Schedule, at: timedelta, delta: timedelta) -> timedelta:
        """The first instant t with B(t) = B(at) + delta; raises when there is no such t."""
        points = self.points or self._build(schedule)
        opened = _open_before(points, at)
        due = _first_reaching(points, opened + delta)
        if due is None:
            raise _NotEnoughOpenTime(points[1][-1] - opened)
        return due

    def _build(self, schedule: Schedule) -> Breakpoints:
        edges = [timedelta.min]
        for day in schedule._open_special_days:
            _add_spans(edges, _utc_hours.__wrapped__(schedule, day), timedelta.min, timedelta.max)
        self.points = tuple(edges), _cumulated(edges, _ZERO)
        return self.points


@lru_cache(maxsize=64)
def _shared_open_time(schedule: Schedule) -> _WeeklyOpenTime | _SpecialDaysOpenTime:
    return _WeeklyOpenTime() if any(schedule._by_weekday) else _SpecialDaysOpenTime()


@lru_cache(maxsize=64)
def _utc_carrier(zone: tzinfo) -> datetime:
    """The epoch's UTC wall time tagged with `zone`: plus a time since the epoch, it is
    what zone.fromutc takes (datetime.astimezone converts the same way)."""
    return datetime(1970, 1, 1, tzinfo=zone)


def _open_before(points: Breakpoints, at: timedelta) -> timedelta:
    edges, opened = points
    i = bisect_right(edges, at) - 1
    # An odd i is an opening: `at` is inside that span. An even one is a closing.
    return opened[i] + (at - edges[i]) if i & 1 else opened[i]


def _first_reaching(points: Breakpoints, target: timedelta) -> timedelta | None:
    """The first edge-bounded instant where B reaches `target`, None if past the last edge."""
    edges, opened = points
    k = bisect_left(opened, target)
    if k == len(opened):
        return None
    # B is flat outside open spans, so opened[k - 1] < target <= opened[k] makes k - 1 an
    # opening. Taking the first k makes a target met exactly at closing due at closing,
    # not at the next opening.
    return edges[k - 1] + (target - opened[k - 1])


def _chunk_edges(schedule: Schedule, index: int) -> list[timedelta]:
    """Edges of the open spans within chunk `index`, clipped to it, starting at its start."""
    start = _CHUNK * index
    end = start + _CHUNK
    edges = [start]
    # Days before the local date of `start` close by then (wall time only moves back within
    # a fold), and as in _utc_spans one more day covers a midnight that occurs twice.
    first, last = _local_date(schedule.tz, start), _local_date(schedule.tz, end)
    if last < date.max:
        last += _ONE_DAY
    for day in _days_with_hours(schedule, first, last):
        try:
            spans = _utc_hours.__wrapped__(schedule, day)  # not cached: each day once
        except OverflowError:  # hours past datetime.max: time ends there
            continue
        _add_spans(edges, spans, start, end)
    return edges


def _add_spans(edges: list[timedelta], spans: Iterable[Span], start, end) -> None:
    """Append spans clipped to [start, end), merging one that touches the previous."""
    for opens, closes in spans:
        opens_at, closes_at = max(opens - _EPOCH, start), min(closes - _EPOCH, end)
        if opens_at >= closes_at:
            continue
        if len(edges) > 1 and opens_at == edges[-1]:
            edges[-1] = closes_at
        else:
            edges += (opens_at, closes_at)


def _cumulated(edges: list[timedelta], start: timedelta) -> tuple[timedelta, ...]:
    """B at each edge, B being `start` at the first."""
    opened = [start] * len(edges)
    for k in range(2, len(edges), 2):
        opened[k - 1] = start
        start += edges[k] - edges[k - 1]
        opened[k] = start
    return tuple(opened)


def _open_length(edges: list[timedelta]) -> timedelta:
    return sum((edges[k] - edges[k - 1] for k in range(2, len(edges), 2)), _ZERO)


def _local_date(tz: ZoneInfo, since_epoch: timedelta) -> date:
    try:
        return (_EPOCH + since_epoch).astimezone(tz).date()
    except OverflowError:
        return date.max if since_epoch > _ZERO else date.min


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
