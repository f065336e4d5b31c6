"""Open time as prefix sums: business_time_between and add_business_time without a walk.

Let B(t) be the open time before the instant t, counted from some origin. It grows one
second per second inside open spans and stays flat between them, so the open time in
[s, e) is B(e) - B(s), and add_business_time(s, d) is the first t with B(t) = B(s) + d.
B is kept as breakpoints: the span edges as timedeltas since the Unix epoch (exact to the
microsecond, zone-free, cheap to compare) and B at each edge; reading it is one bisect.

Which stretch of time to cover? Holidays and special days are finite, but with DST the
open time of a day depends on the date (a day whose hours a jump crosses is an hour
shorter or longer), and zoneinfo keeps a zone's rules after its last listed change as
calendar rules (last Sunday of March, at 02:00), which repeat only every 400 years. A
weekly or yearly period is valid for some zones only, and telling which needs the zone's
private transition table. So nothing here assumes a period. The spans come from the same
per-day conversion the walk uses (days.utc_hours, DST gaps, folds and midnights included),
and B is built lazily in chunks of 64 days of UTC time: an instant's chunk is
(days since the epoch) >> 6, with no zone conversion. A table of B at each chunk start
grows outwards from the first chunk ever asked, which is B's origin: only differences of
B are ever returned, so the origin cancels. Days are walked once per process, when a
moment in or beyond them is first asked (so the first moment far from all earlier ones
pays for the days in between, about 6 ms a year); after that a call costs a dict look-up
and a bisect per moment, whatever the distance between the moments.

Memory: per schedule, the breakpoints of at most KEPT_CHUNKS chunks (5.6 years, about
0.35 MB for one interval a day; the oldest built is dropped first and rebuilt if asked
again) and one table entry per chunk covered. The state lives with its Schedule; an LRU
lets equal schedules share one.

Threads: readers take no lock. A chunk's breakpoints never change once stored, and
building (the table, the chunks) happens under _BUILDING, so the table grows in one place.
"""

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sla.clock.days import ONE_DAY, Span, days_with_hours, utc_hours

if TYPE_CHECKING:
    from sla.clock.schedule import Schedule

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK_SHIFT = 6
_CHUNK = timedelta(days=1 << _CHUNK_SHIFT)
KEPT_CHUNKS = 32
_END_OF_TIME = datetime.max.replace(tzinfo=UTC) - EPOCH
_BUILDING = threading.Lock()
ZERO = timedelta(0)

# (edges, B at each edge). edges[0] starts the stretch covered (B flat there); then
# openings at odd and closings at even indices. Times are timedeltas since EPOCH.
type Breakpoints = tuple[tuple[timedelta, ...], tuple[timedelta, ...]]


class NotEnoughOpenTime(Exception):
    """The schedule runs out of open time: only `available` is left."""

    def __init__(self, available: timedelta) -> None:
        self.available = available


class WeeklyOpenTime:
    """B of a schedule with weekly hours: unbounded, so built in 64-day chunks on demand."""

    __slots__ = ("chunks", "table")

    def __init__(self) -> None:
        self.chunks: dict[int, Breakpoints] = {}
        # (first chunk covered, B at its start, at each next chunk's start and at the end).
        self.table: tuple[int, tuple[timedelta, ...]] = (0, ())

    # before() and reach() are the hot path: _open_before and _first_reaching inlined.
    def before(self, schedule: "Schedule", at: timedelta) -> timedelta:
        """B(at)."""
        index = at.days >> _CHUNK_SHIFT
        edges, opened = self.chunks.get(index) or self._chunk(schedule, index)
        i = bisect_right(edges, at) - 1
        return opened[i] + (at - edges[i]) if i & 1 else opened[i]

    def reach(self, schedule: "Schedule", at: timedelta, delta: timedelta) -> timedelta:
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

    def _chunk(self, schedule: "Schedule", index: int) -> Breakpoints:
        with _BUILDING:
            first, bases = self._cover(schedule, index, index)
            points = self.chunks.get(index)
            if points is None:  # covered long ago and dropped since
                points = self._keep(index, _chunk_edges(schedule, index), bases[index - first])
        return points

    def _cover(
        self, schedule: "Schedule", low: int, high: int, target: timedelta = ZERO
    ) -> tuple[int, tuple[timedelta, ...]]:
        """Grow the table (lock held) over chunks low..high and until B reaches `target`."""
        first, bases = self.table
        if not bases:
            first, bases = low, (ZERO,)
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
        if len(self.chunks) >= KEPT_CHUNKS:
            del self.chunks[next(iter(self.chunks))]
        self.chunks[index] = points
        return points


class SpecialDaysOpenTime:
    """B of a schedule open on special days only: finitely many spans, one array for all."""

    __slots__ = ("points",)

    def __init__(self) -> None:
        self.points: Breakpoints | None = None

    def before(self, schedule: "Schedule", at: timedelta) -> timedelta:
        """B(at)."""
        return _open_before(self.points or self._build(schedule), at)

    def reach(self, schedule: "Schedule", at: timedelta, delta: timedelta) -> timedelta:
        """The first instant t with B(t) = B(at) + delta; raises when there is no such t."""
        points = self.points or self._build(schedule)
        opened = _open_before(points, at)
        due = _first_reaching(points, opened + delta)
        if due is None:
            raise NotEnoughOpenTime(points[1][-1] - opened)
        return due

    def _build(self, schedule: "Schedule") -> Breakpoints:
        edges = [timedelta.min]
        for day in schedule._open_special_days:
            _add_spans(edges, utc_hours.__wrapped__(schedule, day), timedelta.min, timedelta.max)
        self.points = tuple(edges), _cumulated(edges, ZERO)
        return self.points


@lru_cache(maxsize=64)
def shared_open_time(schedule: "Schedule") -> WeeklyOpenTime | SpecialDaysOpenTime:
    return WeeklyOpenTime() if any(schedule._by_weekday) else SpecialDaysOpenTime()


@lru_cache(maxsize=64)
def utc_carrier(zone: tzinfo) -> datetime:
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


def _chunk_edges(schedule: "Schedule", index: int) -> list[timedelta]:
    """Edges of the open spans within chunk `index`, clipped to it, starting at its start."""
    start = _CHUNK * index
    end = start + _CHUNK
    edges = [start]
    # Days before the local date of `start` close by then (wall time only moves back within
    # a fold), and as in _utc_spans one more day covers a midnight that occurs twice.
    first, last = _local_date(schedule.tz, start), _local_date(schedule.tz, end)
    if last < date.max:
        last += ONE_DAY
    for day in days_with_hours(schedule, first, last):
        try:
            spans = utc_hours.__wrapped__(schedule, day)  # not cached: each day once
        except OverflowError:  # hours past datetime.max: time ends there
            continue
        _add_spans(edges, spans, start, end)
    return edges


def _add_spans(edges: list[timedelta], spans: Iterable[Span], start, end) -> None:
    """Append spans clipped to [start, end), merging one that touches the previous."""
    for opens, closes in spans:
        opens_at, closes_at = max(opens - EPOCH, start), min(closes - EPOCH, end)
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
    return sum((edges[k] - edges[k - 1] for k in range(2, len(edges), 2)), ZERO)


def _local_date(tz: ZoneInfo, since_epoch: timedelta) -> date:
    try:
        return (EPOCH + since_epoch).astimezone(tz).date()
    except OverflowError:
        return date.max if since_epoch > ZERO else date.min
