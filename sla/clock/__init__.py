"""Business-time arithmetic for SLA clocks: open hours, holidays and working days.

Pure: no Django, no database and never the current time. Callers pass the moments
and the calendar, so every answer is deterministic and a Schedule can be a cache key.

schedule holds the calendar, business_time the operations on it (the hot two read the
prefix sums of open_time, the rest walk the days of days), working_days the day counts.
"""

from sla.clock.business_time import (
    add_business_time,
    business_time_between,
    is_open,
    next_opening,
    open_intervals,
)
from sla.clock.days import MIDNIGHT, Hours, Interval, Span
from sla.clock.schedule import Schedule
from sla.clock.working_days import WorkingDayCalendar, add_working_days, working_days_between

__all__ = [
    "MIDNIGHT",
    "Hours",
    "Interval",
    "Schedule",
    "Span",
    "WorkingDayCalendar",
    "add_business_time",
    "add_working_days",
    "business_time_between",
    "is_open",
    "next_opening",
    "open_intervals",
    "working_days_between",
]
