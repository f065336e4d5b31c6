"""The Russian production calendar for 2026-2027 as built from the holidays package."""

from datetime import date

import pytest

from sla.clock import add_working_days, working_days_between
from sla.working_days import russian_calendar

CALENDAR = russian_calendar([2026, 2027])


def test_ten_working_days_after_christmas_friday_skip_the_new_year_holidays():
    # 31 Dec 2026 is a day off by Government decree No. 1466 of 24 Sep 2025 (moved
    # from Sunday 4 Jan 2026); 1-8 Jan 2027 are holidays by the Labour Code, art. 112.
    due = add_working_days(CALENDAR, date(2026, 12, 25), 10)

    assert due == date(2027, 1, 19)
    assert working_days_between(CALENDAR, date(2026, 12, 25), due) == 10


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2026, 1, 9), False, id="2026-01-09-moved-from-saturday-3-jan"),
        pytest.param(date(2026, 1, 12), True, id="2026-01-12-first-working-day"),
        pytest.param(date(2026, 3, 9), False, id="2026-03-09-womens-day-on-sunday"),
        pytest.param(date(2026, 5, 11), False, id="2026-05-11-victory-day-on-saturday"),
        pytest.param(date(2026, 11, 4), False, id="2026-11-04-unity-day"),
        pytest.param(date(2026, 12, 30), True, id="2026-12-30-ordinary-wednesday"),
        pytest.param(date(2026, 12, 31), False, id="2026-12-31-moved-from-sunday-4-jan"),
        pytest.param(date(2027, 1, 8), False, id="2027-01-08-new-year-holidays"),
        pytest.param(date(2027, 1, 11), True, id="2027-01-11-first-working-day"),
        # The 2027 transfers below are as the holidays package (0.109) records them.
        pytest.param(date(2027, 2, 20), True, id="2027-02-20-working-saturday"),
        pytest.param(date(2027, 2, 22), False, id="2027-02-22-moved-from-saturday-20-feb"),
        pytest.param(date(2027, 12, 31), False, id="2027-12-31-moved-from-sunday-3-jan"),
    ],
)
def test_production_calendar_days(day, working):
    assert CALENDAR.is_working_day(day) is working


def test_2026_has_247_working_days():
    assert working_days_between(CALENDAR, date(2025, 12, 31), date(2026, 12, 31)) == 247


def test_manual_day_off_wins_over_a_working_saturday():
    calendar = russian_calendar([2027], extra_days_off=[date(2027, 2, 20)])

    assert not calendar.is_working_day(date(2027, 2, 20))


def test_manual_working_day_wins_over_a_public_day_off():
    calendar = russian_calendar([2026, 2027], extra_working_days=[date(2026, 12, 31)])

    assert calendar.is_working_day(date(2026, 12, 31))
    assert add_working_days(calendar, date(2026, 12, 25), 10) == date(2027, 1, 18)


def test_calendar_knows_only_the_years_it_was_built_for():
    only_2026 = russian_calendar([2026])

    # Without 2027 the January holidays are ordinary weekdays.
    assert only_2026.is_working_day(date(2027, 1, 4))


def test_same_date_as_manual_day_off_and_working_day_is_refused():
    with pytest.raises(ValueError, match="both"):
        russian_calendar(
            [2026], extra_days_off=[date(2026, 5, 4)], extra_working_days=[date(2026, 5, 4)]
        )


def test_no_years_is_refused():
    with pytest.raises(ValueError, match="at least one year"):
        russian_calendar([])
