"""Business-time arithmetic: worked examples, DST, errors and properties."""

import functools
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sla.clock import (
    Schedule,
    WorkingDayCalendar,
    add_business_time,
    add_working_days,
    business_time_between,
    is_open,
    next_opening,
    open_intervals,
    working_days_between,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT = Schedule.default()
ALL_DAY = ((time(0), time(0)),)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def every_day(intervals, tz=MOSCOW, **kwargs) -> Schedule:
    return Schedule(weekly=dict.fromkeys(range(7), intervals), tz=tz, **kwargs)


# Friday 2026-11-27, Saturday 28, Sunday 29, Monday 30. Support hours are
# Mon-Fri 09:00-21:00 (12 h) and Sat-Sun 10:00-20:00 (10 h): 80 h a week.
@pytest.mark.parametrize(
    ("start", "delta", "due"),
    [
        pytest.param(msk(2026, 11, 27, 20, 30), hours(4), msk(2026, 11, 28, 13, 30),
                     id="friday-evening-rolls-into-saturday"),
        pytest.param(msk(2026, 11, 29, 19), hours(8), msk(2026, 11, 30, 16),
                     id="sunday-evening-rolls-into-monday"),
        pytest.param(msk(2026, 11, 27, 20, 30), hours(0.5), msk(2026, 11, 27, 21),
                     id="due-exactly-at-closing-stays-at-closing"),
        pytest.param(msk(2026, 11, 27, 21), hours(1), msk(2026, 11, 28, 11),
                     id="start-at-closing-counts-from-next-opening"),
        pytest.param(msk(2026, 11, 30, 9), hours(12), msk(2026, 11, 30, 21),
                     id="start-at-opening-uses-the-whole-day"),
        pytest.param(msk(2026, 11, 30, 7, 15), hours(1), msk(2026, 11, 30, 10),
                     id="start-before-opening"),
        pytest.param(msk(2026, 11, 30, 23, 30), hours(1), msk(2026, 12, 1, 10),
                     id="start-after-closing"),
        pytest.param(msk(2026, 11, 28, 3), hours(10), msk(2026, 11, 28, 20),
                     id="night-start-fills-saturday"),
        pytest.param(msk(2026, 11, 30, 9), hours(80), msk(2026, 12, 6, 20),
                     id="one-full-week"),
        # Two weeks (160 h), then Mon-Wed (36 h) and 4 h of Thursday.
        pytest.param(msk(2026, 11, 30, 9), hours(200), msk(2026, 12, 17, 13),
                     id="multi-week-span"),
        pytest.param(msk(2026, 11, 30, 12, 0, 0, 1), timedelta(microseconds=1),
                     msk(2026, 11, 30, 12, 0, 0, 2), id="microsecond"),
    ],
)  # fmt: skip
def test_add_business_time_on_support_hours(start, delta, due):
    assert add_business_time(DEFAULT, start, delta) == due


def test_due_time_comes_back_in_the_zone_of_the_start():
    filed = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 20:30 in Moscow

    due = add_business_time(DEFAULT, filed, hours(4))

    assert due.tzinfo is UTC
    assert due == datetime(2026, 11, 28, 10, 30, tzinfo=UTC)


def test_holiday_is_skipped_entirely():
    schedule = Schedule(weekly=DEFAULT.weekly, tz=MOSCOW, holidays={date(2026, 11, 28)})

    assert add_business_time(schedule, msk(2026, 11, 27, 20, 30), hours(4)) == msk(
        2026, 11, 29, 13, 30
    )


def test_special_day_replaces_the_weekly_hours():
    schedule = Schedule(
        weekly=DEFAULT.weekly,
        tz=MOSCOW,
        special_days={date(2026, 11, 28): ((time(12), time(14)),)},
    )

    # 30 min on Friday, 2 h on the short Saturday, 1.5 h from Sunday 10:00.
    assert add_business_time(schedule, msk(2026, 11, 27, 20, 30), hours(4)) == msk(
        2026, 11, 29, 11, 30
    )


def test_special_day_with_no_hours_is_closed():
    schedule = Schedule(weekly=DEFAULT.weekly, tz=MOSCOW, special_days={date(2026, 11, 28): ()})

    assert business_time_between(schedule, msk(2026, 11, 28), msk(2026, 11, 29)) == timedelta(0)


def test_special_day_wins_over_a_holiday_on_the_same_date():
    short_eve = date(2026, 12, 31)
    schedule = Schedule(
        weekly=DEFAULT.weekly,
        tz=MOSCOW,
        holidays={short_eve},
        special_days={short_eve: ((time(9), time(13)),)},
    )

    assert business_time_between(schedule, msk(2026, 12, 31), msk(2027, 1, 1)) == hours(4)


def test_several_intervals_a_day_skip_the_lunch_break():
    schedule = every_day(((time(9), time(13)), (time(14), time(18))))

    assert add_business_time(schedule, msk(2026, 11, 30, 12), hours(2)) == msk(2026, 11, 30, 15)


def test_closing_at_midnight_means_the_end_of_the_day():
    schedule = every_day(((time(18), time(0)),))

    assert add_business_time(schedule, msk(2026, 11, 30, 23), hours(2)) == msk(2026, 12, 1, 19)
    assert business_time_between(schedule, msk(2026, 11, 30), msk(2026, 12, 1)) == hours(6)


def test_round_the_clock_schedule_counts_real_time():
    schedule = every_day(ALL_DAY)

    assert add_business_time(schedule, msk(2026, 11, 30), hours(25)) == msk(2026, 12, 1, 1)


def test_only_special_days_open_jumps_far_ahead_without_scanning_limits():
    schedule = Schedule(
        weekly={}, tz=MOSCOW, special_days={date(2030, 6, 3): ((time(9), time(18)),)}
    )

    assert add_business_time(schedule, msk(2026, 1, 1), hours(1)) == msk(2030, 6, 3, 10)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(msk(2026, 11, 27, 20), msk(2026, 11, 30, 10), hours(22), id="over-weekend"),
        pytest.param(msk(2026, 11, 30), msk(2026, 12, 7), hours(80), id="whole-week"),
        pytest.param(msk(2026, 11, 30, 12), msk(2026, 11, 30, 12), timedelta(0), id="empty"),
        pytest.param(msk(2026, 11, 30, 13), msk(2026, 11, 30, 12), timedelta(0), id="reversed"),
        pytest.param(msk(2026, 11, 30, 22), msk(2026, 12, 1, 8), timedelta(0), id="night"),
        pytest.param(msk(2026, 11, 30, 9), msk(2026, 11, 30, 21), hours(12), id="open-to-close"),
    ],
)
def test_business_time_between_on_support_hours(start, end, expected):
    assert business_time_between(DEFAULT, start, end) == expected


def test_open_intervals_are_clipped_to_the_window():
    spans = list(open_intervals(DEFAULT, msk(2026, 11, 27, 20), msk(2026, 11, 29, 12)))

    assert spans == [
        (msk(2026, 11, 27, 20), msk(2026, 11, 27, 21)),
        (msk(2026, 11, 28, 10), msk(2026, 11, 28, 20)),
        (msk(2026, 11, 29, 10), msk(2026, 11, 29, 12)),
    ]
    assert all(opens.tzinfo is MOSCOW for opens, _closes in spans)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (msk(2026, 11, 27, 20, 59, 59), True),
        (msk(2026, 11, 27, 21), False),
        (msk(2026, 11, 28, 9, 59), False),
        (msk(2026, 11, 28, 10), True),
        (datetime(2026, 11, 30, 6, tzinfo=UTC), True),  # 09:00 in Moscow
    ],
)
def test_is_open_includes_opening_and_excludes_closing(moment, expected):
    assert is_open(DEFAULT, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (msk(2026, 11, 27, 21), msk(2026, 11, 28, 10)),
        (msk(2026, 11, 27, 15), msk(2026, 11, 27, 15)),
        (msk(2026, 11, 30, 0, 1), msk(2026, 11, 30, 9)),
        (datetime(2026, 11, 29, 22, tzinfo=UTC), datetime(2026, 11, 30, 6, tzinfo=UTC)),
    ],
)
def test_next_opening_is_the_moment_itself_when_open(moment, expected):
    opening = next_opening(DEFAULT, moment)

    assert opening == expected
    assert opening.tzinfo is moment.tzinfo


# Berlin switches to summer time at 02:00 on Sunday 2026-03-29 (the clock jumps
# to 03:00) and back at 03:00 on Sunday 2026-10-25 (02:00-03:00 happens twice).
def test_round_the_clock_day_in_spring_lasts_23_hours():
    schedule = every_day(ALL_DAY, tz=BERLIN)

    assert business_time_between(schedule, berlin(2026, 3, 29), berlin(2026, 3, 30)) == hours(23)
    assert add_business_time(schedule, berlin(2026, 3, 28, 12), hours(24)) == berlin(
        2026, 3, 29, 13
    )


def test_round_the_clock_day_in_autumn_lasts_25_hours():
    schedule = every_day(ALL_DAY, tz=BERLIN)

    assert business_time_between(schedule, berlin(2026, 10, 25), berlin(2026, 10, 26)) == hours(25)


def test_office_hours_keep_their_wall_times_across_the_switch():
    schedule = every_day(((time(9), time(17)),), tz=BERLIN)

    due = add_business_time(schedule, berlin(2026, 3, 28, 16), hours(2))

    assert due == berlin(2026, 3, 29, 10)
    assert due.utcoffset() == hours(2)
    assert business_time_between(schedule, berlin(2026, 3, 27), berlin(2026, 3, 31)) == hours(32)


def test_opening_inside_the_spring_gap_moves_to_the_jump():
    schedule = Schedule(
        weekly={}, tz=BERLIN, special_days={date(2026, 3, 29): ((time(2, 30), time(4)),)}
    )

    assert next_opening(schedule, berlin(2026, 3, 29)) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert business_time_between(schedule, berlin(2026, 3, 29), berlin(2026, 3, 30)) == hours(1)


def test_hours_swallowed_by_the_spring_gap_are_no_open_time():
    schedule = Schedule(
        weekly={}, tz=BERLIN, special_days={date(2026, 3, 29): ((time(2, 10), time(2, 50)),)}
    )

    assert business_time_between(schedule, berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(0)
    with pytest.raises(ValueError, match="no open time"):
        next_opening(schedule, berlin(2026, 3, 29))


def test_closing_in_the_repeated_autumn_hour_means_its_first_occurrence():
    schedule = Schedule(
        weekly={}, tz=BERLIN, special_days={date(2026, 10, 25): ((time(1), time(2, 30)),)}
    )

    spans = list(open_intervals(schedule, berlin(2026, 10, 25), berlin(2026, 10, 26)))

    assert [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in spans] == [
        (datetime(2026, 10, 24, 23, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    ]


naive = datetime(2026, 11, 27, 20, 30)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_business_time(DEFAULT, naive, hours(1)), id="add"),
        pytest.param(lambda: business_time_between(DEFAULT, naive, msk(2026, 12, 1)), id="start"),
        pytest.param(lambda: business_time_between(DEFAULT, msk(2026, 11, 1), naive), id="end"),
        pytest.param(lambda: open_intervals(DEFAULT, naive, msk(2026, 12, 1)), id="intervals"),
        pytest.param(lambda: is_open(DEFAULT, naive), id="is_open"),
        pytest.param(lambda: next_opening(DEFAULT, naive), id="next_opening"),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize("delta", [timedelta(0), -hours(1)])
def test_delta_that_is_not_positive_is_refused(delta):
    with pytest.raises(ValueError, match="delta must be positive"):
        add_business_time(DEFAULT, msk(2026, 11, 27, 12), delta)


def test_never_open_schedule_raises_instead_of_looping():
    closed = Schedule(weekly={}, tz=MOSCOW)

    with pytest.raises(ValueError, match="open time"):
        add_business_time(closed, msk(2026, 11, 27, 12), hours(1))
    with pytest.raises(ValueError, match="no open time"):
        next_opening(closed, msk(2026, 11, 27, 12))
    assert business_time_between(closed, msk(2026, 1, 1), msk(2027, 1, 1)) == timedelta(0)


def test_schedule_that_runs_out_of_open_time_says_how_much_it_had():
    schedule = Schedule(
        weekly={}, tz=MOSCOW, special_days={date(2026, 11, 30): ((time(9), time(10)),)}
    )

    with pytest.raises(ValueError, match="only 1:00:00 of open time"):
        add_business_time(schedule, msk(2026, 11, 27), hours(2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekly": {7: ()}}, "weekdays 0"),
        ({"weekly": {-1: ()}}, "weekdays 0"),
        ({"weekly": {"mon": ()}}, "weekdays 0"),
        ({"weekly": {0: ((time(9), time(9)),)}}, "does not open before it closes"),
        ({"weekly": {0: ((time(18), time(9)),)}}, "does not open before it closes"),
        ({"weekly": {0: ((time(12), time(14)), (time(9), time(11)))}}, "sorted"),
        ({"weekly": {0: ((time(9), time(13)), (time(12), time(14)))}}, "overlap"),
        ({"weekly": {0: ((time(9), time(0)), (time(10), time(0)))}}, "overlap"),
        ({"weekly": {0: (("09:00", "18:00"),)}}, "naive datetime.time"),
        ({"weekly": {0: ((time(9, tzinfo=UTC), time(18)),)}}, "naive datetime.time"),
        ({"weekly": {0: (time(9),)}}, "pair"),
        ({"tz": "Europe/Moscow"}, "ZoneInfo"),
        ({"holidays": {datetime(2026, 1, 1)}}, "datetime.date"),
        ({"special_days": {date(2026, 1, 1): ((time(10), time(9)),)}}, "special day 2026-01-01"),
    ],
)
def test_invalid_schedules_are_refused_with_a_reason(kwargs, message):
    arguments = {"weekly": {}, "tz": MOSCOW} | kwargs

    with pytest.raises(ValueError, match=message):
        Schedule(**arguments)


def test_touching_intervals_are_allowed():
    schedule = every_day(((time(9), time(12)), (time(12), time(18))))

    assert business_time_between(schedule, msk(2026, 11, 30), msk(2026, 12, 1)) == hours(9)


def test_equal_schedules_share_one_cache_entry():
    @functools.lru_cache
    def weekly_hours(schedule: Schedule) -> timedelta:
        return business_time_between(schedule, msk(2026, 11, 30), msk(2026, 12, 7))

    from_lists = Schedule(
        weekly={day: [[time(9), time(21)]] for day in range(5)}
        | {5: [(time(10), time(20))], 6: [(time(10), time(20))]},
        tz=MOSCOW,
        holidays=[],
    )

    assert weekly_hours(DEFAULT) == weekly_hours(from_lists) == hours(80)
    assert weekly_hours.cache_info().hits == 1


# Property tests ---------------------------------------------------------------

ZONES = [MOSCOW, BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]
FIXED_ZONES = [MOSCOW, ZoneInfo("UTC"), ZoneInfo("Asia/Tokyo")]
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2027, 12, 31)
MINUTES_A_DAY = 24 * 60


def moments(zones=ZONES):
    return st.sampled_from(zones).flatmap(
        lambda tz: st.datetimes(
            min_value=datetime(2026, 1, 1),
            max_value=datetime(2027, 12, 31),
            timezones=st.just(tz),
            allow_imaginary=False,
        )
    )


deltas = st.timedeltas(min_value=timedelta(microseconds=1), max_value=hours(300))


def as_time(minute: int) -> time:
    return time(*divmod(minute % MINUTES_A_DAY, 60))


@st.composite
def day_hours(draw, min_size=0):
    count = draw(st.integers(min_size, 3))
    bounds = draw(
        st.lists(
            st.integers(0, MINUTES_A_DAY),
            min_size=2 * count,
            max_size=2 * count,
            unique=True,
        ).map(sorted)
    )
    return tuple((as_time(a), as_time(b)) for a, b in zip(bounds[::2], bounds[1::2], strict=True))


@st.composite
def schedules(draw, zones=ZONES):
    days = st.dates(FIRST_DAY, LAST_DAY)
    return Schedule(
        weekly=draw(st.dictionaries(st.integers(0, 6), day_hours(min_size=1), min_size=1)),
        tz=draw(st.sampled_from(zones)),
        holidays=draw(st.frozensets(days, max_size=30)),
        special_days=draw(st.dictionaries(days, day_hours(), max_size=8)),
    )


any_schedule = st.one_of(st.just(DEFAULT), schedules())


@settings(deadline=None)
@given(schedule=any_schedule, start=moments(), delta=deltas)
def test_open_time_until_the_due_moment_is_the_delta(schedule, start, delta):
    due = add_business_time(schedule, start, delta)

    assert due > start
    assert business_time_between(schedule, start, due) == delta


@settings(deadline=None)
@given(schedule=any_schedule, start=moments(), first=deltas, second=deltas)
def test_adding_in_two_steps_equals_adding_once(schedule, start, first, second):
    halfway = add_business_time(schedule, start, first)

    assert add_business_time(schedule, halfway, second) == add_business_time(
        schedule, start, first + second
    )


@settings(deadline=None)
@given(schedule=any_schedule, start=moments(), first=deltas, second=deltas)
def test_longer_targets_fall_due_later(schedule, start, first, second):
    assume(first != second)
    shorter, longer = sorted((first, second))

    assert add_business_time(schedule, start, shorter) < add_business_time(schedule, start, longer)


@settings(deadline=None)
@given(schedule=any_schedule, points=st.lists(moments(), min_size=3, max_size=3))
def test_open_time_adds_up_over_consecutive_windows(schedule, points):
    a, b, c = sorted(points)
    whole = business_time_between(schedule, a, c)

    assert whole == business_time_between(schedule, a, b) + business_time_between(schedule, b, c)
    assert whole <= c.astimezone(UTC) - a.astimezone(UTC)


@settings(deadline=None)
@given(schedule=any_schedule, start=moments(), span=st.timedeltas(hours(0), hours(24 * 10)))
def test_open_intervals_are_open_ordered_and_sum_to_the_total(schedule, start, span):
    end = (start.astimezone(UTC) + span).astimezone(start.tzinfo)
    spans = [
        (a.astimezone(UTC), b.astimezone(UTC)) for a, b in open_intervals(schedule, start, end)
    ]

    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_a1, b1), (a2, _b2) in itertools.pairwise(spans))
    assert all(
        is_open(schedule, a) and is_open(schedule, b - timedelta.resolution) for a, b in spans
    )
    assert sum((b - a for a, b in spans), timedelta(0)) == business_time_between(
        schedule, start, end
    )


def minute_is_open(schedule: Schedule, moment: datetime) -> bool:
    """Reference: is the wall-clock minute inside one of the day's hours (no DST)."""
    local = moment.astimezone(schedule.tz)
    minute = local.hour * 60 + local.minute
    return any(
        opens.hour * 60 + opens.minute
        <= minute
        < ((closes.hour * 60 + closes.minute) or MINUTES_A_DAY)
        for opens, closes in schedule.hours_on(local.date())
    )


@settings(deadline=None, max_examples=40)
@given(
    schedule=schedules(zones=FIXED_ZONES),
    start=moments(zones=FIXED_ZONES).map(lambda m: m.replace(second=0, microsecond=0)),
    minutes=st.integers(0, 3 * MINUTES_A_DAY),
)
def test_open_time_matches_counting_minute_by_minute(schedule, start, minutes):
    samples = (start + timedelta(minutes=i) for i in range(minutes))
    expected = sum(minute_is_open(schedule, moment) for moment in samples)
    end = start + timedelta(minutes=minutes)

    assert business_time_between(schedule, start, end) == timedelta(minutes=expected)
    assert is_open(schedule, start) is minute_is_open(schedule, start)


# Working days (generic calendar; the Russian one is in test_working_days.py) ------


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 11, 27), 0, date(2026, 11, 27)),
        (date(2026, 11, 27), 1, date(2026, 11, 30)),
        (date(2026, 11, 27), 5, date(2026, 12, 4)),
        (date(2026, 11, 28), 1, date(2026, 11, 30)),
        (date(2026, 11, 30), 260, date(2027, 11, 29)),
    ],
)
def test_add_working_days_skips_weekends(day, n, expected):
    assert add_working_days(WorkingDayCalendar(), day, n) == expected


def test_days_off_are_skipped_and_working_weekend_days_count():
    calendar = WorkingDayCalendar(
        days_off={date(2026, 11, 30), date(2026, 12, 1)}, working_days={date(2026, 11, 28)}
    )

    assert add_working_days(calendar, date(2026, 11, 27), 1) == date(2026, 11, 28)
    assert add_working_days(calendar, date(2026, 11, 27), 2) == date(2026, 12, 2)
    assert working_days_between(calendar, date(2026, 11, 27), date(2026, 12, 4)) == 4


def test_working_days_between_excludes_the_start_and_includes_the_end():
    calendar = WorkingDayCalendar()

    assert working_days_between(calendar, date(2026, 11, 27), date(2026, 12, 4)) == 5
    assert working_days_between(calendar, date(2026, 11, 27), date(2026, 11, 27)) == 0
    assert working_days_between(calendar, date(2026, 12, 4), date(2026, 11, 27)) == 0


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError, match="zero or positive"):
        add_working_days(WorkingDayCalendar(), date(2026, 11, 27), -1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekend": frozenset(range(7))}, "whole week"),
        ({"weekend": frozenset({7})}, "weekdays 0"),
        ({"days_off": {date(2026, 1, 1)}, "working_days": {date(2026, 1, 1)}}, "both"),
        ({"days_off": {datetime(2026, 1, 1)}}, "datetime.date"),
    ],
)
def test_invalid_calendars_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorkingDayCalendar(**kwargs)


@st.composite
def calendars(draw):
    days = st.dates(date(2025, 6, 1), date(2027, 6, 1))
    days_off = draw(st.frozensets(days, max_size=60))
    return WorkingDayCalendar(
        weekend=draw(st.frozensets(st.integers(0, 6), max_size=6)),
        days_off=days_off,
        working_days=draw(st.frozensets(days, max_size=20)) - days_off,
    )


def walk_working_days(calendar: WorkingDayCalendar, day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


@settings(deadline=None)
@given(
    calendar=calendars(), day=st.dates(date(2025, 1, 1), date(2027, 1, 1)), n=st.integers(0, 400)
)
def test_add_working_days_matches_walking_day_by_day(calendar, day, n):
    due = add_working_days(calendar, day, n)

    assert due == walk_working_days(calendar, day, n)
    assert working_days_between(calendar, day, due) == n


@settings(deadline=None)
@given(
    calendar=calendars(),
    start=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    days=st.integers(-10, 800),
)
def test_working_days_between_matches_counting_day_by_day(calendar, start, days):
    end = start + timedelta(days=days)
    expected = sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, days + 1))

    assert working_days_between(calendar, start, end) == expected
