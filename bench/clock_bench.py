"""Measure SLA clock throughput: due times, open time between moments, working days.

Run: .venv/bin/python bench/clock_bench.py [--n 20000] [--seed 1]
"""

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Imported after the sys.path line above, which makes the script runnable from anywhere.
from sla import clock
from sla.clock import (
    Schedule,
    add_business_time,
    add_working_days,
    business_time_between,
)
from sla.working_days import russian_calendar

YEAR_START = datetime(2026, 1, 1)
SECONDS_A_YEAR = 365 * 24 * 3600


def random_moments(rng: random.Random, schedule: Schedule, n: int) -> list[datetime]:
    """Aware moments spread over 2026 in the schedule's zone."""
    return [
        (YEAR_START + timedelta(seconds=rng.randrange(SECONDS_A_YEAR))).replace(tzinfo=schedule.tz)
        for _ in range(n)
    ]


def measure(operation: Callable[[object], object], arguments: list) -> float:
    """Operations per second of `operation` over prepared `arguments`."""
    started = time.perf_counter()
    for argument in arguments:
        operation(argument)
    return len(arguments) / (time.perf_counter() - started)


def uncached(operation: Callable[[object], object]) -> Callable[[object], object]:
    """`operation` with the clock's per-day cache emptied first: the cold path."""

    def cold(argument: object) -> object:
        clock._utc_hours.cache_clear()
        return operation(argument)

    return cold


def main() -> None:
    """Print a table of operations per second for the clock's hot paths."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000, help="operations per row")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    schedule = Schedule.default()
    calendar = russian_calendar([2026, 2027])
    n = options.n

    starts = random_moments(rng, schedule, n)
    targets = [timedelta(minutes=rng.randrange(60, 80 * 60 + 1)) for _ in range(n)]
    spans = [(start, start + timedelta(hours=rng.uniform(0, 30 * 24))) for start in starts]
    days = [moment.date() for moment in starts]
    due = lambda pair: add_business_time(schedule, *pair)  # noqa: E731
    between = lambda span: business_time_between(schedule, *span)  # noqa: E731
    due_arguments = list(zip(starts, targets, strict=True))
    rows = [
        ("add_business_time, 1-80 h, cold", measure(uncached(due), due_arguments)),
        ("add_business_time, 1-80 h, warm", measure(due, due_arguments)),
        ("business_time_between, 0-30 d, cold", measure(uncached(between), spans)),
        ("business_time_between, 0-30 d, warm", measure(between, spans)),
        (
            "add_working_days, n=10 (RU 2026-27)",
            measure(lambda day: add_working_days(calendar, day, 10), days),
        ),
        (
            "add_working_days, n=250 (RU 2026-27)",
            measure(lambda day: add_working_days(calendar, day, 250), days),
        ),
    ]
    print(f"{'operation':<40}{'ops/s':>12}   ({n} each, seed {options.seed})")
    for name, rate in rows:
        print(f"{name:<40}{rate:>12,.0f}")


if __name__ == "__main__":
    main()
