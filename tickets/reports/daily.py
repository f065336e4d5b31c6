"""Daily totals of settled requests, so that a report over a year or two sums a table of
small rows instead of reading and joining every request of the period.

**What is in the tables.** A request is *settled* once it is closed before the watermark
`ReportDayState.settled_before`: a closed request stays closed (a new question is a new
request) and nothing of it that the reports count changes afterwards — its times, due
times, breaches, priority, type, organisation. Settled requests are summed by the local day
(Moscow, the site's TIME_ZONE) they were filed on and the day of their solution, at two
coarse grains: tickets.ReportDay by day × priority × type (~16 rows a day: two years are
~12,000 rows, for the overall, priority, type and month figures) and
tickets.ReportOrganizationDay by day × organisation × contract (for the by-organisation
table). A finer grain (both at once) gave as many rows as requests: nothing to gain. A
report narrowed to one organisation reads its requests raw (a few thousand a year, through
the ticket_org_created index), and one narrowed by priority or type counts its
by-organisation table raw (`watermark_for`). Every other request — open, resolved and not
yet closed, or closed after the watermark — is *live* and read raw by the report, as before,
through the same conditions. Every figure is therefore table + live, exactly the numbers of the raw
computation, whenever the job last ran: nothing needs invalidating, no "dirty days", and
a late resolution only moves a request from live to settled once it is closed.

**Who fills them.** `settle()` — the django-q2 job `tickets.jobs.settle_report_days`, every
10 minutes — moves the requests closed between the old and the new watermark into the
tables with one INSERT … SELECT each, grouped by day and key, and moves the watermark, in one
transaction under a row lock (safe to run twice or concurrently). The new watermark lags
`now` by SETTLE_LAG so that a closing still being committed is not passed over. A day and
key a run meets again adds to its row (one row a key, an upsert). The first
run (or `manage.py settle_report_days`) settles all history in two statements. Today is
live: the lifecycle writes nothing here.

On the quick-start SQLite the same statements run (ORM-built), so both databases read the
same tables.
"""

from datetime import timedelta

from django.db import connections, router, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from sla.models import Breach
from tickets.models import (
    DONE_STATUSES,
    ReportDay,
    ReportDayState,
    ReportOrganizationDay,
    Ticket,
)
from tickets.reports import engineer_days, time_buckets
from tickets.reports.filters import Filters

SETTLE_LAG = timedelta(minutes=10)
TABLES = {  # table: its key (after the day)
    ReportDay: ("priority", "type"),
    ReportOrganizationDay: ("organization_id", "contract_id"),
}
# How each key column is named in the table's unique key (report_day's constraints): the
# contract, which may be NULL, as COALESCE(contract, 0) — NULLs never conflict.
CONFLICT = {"contract_id": "(COALESCE({}, 0))"}
SUMS = (
    "filed",
    "resolved",
    "first_met",
    "first_missed",
    "resolution_met",
    "resolution_missed",
    "breach_rows",
)
FIRST, RESOLUTION = Breach.Target.FIRST_RESPONSE, Breach.Target.RESOLUTION


def settled_before() -> object | None:
    """The watermark: requests closed before it are in ReportDay (None: nothing is yet)."""
    return ReportDayState.objects.values_list("settled_before", flat=True).first()


def watermark_for(filters: Filters, watermark, *, by_organisation: bool = False):
    """The watermark to read the tables with for a report narrowed by `filters`, or None:
    count every request raw. One organisation's requests are few (read raw through their
    index; the tables have no organisation and priority/type together); the organisation
    table has no priority and type, so a by-organisation count narrowed by them is raw."""
    if watermark is None or filters.organization_id is not None:
        return None
    if by_organisation and (filters.type or filters.priority is not None):
        return None
    return watermark


def live(watermark) -> Q:
    """Requests not in ReportDay: not closed, or closed at or after the watermark (as one
    condition; the pages read them as live_parts)."""
    if watermark is None:
        return Q()
    return ~Q(status=Ticket.Status.CLOSED) | Q(closed_at__gte=watermark)


def settled(watermark) -> Q:
    """Requests in the tables (the complement of `live`): closed before the watermark."""
    return Q(status=Ticket.Status.CLOSED, closed_at__lt=watermark)


def live_parts(watermark) -> list[Q]:
    """The live requests as disjoint parts, each read on its own through one index: the
    requests not closed (an index-only scan of ticket_report_open, a few per cent of them)
    and those closed at or after the watermark (the last minutes' closings). Read together,
    as one OR, they would be fetched from the table row by row."""
    if watermark is None:
        return [Q()]
    return [
        ~Q(status=Ticket.Status.CLOSED),
        Q(status=Ticket.Status.CLOSED, closed_at__gte=watermark),
    ]


def settle(*, now=None) -> int:
    """Sum the requests closed since the last run into both tables, their times into the
    month tables of tickets.reports.time_buckets and their history into the engineers' days
    (tickets.reports.engineer_days); how many rows it wrote."""
    now = now or timezone.now()
    with transaction.atomic():
        state, _created = ReportDayState.objects.get_or_create(pk=1)
        state = ReportDayState.objects.select_for_update().get(pk=state.pk)
        until = now - SETTLE_LAG
        since = state.settled_before
        if since is not None and until <= since:
            return 0
        closed = Q(status=Ticket.Status.CLOSED, closed_at__lt=until)
        if since is not None:
            closed &= Q(closed_at__gte=since)
        settled = Ticket.objects.filter(closed)
        rows = sum(_insert(settled, table, keys) for table, keys in TABLES.items())
        rows += time_buckets.settle(settled)
        rows += engineer_days.settle(since=since, until=until)
        state.settled_before = until
        state.save(update_fields=["settled_before"])
    return rows


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _breach(target: str) -> Exists:
    return Exists(Breach.objects.filter(ticket=OuterRef("pk"), target=target))


def _filed(tickets, keys):
    """One row per request, on the day it was filed, with its SLA outcome as 0/1 flags."""
    first_due, resolution_due = (
        Q(first_response_due_at__isnull=False),
        Q(resolution_due_at__isnull=False),
    )
    in_cohort = first_due | resolution_due
    first_breach, resolution_breach = Q(_first_breach=True), Q(_resolution_breach=True)
    return (
        tickets.annotate(
            _first_breach=_breach(FIRST),
            _resolution_breach=_breach(RESOLUTION),
            day=TruncDate("created_at"),
        )
        .order_by()
        .values(
            "day",
            *keys,
            filed=Value(1),
            resolved=Value(0),
            first_met=_flag(first_due & Q(first_response_at__isnull=False) & ~first_breach),
            first_missed=_flag(first_due & first_breach),
            resolution_met=_flag(
                resolution_due
                & Q(status__in=DONE_STATUSES, resolved_at__isnull=False)
                & ~resolution_breach
            ),
            resolution_missed=_flag(resolution_due & resolution_breach),
            breach_rows=_flag(in_cohort & first_breach) + _flag(in_cohort & resolution_breach),
        )
    )


def _resolved(tickets, keys):
    """One row per request with a solution, on the day of its (latest) solution."""
    # In the order of SUMS, as _filed's: the UNION ALL pairs the columns by position.
    flags = {name: Value(0) for name in SUMS}
    flags["resolved"] = Value(1)
    return (
        tickets.filter(resolved_at__isnull=False)
        .annotate(day=TruncDate("resolved_at"))
        .order_by()
        .values("day", *keys, **flags)
    )


def _insert(tickets, model, keys) -> int:
    """INSERT … SELECT the per-request rows of `tickets` into `model`, grouped by day and
    `keys`."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    filed_sql, filed_params = _filed(tickets, keys).query.sql_with_params()
    resolved_sql, resolved_params = _resolved(tickets, keys).query.sql_with_params()
    table = quote(model._meta.db_table)
    conflict = ", ".join(CONFLICT.get(key, "{}").format(quote(key)) for key in ("day", *keys))
    keys = ", ".join(quote(key) for key in ("day", *keys))
    sums = ", ".join(f"SUM({quote(name)})" for name in SUMS)
    columns = f"{keys}, " + ", ".join(quote(name) for name in SUMS)
    add = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + EXCLUDED.{quote(name)}" for name in SUMS
    )
    # Only our own quoted names are interpolated; the values travel as parameters. A key
    # already there (a day settled by an earlier run) takes the new counts in: one row a key,
    # so that the table does not grow with the number of runs. (WHERE true: SQLite's parser
    # needs a WHERE before an upsert's ON CONFLICT in INSERT … SELECT.)
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {keys}, {sums} FROM ("  # noqa: S608
        f"SELECT * FROM ({filed_sql}) f UNION ALL SELECT * FROM ({resolved_sql}) r"
        f") u WHERE true GROUP BY {keys} ON CONFLICT ({conflict}) DO UPDATE SET {add}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*filed_params, *resolved_params))
        return cursor.rowcount
