"""Measure SLA clock throughput: due times and open time by distance, cold starts, working days.

Run: .venv/bin/python bench/clock_bench.py [--n 20000] [--seed 1] [--repeat 3]

Warm rows time a second pass over the same arguments (the best of --repeat passes), so
whatever the clock caches per schedule is in place; the goal of issue 11 is 300,000 ops/s
for each operation, whatever the distance. Cold rows time the first call on a schedule
the process has never seen (a distinct holiday makes each one new), which is what the
first request after a calendar edit or a worker start pays. Only public functions are
called, so the script measures an older sla.clock just as well (copy it next to a
checkout of that version). Other work on the machine skews the figures: note the load.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Imported after the sys.path line above, which makes the script runnable from anywhere.
from sla.clock import (
    Schedule,
    add_business_time,
    add_working_days,
    business_time_between,
)
from sla.working_days import russian_calendar

YEAR_START = datetime(2026, 1, 1)
SECONDS_A_YEAR = 365 * 24 * 3600
HOUR = 3600
WEEK = 7 * 24 * HOUR
YEAR = 365 * 24 * HOUR
# (name, range of seconds): for business_time_between the wall distance from start to end,
# for add_business_time the open time added (80 h a week: 2-3 years is ~8,300-12,500 h).
BETWEEN_DISTANCES = [("1-12 h", (HOUR, 12 * HOUR)), ("1-6 weeks", (WEEK, 6 * WEEK)),
                     ("2-3 years", (2 * YEAR, 3 * YEAR))]  # fmt: skip
ADD_DISTANCES = [("1-12 h", (HOUR, 12 * HOUR)), ("80-480 h (1-6 weeks)", (80 * HOUR, 480 * HOUR)),
                 ("8,300-12,500 h (2-3 years)", (8300 * HOUR, 12500 * HOUR))]  # fmt: skip


def schedules(calendar) -> dict[str, Schedule]:
    """Support hours in Moscow (no DST) and in Berlin (DST), with the Russian days off."""
    default = Schedule.default()
    days_off = frozenset(calendar.days_off)
    return {
        "Moscow": Schedule(weekly=default.weekly, tz=default.tz, holidays=days_off),
        "Berlin": Schedule(weekly=default.weekly, tz=ZoneInfo("Europe/Berlin"), holidays=days_off),
    }


def random_moments(rng: random.Random, tz: ZoneInfo, n: int) -> list[datetime]:
    """Aware moments spread over 2026 in `tz`."""
    return [
        (YEAR_START + timedelta(seconds=rng.randrange(SECONDS_A_YEAR))).replace(tzinfo=tz)
        for _ in range(n)
    ]


def rate(operation: Callable[[object], object], arguments: list, repeat: int) -> float:
    """Warm operations per second: one pass to warm up, then the best of `repeat` passes."""
    for argument in arguments:
        operation(argument)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for argument in arguments:
            operation(argument)
        best = min(best, time.perf_counter() - started)
    return len(arguments) / best


def cold_milliseconds(schedule: Schedule, start: datetime, seconds: int, count: int) -> float:
    """Median time of the first business_time_between on a schedule never seen before."""
    times = []
    for i in range(count):
        fresh = Schedule(
            weekly=schedule.weekly,
            tz=schedule.tz,
            holidays=schedule.holidays | {date(1900, 1, 1) + timedelta(days=i)},
        )
        end = start + timedelta(seconds=seconds)
        started = time.perf_counter()
        business_time_between(fresh, start, end)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    """Print operations per second for the clock's hot paths, by distance."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000, help="operations per row")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed warm passes per row")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    calendar = russian_calendar([2026, 2027])
    n = options.n
    print(f"load average (1 min) {os.getloadavg()[0]:.2f}; {n} operations a row")
    print(f"{'warm':<58}{'ops/s':>12}")
    for zone, schedule in schedules(calendar).items():
        starts = random_moments(rng, schedule.tz, n)
        for name, (low, high) in BETWEEN_DISTANCES:
            spans = [(s, s + timedelta(seconds=rng.randrange(low, high))) for s in starts]
            ops = rate(lambda span: business_time_between(schedule, *span), spans, options.repeat)  # noqa: B023
            print(f"{f'business_time_between, {name}, {zone}':<58}{ops:>12,.0f}")
        for name, (low, high) in ADD_DISTANCES:
            targets = [(s, timedelta(seconds=rng.randrange(low, high))) for s in starts]
            ops = rate(lambda pair: add_business_time(schedule, *pair), targets, options.repeat)  # noqa: B023
            print(f"{f'add_business_time, {name}, {zone}':<58}{ops:>12,.0f}")
    days = [moment.date() for moment in random_moments(rng, ZoneInfo("UTC"), n)]
    for count in (10, 250):
        ops = rate(lambda day: add_working_days(calendar, day, count), days, options.repeat)  # noqa: B023
        print(f"{f'add_working_days, n={count} (RU 2026-27)':<58}{ops:>12,.0f}")

    print(f"\n{'cold: first call on a new schedule (median of 20)':<58}{'ms':>12}")
    for zone, schedule in schedules(calendar).items():
        start = datetime(2026, 6, 15, 12, tzinfo=schedule.tz)
        for name, seconds in (("1 h", HOUR), ("3 years", 3 * YEAR)):
            ms = cold_milliseconds(schedule, start, seconds, 20)
            print(f"{f'business_time_between, {name}, {zone}':<58}{ms:>12.2f}")


if __name__ == "__main__":
    main()
