"""Daily totals of settled requests, so that a report over a year or two sums a table of
small rows instead of reading and joining every request of the period.

**What is in the table (tickets.ReportDay).** A request is *settled* once it is closed
before the watermark `ReportDayState.settled_before`: a closed request stays closed (a new
question is a new request) and nothing of it that the reports count changes afterwards —
its times, due times, breaches, priority, type, organisation. Settled requests are summed
into ReportDay by the local day (Moscow, the site's TIME_ZONE) they were filed on and the
day of their solution; every other request — open, resolved and not yet closed, or closed
after the watermark — is *live* and read raw by the report, as before, through the same
conditions. Every figure is therefore table + live, exactly the numbers of the raw
computation, whenever the job last ran: nothing needs invalidating, no "dirty days", and
a late resolution only moves a request from live to settled once it is closed.

**Who fills it.** `settle()` — the django-q2 job `tickets.jobs.settle_report_days`, every
10 minutes — moves the requests closed between the old and the new watermark into the
table with one INSERT … SELECT grouped by day and key, and moves the watermark, in one
transaction under a row lock (safe to run twice or concurrently). The new watermark lags
`now` by SETTLE_LAG so that a closing still being committed is not passed over. The first
run (or `manage.py settle_report_days`, or the migration) settles all history in one
statement. Today is live: the lifecycle writes nothing here.

On the quick-start SQLite the same statements run (ORM-built), so both databases read the
same table.
"""

from datetime import timedelta

from django.db import connections, router, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from sla.models import Breach
from tickets.models import DONE_STATUSES, ReportDay, ReportDayState, Ticket

SETTLE_LAG = timedelta(minutes=10)
KEYS = ("day", "organization_id", "contract_id", "priority", "type")
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


def live(watermark) -> Q:
    """Requests not in ReportDay: not closed, or closed at or after the watermark."""
    if watermark is None:
        return Q()
    # Written as an OR of two small sets, each with its index (ticket_report_live and
    # ticket_report_closed), rather than as NOT(closed before): the database then reads
    # only the live requests instead of every request of the period.
    return ~Q(status=Ticket.Status.CLOSED) | Q(closed_at__gte=watermark)


def settle(*, now=None) -> int:
    """Sum the requests closed since the last run into ReportDay; how many rows it wrote."""
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
        rows = _insert(Ticket.objects.filter(closed))
        state.settled_before = until
        state.save(update_fields=["settled_before"])
    return rows


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _breach(target: str) -> Exists:
    return Exists(Breach.objects.filter(ticket=OuterRef("pk"), target=target))


def _filed(tickets):
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
            *KEYS,
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


def _resolved(tickets):
    """One row per request with a solution, on the day of its (latest) solution."""
    # In the order of SUMS, as _filed's: the UNION ALL pairs the columns by position.
    flags = {name: Value(0) for name in SUMS}
    flags["resolved"] = Value(1)
    return (
        tickets.filter(resolved_at__isnull=False)
        .annotate(day=TruncDate("resolved_at"))
        .order_by()
        .values(*KEYS, **flags)
    )


def _insert(tickets) -> int:
    """INSERT … SELECT the per-request rows of `tickets`, grouped by day and key."""
    connection = connections[router.db_for_write(ReportDay)]
    quote = connection.ops.quote_name
    filed_sql, filed_params = _filed(tickets).query.sql_with_params()
    resolved_sql, resolved_params = _resolved(tickets).query.sql_with_params()
    table = quote(ReportDay._meta.db_table)
    keys = ", ".join(quote(key) for key in KEYS)
    sums = ", ".join(f"SUM({quote(name)})" for name in SUMS)
    columns = ", ".join(quote(name) for name in (*KEYS, *SUMS))
    # Only our own quoted names are interpolated; the values travel as parameters.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {keys}, {sums} FROM ("  # noqa: S608
        f"SELECT * FROM ({filed_sql}) f UNION ALL SELECT * FROM ({resolved_sql}) r"
        f") u GROUP BY {keys}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*filed_params, *resolved_params))
        return cursor.rowcount
