"""Working days: a weekend rule with dated exceptions, counted by bisection."""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

from sla.clock.days import ONE_DAY
from sla.clock.schedule import WEEKDAYS, checked_date, checked_weekday


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
        weekend = frozenset(checked_weekday(weekday) for weekday in self.weekend)
        if len(weekend) == len(WEEKDAYS):
            raise ValueError("weekend cannot cover the whole week")
        days_off = frozenset(checked_date(day, "days_off") for day in self.days_off)
        working_days = frozenset(checked_date(day, "working_days") for day in self.working_days)
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
        current += ONE_DAY
        remaining -= calendar.is_working_day(current)
    return current
