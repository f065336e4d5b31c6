"""The engineers' counts (taken, resolved, disputes) per day, so that the engineers page sums
~30 rows a day instead of grouping every history entry of the period.

A history entry never changes once written, and what these counts take from it — the engineer
assigned, the author of a solution, the author of the solution a dispute followed (an earlier
entry) — neither. So the settle job (tickets.reports.daily) writes the entries written before
its watermark (by their own time, not their request's) into tickets.ReportEngineerDay, one row
per local day and engineer: requests assigned to them that day (each once a day), solutions
they proposed, disputes that followed their solution. "Taken" counts a request once over the
whole period, so a request assigned to the same engineer on two days of a period would count
twice in the sum: such requests (rare) are also written, one row per day, into
tickets.ReportRepeatAssignment, and the page subtracts the extra days. The entries written
since the watermark (the last minutes') are read raw. A report narrowed by organisation, type
or priority (the request's, which may change) reads every entry raw.
"""

from collections import Counter

from django.db import connections, router
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from tickets.models import ReportEngineerDay, ReportRepeatAssignment, TicketEvent
from tickets.reports.filters import Filters

Event = TicketEvent.Kind
COUNTS = ("taken", "resolved", "disputes")


def solution_author() -> Subquery:
    """The author of the latest solution before a (dispute) entry on the same request."""
    return Subquery(
        TicketEvent.objects.filter(
            ticket=OuterRef("ticket"),
            kind=Event.RESOLVED,
            created_at__lte=OuterRef("created_at"),
            pk__lt=OuterRef("pk"),
        )
        .order_by("-created_at", "-pk")
        .values("actor")[:1]
    )


def _by_kind(events, *, since):
    """(day, engineer, taken, resolved, disputes) rows of `events`, one query per kind; a
    request already counted as taken on its day by an entry before `since` is not again."""
    zero = Value(0, output_field=IntegerField())
    dated = events.annotate(day=TruncDate("created_at")).order_by()
    assigned = dated.filter(kind=Event.ASSIGNED, assigned_to__isnull=False)
    if since is not None:
        assigned = assigned.exclude(Exists(_same_pair(before=since).filter(day=OuterRef("day"))))
    taken = assigned.values("day", engineer=F("assigned_to")).annotate(
        taken=Count("ticket", distinct=True), resolved=zero, disputes=zero
    )
    resolved = (
        dated.filter(kind=Event.RESOLVED, actor__isnull=False)
        .values("day", engineer=F("actor"))
        .annotate(taken=zero, resolved=Count("pk"), disputes=zero)
    )
    disputes = (
        events.filter(kind=Event.DISPUTED)
        .annotate(day=TruncDate("created_at"), resolver=solution_author())
        .filter(resolver__isnull=False)
        .order_by()
        .values("day", engineer=F("resolver"))
        .annotate(taken=zero, resolved=zero, disputes=Count("pk"))
    )
    return taken, resolved, disputes


def _same_pair(*, before):
    """Assignment entries before `before` of the outer entry's request to its engineer."""
    return TicketEvent.objects.filter(
        ticket=OuterRef("ticket"),
        kind=Event.ASSIGNED,
        assigned_to=OuterRef("assigned_to"),
        created_at__lt=before,
    ).annotate(day=TruncDate("created_at"))


def settle(*, since, until) -> int:
    """Count the history entries written in [since, until) into both tables (entries never
    change once written); rows written."""
    events = TicketEvent.objects.filter(created_at__lt=until)
    if since is not None:
        events = events.filter(created_at__gte=since)
    connection = connections[router.db_for_write(ReportEngineerDay)]
    quote = connection.ops.quote_name
    parts = [query.query.sql_with_params() for query in _by_kind(events, since=since)]
    # Our own generated SQL of the three queries; the values travel as parameters.
    union = " UNION ALL ".join(
        f"SELECT * FROM ({sql}) q{i}"  # noqa: S608
        for i, (sql, _p) in enumerate(parts)
    )
    params = tuple(value for _sql, part_params in parts for value in part_params)
    columns = ", ".join(quote(c) for c in ("day", "engineer_id", *COUNTS))
    sums = ", ".join(f"SUM({quote(c)})" for c in COUNTS)
    table = quote(ReportEngineerDay._meta.db_table)
    add = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in COUNTS)
    # Only our own quoted names are interpolated; the values travel as parameters. A day and
    # engineer already there takes the new counts in (one row a key; WHERE true: SQLite's
    # parser needs a WHERE before an upsert's ON CONFLICT in INSERT … SELECT).
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {quote('day')}, {quote('engineer')}, {sums} FROM ({union}) u WHERE true "
        f"GROUP BY {quote('day')}, {quote('engineer')} "
        f"ON CONFLICT ({quote('day')}, {quote('engineer_id')}) DO UPDATE SET {add}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.rowcount
    return rows + _settle_repeats(events, until=until)


def _settle_repeats(events, *, until) -> int:
    """Write the days of the requests assigned to the same engineer on two days or more
    (among the entries before `until`) that the new `events` touch and are not written yet."""
    new = events.filter(kind=Event.ASSIGNED, assigned_to__isnull=False)
    pairs = (
        TicketEvent.objects.filter(
            kind=Event.ASSIGNED, assigned_to__isnull=False, created_at__lt=until
        )
        .filter(Exists(new.filter(ticket=OuterRef("ticket"), assigned_to=OuterRef("assigned_to"))))
        .order_by()
        .values_list("ticket", "assigned_to")
        .annotate(days=Count(TruncDate("created_at"), distinct=True))
        .filter(days__gt=1)
    )
    repeats = []
    for ticket, engineer, _days in pairs:
        days = set(
            TicketEvent.objects.filter(
                ticket=ticket, kind=Event.ASSIGNED, assigned_to=engineer, created_at__lt=until
            )
            .annotate(day=TruncDate("created_at"))
            .values_list("day", flat=True)
        )
        known = set(
            ReportRepeatAssignment.objects.filter(ticket=ticket, engineer=engineer).values_list(
                "day", flat=True
            )
        )
        repeats += [
            ReportRepeatAssignment(day=day, engineer_id=engineer, ticket_id=ticket)
            for day in sorted(days - known)
        ]
    ReportRepeatAssignment.objects.bulk_create(repeats)
    return len(repeats)


def settled_counts(filters: Filters) -> dict[str, Counter]:
    """{count: {engineer: n}} of the settled history in the period; two queries."""
    days = ReportEngineerDay.objects.filter(day__gte=filters.start, day__lte=filters.end)
    result = {name: Counter() for name in COUNTS}
    rows = days.order_by().values_list("engineer").annotate(*(Sum(name) for name in COUNTS))
    for engineer, *values in rows:
        for name, value in zip(COUNTS, values, strict=True):
            result[name][engineer] += value or 0
    repeats = (
        ReportRepeatAssignment.objects.filter(day__gte=filters.start, day__lte=filters.end)
        .order_by()
        .values_list("engineer")
        .annotate(rows=Count("pk"), tickets=Count("ticket", distinct=True))
    )
    for engineer, rows_in_period, tickets in repeats:
        result["taken"][engineer] -= rows_in_period - tickets
    return result


def live_counts(filters: Filters, watermark) -> dict[str, Counter]:
    """{count: {engineer: n}} of the entries of the period written since the watermark (the
    last minutes'), every kind in one query grouped by the person it counts for; a request
    the engineer had already taken in the period before the watermark is not taken again."""
    earlier = TicketEvent.objects.filter(
        ticket=OuterRef("ticket"),
        kind=Event.ASSIGNED,
        assigned_to=OuterRef("assigned_to"),
        created_at__gte=filters.since,
        created_at__lt=watermark,
    )
    person = Case(
        When(kind=Event.ASSIGNED, then=F("assigned_to")),
        When(kind=Event.RESOLVED, then=F("actor")),
        default=solution_author(),
        output_field=IntegerField(),
    )
    rows = (
        TicketEvent.objects.filter(
            filters.period("created_at"),
            created_at__gte=watermark,
            kind__in=[Event.ASSIGNED, Event.RESOLVED, Event.DISPUTED],
        )
        .exclude(Q(kind=Event.ASSIGNED) & Exists(earlier))
        .order_by()
        .annotate(person=person)
        .filter(person__isnull=False)
        .values_list("kind", "person")
        .annotate(n=Count("pk"), tickets=Count("ticket", distinct=True))
    )
    result = {name: Counter() for name in COUNTS}
    for kind, engineer, n, tickets in rows:
        if kind == Event.ASSIGNED:
            result["taken"][engineer] += tickets
        else:
            result["resolved" if kind == Event.RESOLVED else "disputes"][engineer] += n
    return result
