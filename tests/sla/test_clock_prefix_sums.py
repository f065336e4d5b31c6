"""The clock's prefix sums against a plain walk over the days, DST gaps and folds included.

business_time_between and add_business_time read cumulative open time built once per
schedule (sla.clock.open_time). The reference here walks the calendar day by day,
converting each day's wall-clock hours with nothing but zoneinfo, as the Schedule
docstring describes them: a wall time skipped by a jump stands for the jump, one that
occurs twice for its first occurrence, 00:00 as a closing time for the midnight that
ends the day.
"""

import functools
import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sla.clock import Schedule, add_business_time, business_time_between, open_time

MOSCOW = ZoneInfo("Europe/Moscow")  # no DST since 2014
BERLIN = ZoneInfo("Europe/Berlin")  # jumps at 02:00 and 03:00
NEW_YORK = ZoneInfo("America/New_York")
HAVANA = ZoneInfo("America/Havana")  # jumps at midnight: a day without 00:00, one with two
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # a half-hour jump
ZONES = [MOSCOW, BERLIN, NEW_YORK, HAVANA, LORD_HOWE]
FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2028, 12, 31)
ONE_DAY = timedelta(days=1)
MINUTES_A_DAY = 24 * 60


# The reference ------------------------------------------------------------------------


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def wall_clock(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant at which the wall clock in `tz` reads `wall` or later."""
    readings = [wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    occurrences = [instant for instant in readings if wall_clock(instant, tz) == wall]
    if occurrences:
        return min(occurrences)
    # Skipped by a jump: step from before the jump to the first minute the clock reads
    # `wall` or later (these zones change their offsets on whole minutes).
    instant = min(readings)
    while wall_clock(instant, tz) < wall:
        instant += timedelta(minutes=1)
    return instant


def hours_of(schedule: Schedule, day: date):
    if day in schedule.special_days:
        return schedule.special_days[day]
    if day in schedule.holidays:
        return ()
    return schedule.weekly.get(day.weekday(), ())


@functools.lru_cache(maxsize=200_000)
def day_spans(schedule: Schedule, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open spans of one day in UTC; hours that a jump swallows whole are none."""
    spans = []
    for opens, closes in hours_of(schedule, day):
        closing_day = day + ONE_DAY if closes == time(0) else day
        span = (
            wall_to_utc(datetime.combine(day, opens), schedule.tz),
            wall_to_utc(datetime.combine(closing_day, closes), schedule.tz),
        )
        if span[0] < span[1]:
            spans.append(span)
    return tuple(spans)


def walk_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Open time in [start, end), summed day by day."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    day = start.astimezone(schedule.tz).date() - ONE_DAY
    while day <= end.astimezone(schedule.tz).date() + ONE_DAY:
        for opens, closes in day_spans(schedule, day):
            total += max(timedelta(0), min(closes, end) - max(opens, start))
        day += ONE_DAY
    return total


def walk_add(schedule: Schedule, start: datetime, delta: timedelta) -> datetime:
    """The first moment with `delta` of open time since `start`, walking day by day."""
    weekly_open = any(schedule.weekly.values())
    last_day = max(schedule.special_days, default=FIRST_DAY) + ONE_DAY
    start_utc = start.astimezone(UTC)
    remaining = delta
    day = start.astimezone(schedule.tz).date() - ONE_DAY
    while weekly_open or day <= last_day:
        for opens, closes in day_spans(schedule, day):
            opens = max(opens, start_utc)
            if opens < closes:
                if remaining <= closes - opens:
                    return (opens + remaining).astimezone(start.tzinfo)
                remaining -= closes - opens
        day += ONE_DAY
    raise ValueError(f"the schedule has only {delta - remaining} of open time")


# Strategies ---------------------------------------------------------------------------


def jumps(tz: ZoneInfo) -> list[tuple[date, int]]:
    """The zone's offset changes in FIRST_DAY..LAST_DAY, each as the local date and minute
    of the day that the clock reads just before it (02:00 for Berlin's spring jump)."""
    found, day = [], FIRST_DAY
    while day <= LAST_DAY:
        midnight = datetime.combine(day, time(0)).replace(tzinfo=tz).astimezone(UTC)
        offset = midnight.astimezone(tz).utcoffset()
        if (midnight + ONE_DAY).astimezone(tz).utcoffset() != offset:
            instant = midnight
            while instant.astimezone(tz).utcoffset() == offset:
                instant += timedelta(minutes=15)
            wall = instant.replace(tzinfo=None) + offset
            found.append((wall.date(), wall.hour * 60 + wall.minute))
        day += ONE_DAY
    return found


JUMPS = {tz: jumps(tz) for tz in ZONES}
JUMP_DAYS = {
    tz: sorted({d + n * ONE_DAY for d, _m in JUMPS[tz] for n in (-1, 0, 1)}) for tz in ZONES
}
# Wall times where these zones jump, and midnight, weigh more than chance would give them.
EDGE_MINUTES = [0, 30, 60, 90, 120, 150, 180, 210, 23 * 60, MINUTES_A_DAY]


def as_time(minute: int) -> time:
    return time(*divmod(minute % MINUTES_A_DAY, 60))


@st.composite
def day_hours(draw, min_size=0, minute=None):
    """0-3 sorted intervals on whole minutes; a bound of 24:00 is the 00:00 closing."""
    count = draw(st.integers(min_size, 3))
    if minute is None:
        minute = st.one_of(st.sampled_from(EDGE_MINUTES), st.integers(0, MINUTES_A_DAY))
    bounds = sorted(draw(st.lists(minute, min_size=2 * count, max_size=2 * count, unique=True)))
    return tuple((as_time(a), as_time(b)) for a, b in zip(bounds[::2], bounds[1::2], strict=True))


@st.composite
def schedules(draw, weekly=True):
    tz = draw(st.sampled_from(ZONES))
    days = st.one_of(st.dates(FIRST_DAY, LAST_DAY), st.sampled_from(JUMP_DAYS[tz] or [FIRST_DAY]))
    return Schedule(
        weekly=draw(st.dictionaries(st.integers(0, 6), day_hours(min_size=1), min_size=1))
        if weekly
        else {},
        tz=tz,
        holidays=draw(st.frozensets(days, max_size=40)),
        special_days=draw(st.dictionaries(days, day_hours(), max_size=12)),
    )


@st.composite
def moments(draw, tz: ZoneInfo):
    """Any moment of 2025-2028 or one close to a jump: inside a gap, in either pass of a
    fold, to the microsecond; in the schedule's zone or given in another one."""
    anywhere = st.datetimes(
        datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(tz), allow_imaginary=True
    )
    near_a_jump = st.builds(
        lambda day, offset, fold: (datetime.combine(day, time(0)) + offset).replace(
            tzinfo=tz, fold=fold
        ),
        st.sampled_from(JUMP_DAYS[tz] or [FIRST_DAY]),
        st.timedeltas(-timedelta(hours=2), timedelta(hours=27)),
        st.sampled_from([0, 1]),
    )
    moment = draw(st.one_of(anywhere, near_a_jump))
    shown_in = draw(st.sampled_from([None, UTC, ZoneInfo("Asia/Tokyo")]))
    return moment if shown_in is None else moment.astimezone(shown_in)


distances = st.one_of(
    st.timedeltas(timedelta(0), timedelta(hours=6)),
    st.timedeltas(timedelta(0), timedelta(days=60)),
    st.timedeltas(timedelta(0), timedelta(days=3 * 366)),
)


def later(moment: datetime, distance: timedelta) -> datetime:
    return (moment.astimezone(UTC) + distance).astimezone(moment.tzinfo)


def fresh(schedule: Schedule) -> Schedule:
    """An equal-in-effect schedule with its own prefix sums (a holiday long before)."""
    return Schedule(
        weekly=schedule.weekly,
        tz=schedule.tz,
        holidays=schedule.holidays | {date(1901, 1, 1)},
        special_days=schedule.special_days,
    )


# Properties ---------------------------------------------------------------------------

SLOW = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(data=st.data(), schedule=st.one_of(schedules(), schedules(weekly=False)))
def test_open_time_between_matches_walking_the_days(data, schedule):
    start = data.draw(moments(schedule.tz))
    end = later(start, data.draw(distances))

    assert business_time_between(schedule, start, end) == walk_between(schedule, start, end)
    assert business_time_between(schedule, end, start) == timedelta(0)


@SLOW
@given(data=st.data(), schedule=schedules())
def test_due_moment_matches_walking_the_days_and_comes_back(data, schedule):
    start = data.draw(moments(schedule.tz))
    # Up to the open time of the next 1-1,100 days: from a microsecond to about 3 years.
    horizon = later(start, data.draw(st.sampled_from([ONE_DAY, 30 * ONE_DAY, 1100 * ONE_DAY])))
    available = walk_between(schedule, start, horizon) // timedelta.resolution
    assume(available > 0)
    delta = timedelta(microseconds=data.draw(st.integers(1, available)))

    due = add_business_time(schedule, start, delta)

    assert due == walk_add(schedule, start, delta)
    assert due.tzinfo is start.tzinfo
    assert business_time_between(schedule, start, due) == delta


@SLOW
@given(data=st.data(), schedule=schedules(weekly=False))
def test_schedule_open_on_special_days_only_matches_the_walk_and_runs_out(data, schedule):
    start = data.draw(moments(schedule.tz))
    left = walk_between(schedule, start, datetime(2030, 1, 1, tzinfo=UTC))

    if left:
        delta = timedelta(microseconds=data.draw(st.integers(1, left // timedelta.resolution)))
        assert add_business_time(schedule, start, delta) == walk_add(schedule, start, delta)
    with pytest.raises(ValueError, match=re.escape(f"has only {left} of open time")):
        add_business_time(schedule, start, left + timedelta.resolution)


@st.composite
def around_a_jump(draw):
    """A schedule whose hours open or close in, at or near a DST jump, and a moment and a
    distance from it that reach into that jump."""
    tz = draw(st.sampled_from([BERLIN, NEW_YORK, HAVANA, LORD_HOWE]))
    day, minute = draw(st.sampled_from(JUMPS[tz]))
    near = st.one_of(
        st.integers(max(0, minute - 90), min(MINUTES_A_DAY, minute + 90)),
        st.sampled_from([0, MINUTES_A_DAY]),
    )
    hours = day_hours(min_size=1, minute=near)
    schedule = Schedule(
        weekly=draw(st.dictionaries(st.integers(0, 6), hours, min_size=1)),
        tz=tz,
        special_days=draw(st.dictionaries(st.sampled_from([day - ONE_DAY, day]), hours)),
    )
    wall = datetime.combine(day, time(0)) + timedelta(minutes=minute)
    offset = draw(st.timedeltas(-timedelta(hours=30), timedelta(hours=30)))
    start = (wall + offset).replace(tzinfo=tz, fold=draw(st.sampled_from([0, 1])))
    return schedule, start, draw(st.timedeltas(timedelta(0), timedelta(hours=60)))


@SLOW
@given(case=around_a_jump())
def test_hours_at_a_dst_jump_count_as_the_walk_counts_them(case):
    schedule, start, distance = case
    end = later(start, distance)
    walked = walk_between(schedule, start, end)

    assert business_time_between(schedule, start, end) == walked
    if walked:
        assert add_business_time(schedule, start, walked) == walk_add(schedule, start, walked)


# The prefix sums themselves ----------------------------------------------------------

SUPPORT_BERLIN = Schedule(
    weekly={day: ((time(9), time(18)),) for day in range(5)} | {6: ((time(1), time(0)),)},
    tz=BERLIN,
    holidays=frozenset({date(2026, 12, 25), date(2031, 1, 1)}),
    special_days={date(2026, 3, 29): ((time(2, 30), time(4)),)},
)


def test_moments_far_either_side_of_the_first_one_asked_agree_with_the_walk():
    schedule = fresh(SUPPORT_BERLIN)
    moments_asked = [datetime(2026, 3, 28, 12), datetime(2041, 10, 26, 2, 30),
                     datetime(2016, 3, 27, 1, 15), datetime(2029, 7, 1)]  # fmt: skip

    for moment in (m.replace(tzinfo=BERLIN) for m in moments_asked):
        end = later(moment, timedelta(days=3))
        assert business_time_between(schedule, moment, end) == walk_between(schedule, moment, end)
    start, end = datetime(2016, 1, 1, tzinfo=BERLIN), datetime(2042, 1, 1, tzinfo=BERLIN)
    assert business_time_between(schedule, start, end) == walk_between(schedule, start, end)
    delta = walk_between(schedule, start, datetime(2040, 2, 3, 10, tzinfo=BERLIN))
    assert add_business_time(schedule, start, delta) == walk_add(schedule, start, delta)


def test_chunks_dropped_to_bound_memory_are_rebuilt_the_same():
    schedule = fresh(SUPPORT_BERLIN)
    start = datetime(2026, 3, 20, tzinfo=BERLIN)
    first_week = business_time_between(schedule, start, start + timedelta(days=7))

    # Twenty years cover many more chunks than are kept, so the first ones are dropped.
    business_time_between(schedule, start, datetime(2046, 1, 1, tzinfo=BERLIN))

    assert len(schedule._open_time.chunks) == open_time.KEPT_CHUNKS
    assert business_time_between(schedule, start, start + timedelta(days=7)) == first_week
    assert first_week == walk_between(schedule, start, start + timedelta(days=7))


def test_warm_calls_do_not_walk_the_calendar_whatever_the_distance(monkeypatch):
    schedule = fresh(SUPPORT_BERLIN)
    start, end = datetime(2026, 1, 5, 10, tzinfo=BERLIN), datetime(2029, 1, 5, tzinfo=BERLIN)
    three_years = business_time_between(schedule, start, end)
    due = add_business_time(schedule, start, three_years)

    def walk(*_args):
        raise AssertionError("walked the calendar on a warm call")

    monkeypatch.setattr(open_time, "_chunk_edges", walk)
    monkeypatch.setattr(open_time, "days_with_hours", walk)

    assert business_time_between(schedule, start, end) == three_years
    # Friday 5 January 2029 starts at midnight: the last open time before it ends at closing.
    assert add_business_time(schedule, start, three_years) == due == berlin(2029, 1, 4, 18)
    assert business_time_between(schedule, start, start + timedelta(hours=1)) == timedelta(hours=1)


def test_equal_schedules_share_their_prefix_sums():
    weekly = {day: ((time(9), time(18)),) for day in range(5)}

    assert (
        Schedule(weekly=weekly, tz=MOSCOW)._open_time
        is Schedule(weekly=dict(weekly), tz=ZoneInfo("Europe/Moscow"))._open_time
    )


def test_threads_building_one_schedule_at_once_all_get_the_walked_answers():
    schedule = fresh(SUPPORT_BERLIN)
    starts = [datetime(2026, 1, 1, tzinfo=BERLIN) + timedelta(days=37 * i) for i in range(8)]
    spans = [(start, later(start, timedelta(days=400))) for start in starts]
    expected = [walk_between(schedule, *span) for span in spans]
    results, ready = {}, threading.Barrier(len(spans))

    def compute(i):
        ready.wait()
        results[i] = business_time_between(schedule, *spans[i])

    threads = [threading.Thread(target=compute, args=(i,)) for i in range(len(spans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [results[i] for i in range(len(spans))] == expected


def test_a_reader_that_sees_the_table_before_a_thread_grew_it_finds_the_right_chunk():
    schedule = fresh(SUPPORT_BERLIN)
    open_time = schedule._open_time
    business_time_between(schedule, berlin(2030, 1, 1), berlin(2030, 1, 2))
    older_table = open_time.table
    start = berlin(2026, 2, 2, 10)
    business_time_between(schedule, start, berlin(2026, 2, 3))  # grows the table downwards
    # As if this reader took the 2026 chunk just stored by a thread that has not yet
    # replaced the table: a delta ending in 2027 lies below that table's first chunk.
    open_time.table = older_table
    delta = walk_between(schedule, start, berlin(2027, 5, 4, 12))

    assert add_business_time(schedule, start, delta) == berlin(2027, 5, 4, 12)


def test_moments_near_the_ends_of_time_give_answers_not_hangs():
    schedule = Schedule(weekly={0: ((time(9), time(0)),)}, tz=MOSCOW)
    monday = datetime(9999, 12, 27, 8, tzinfo=UTC)  # 11:00 in Moscow

    assert business_time_between(schedule, monday, monday + timedelta(hours=5)) == (
        timedelta(hours=5)
    )
    with pytest.raises(OverflowError):
        add_business_time(schedule, monday, timedelta(days=30))
    # Monday 1 January of year 1, noon UTC, to the same time a week later: the rest of
    # that Monday and the next Monday up to the same wall time, 15 h whatever the offset.
    ancient = datetime(1, 1, 1, 12, tzinfo=UTC)
    assert business_time_between(schedule, ancient, ancient + timedelta(days=7)) == (
        timedelta(hours=15)
    )
