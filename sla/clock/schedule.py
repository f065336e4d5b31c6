"""Schedule: a week of open hours in one time zone, with holidays and special days."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sla.clock.days import Hours, Interval
from sla.clock.open_time import SpecialDaysOpenTime, WeeklyOpenTime, shared_open_time

FULL_DAY = timedelta(hours=24)
WEEKDAYS = range(7)


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
    # The open time as prefix sums, filled as moments are asked about (see WeeklyOpenTime).
    _open_time: WeeklyOpenTime | SpecialDaysOpenTime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tz, ZoneInfo):
            raise ValueError(f"tz must be a zoneinfo.ZoneInfo, got {self.tz!r}")
        weekly = _FrozenMapping(
            (checked_weekday(weekday), _checked_hours(hours, f"weekday {weekday}"))
            for weekday, hours in self.weekly.items()
        )
        special_days = _FrozenMapping(
            (checked_date(day, "special_days"), _checked_hours(hours, f"special day {day}"))
            for day, hours in self.special_days.items()
        )
        holidays = frozenset(checked_date(day, "holidays") for day in self.holidays)
        self._set("weekly", weekly)
        self._set("special_days", special_days)
        self._set("holidays", holidays)
        self._set("_by_weekday", tuple(weekly.get(weekday, ()) for weekday in WEEKDAYS))
        self._set("_open_special_days", tuple(sorted(d for d, h in special_days.items() if h)))
        self._set("_open_time", shared_open_time(self))

    def _set(self, name: str, value: object) -> None:
        # The dataclass is frozen; normalising its own fields once is the exception.
        object.__setattr__(self, name, value)

    @classmethod
    def default(cls) -> "Schedule":
        """Support hours: Mon-Fri 09:00-21:00, Sat-Sun 10:00-20:00, Moscow time."""
        weekdays = ((time(9), time(21)),)
        weekend = ((time(10), time(20)),)
        weekly = {weekday: weekdays if weekday < 5 else weekend for weekday in WEEKDAYS}
        return cls(weekly=weekly, tz=ZoneInfo("Europe/Moscow"))

    def hours_on(self, day: date) -> Hours:
        """The wall-clock open hours of one calendar day."""
        special = self.special_days.get(day)
        if special is not None:
            return special
        if day in self.holidays:
            return ()
        return self._by_weekday[day.weekday()]


def checked_weekday(weekday: object) -> int:
    if type(weekday) is not int or weekday not in WEEKDAYS:
        raise ValueError(f"weekly keys must be weekdays 0 (Monday) to 6, got {weekday!r}")
    return weekday


def checked_date(day: object, name: str) -> date:
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
        start, end = _since_midnight(opens), _since_midnight(closes) or FULL_DAY
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
