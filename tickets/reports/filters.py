"""What every report is narrowed to: a period of local calendar days and optional facets."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

DEFAULT_DAYS = 30
DAY_BUCKETS_UP_TO = 62  # days; longer periods are charted by week...
WEEK_BUCKETS_UP_TO = 731  # ... and longer than two years by month
TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def default_period(today: date, *, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The last `days` days, today included."""
    return today - timedelta(days=days - 1), today


def local_midnight(day: date) -> datetime:
    """The start of a calendar day in the site's time zone (TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Filters:
    """A period of whole local days (both ends included) and the organisation, type, priority."""

    start: date
    end: date
    organization_id: int | None = None
    type: str | None = None
    priority: int | None = None

    @property
    def since(self) -> datetime:
        return local_midnight(self.start)

    @property
    def until(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return local_midnight(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def period(self, field: str) -> Q:
        """`field` (a datetime) falls in the period."""
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})

    def facets(self, prefix: str = "") -> Q:
        """Organisation, type and priority of the request (`prefix` reaches it from a relation)."""
        condition = Q()
        if self.organization_id is not None:
            condition &= Q(**{f"{prefix}organization_id": self.organization_id})
        if self.type:
            condition &= Q(**{f"{prefix}type": self.type})
        if self.priority is not None:
            condition &= Q(**{f"{prefix}priority": self.priority})
        return condition

    @property
    def bucket(self) -> str:
        """How a time series over the period is grouped: "day", "week" or "month"."""
        if self.days <= DAY_BUCKETS_UP_TO:
            return "day"
        return "week" if self.days <= WEEK_BUCKETS_UP_TO else "month"

    def trunc(self, field: str):
        """The bucket start of `field`, truncated in the site's time zone."""
        return TRUNC[self.bucket](field)

    def bucket_starts(self) -> list[date]:
        """Every bucket of the period, empty ones included, as the local date it starts on."""
        return bucket_starts(self.start, self.end, self.bucket)


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the bucket `day` falls in (weeks start on Monday)."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def bucket_starts(start: date, end: date, bucket: str) -> list[date]:
    """The first day of every bucket from `start` to `end`."""
    starts, current = [], bucket_start(start, bucket)
    while current <= end:
        starts.append(current)
        if bucket == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7 if bucket == "week" else 1)
    return starts


def as_local_date(value) -> date | None:
    """The local calendar date of a truncated datetime as the database returns it: aware
    (through the ORM), naive local (PostgreSQL, raw) or a string (SQLite, raw)."""
    if value is None:
        return None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
