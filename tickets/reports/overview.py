"""Overview: the open backlog, requests created and resolved over the period, and the
requests running late or about to (as of now)."""

from collections import Counter

from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When, Window
from django.utils import formats
from django.utils.translation import gettext as _

from tickets import charts
from tickets.models import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, ReportDay, Ticket
from tickets.reports import daily
from tickets.reports.common import (
    EXPORT_CHUNK,
    LIST_LIMIT,
    Labels,
    Report,
    priority_label,
    status_label,
    ticket_ref,
    type_label,
)
from tickets.reports.filters import Filters, as_local_date
from tickets.reports.tables import Column, Kind, Table

FIRST_RESPONSE, RESOLUTION, BOTH = "first_response", "resolution", "both"


def build(filters: Filters, *, now) -> Report:
    """Backlog, created vs resolved, current breaches and requests at risk."""
    report = Report()
    report.add(*backlog_tables(filters))
    flow = flow_table(filters)
    report.add(flow)
    report.charts["flow"] = flow_chart(filters, flow)
    report.add(late_table(filters, now=now, limit=LIST_LIMIT))
    report.add(at_risk_table(filters, now=now, limit=LIST_LIMIT))
    return report


def backlog_tables(filters: Filters) -> list[Table]:
    """Open requests (new, in progress, waiting) now, by status, priority and type; one query.

    The period does not apply: the backlog is what is open today."""
    counts = (
        Ticket.objects.filter(filters.facets(), status__in=OPEN_STATUSES)
        .order_by()
        .values_list("status", "priority", "type")
        .annotate(n=Count("pk"))
    )
    by_status, by_priority, by_type = Counter(), Counter(), Counter()
    for status, priority, ticket_type, n in counts:
        by_status[status] += n
        by_priority[priority] += n
        by_type[ticket_type] += n
    total = sum(by_status.values())
    requests = Column(_("Open requests"), Kind.COUNT)

    def table(name, title, heading, counter, choices, label):
        rows = [(label(value), counter.get(value, 0)) for value in choices]
        return Table(
            name=name,
            title=title,
            columns=[Column(heading), requests],
            rows=rows,
            footer=[(_("Total"), total)],
        )

    return [
        table(
            "backlog_status",
            _("Open backlog by status"),
            _("Status"),
            by_status,
            OPEN_STATUSES,
            status_label,
        ),
        table(
            "backlog_priority",
            _("Open backlog by priority"),
            _("Priority"),
            by_priority,
            Ticket.Priority.values,
            priority_label,
        ),
        table(
            "backlog_type",
            _("Open backlog by type"),
            _("Type"),
            by_type,
            Ticket.Type.values,
            type_label,
        ),
    ]


def flow_table(filters: Filters) -> Table:
    """Requests created (created_at) and resolved (resolved_at: the latest solution proposed)
    per day or week of the period: the settled ones summed from the day × priority × type
    table, the live ones counted raw (tickets.reports.daily; all raw for one organisation);
    three grouped queries at most."""
    watermark = daily.watermark_for(filters, daily.settled_before())
    created, resolved = Counter(), Counter()
    for live in daily.live_parts(watermark):
        more_created, more_resolved = _live_per_bucket(filters, live=live)
        created.update(more_created)
        resolved.update(more_resolved)
    if watermark is not None:
        for start, filed, solved in _settled_per_bucket(filters):
            created[start] = created.get(start, 0) + filed
            resolved[start] = resolved.get(start, 0) + solved
    kind = Kind.DATE if filters.bucket == "day" else Kind(filters.bucket)
    heading = {"day": _("Day"), "week": _("Week starting"), "month": _("Month")}[filters.bucket]
    rows = [
        (start, created.get(start, 0), resolved.get(start, 0)) for start in filters.bucket_starts()
    ]
    return Table(
        name="flow",
        title=_("Requests created and resolved"),
        columns=[
            Column(heading, kind),
            Column(_("Created"), Kind.COUNT),
            Column(_("Resolved"), Kind.COUNT),
        ],
        rows=rows,
        footer=[(_("Total"), sum(created.values()), sum(resolved.values()))],
    )


def _live_per_bucket(filters: Filters, *, live: Q) -> tuple[Counter, Counter]:
    """Created and resolved per bucket of the live requests, read once: each counted by the
    pair (bucket filed in, bucket resolved in), either blank outside the period (a few
    thousand pairs at most)."""
    created_in, resolved_in = filters.period("created_at"), filters.period("resolved_at")
    rows = (
        Ticket.objects.filter(filters.facets(), live)
        .filter(created_in | resolved_in)
        .order_by()
        .annotate(
            filed=Case(When(created_in, then=filters.trunc("created_at"))),
            solved=Case(When(resolved_in, then=filters.trunc("resolved_at"))),
        )
        .values_list("filed", "solved")
        .annotate(n=Count("pk"))
    )
    created, resolved = Counter(), Counter()
    for filed, solved, n in rows:
        if filed is not None:
            created[as_local_date(filed)] += n
        if solved is not None:
            resolved[as_local_date(solved)] += n
    return created, resolved


def _settled_per_bucket(filters: Filters):
    """(bucket start, filed, resolved) of the settled requests, from the daily table."""
    rows = (
        ReportDay.objects.filter(filters.facets(), day__gte=filters.start, day__lte=filters.end)
        .order_by()
        .annotate(bucket=filters.trunc("day"))
        .values_list("bucket")
        .annotate(sum_filed=Sum("filed"), sum_resolved=Sum("resolved"))
    )
    return [(as_local_date(bucket), filed, solved) for bucket, filed, solved in rows]


def flow_chart(filters: Filters, flow: Table) -> charts.Chart:
    """Lines of requests created and resolved per bucket of the period."""
    label = "SHORT_DAY_MONTH_FORMAT" if filters.bucket != "month" else "SHORT_YEAR_MONTH_FORMAT"
    return charts.line_chart(
        title=_("Requests created and resolved"),
        description=_(
            "Requests created and resolved per day or week of the period; the same "
            "numbers are in the table below."
        ),
        categories=[formats.date_format(row[0], label) for row in flow.rows],
        series=[
            charts.Series(_("Created"), [row[1] for row in flow.rows]),
            charts.Series(_("Resolved"), [row[2] for row in flow.rows]),
        ],
    )


# --- Running late, at risk ---------------------------------------------------------------


def _late_conditions(now):
    first = Q(first_response_at__isnull=True, first_response_due_at__lt=now)
    resolution = Q(resolution_due_at__lt=now)
    return first, resolution


def running_late(filters: Filters, *, now):
    """Running requests (new, in progress) past a due time now: resolution due passed, or
    first response due passed without a first response. Most overdue first."""
    first, resolution = _late_conditions(now)
    return (
        Ticket.objects.filter(filters.facets(), status__in=CLOCK_RUNNING_STATUSES)
        .filter(first | resolution)
        .annotate(
            target=Case(
                When(first & resolution, then=Value(BOTH)),
                When(first, then=Value(FIRST_RESPONSE)),
                default=Value(RESOLUTION),
                output_field=CharField(),
            ),
            due=Case(When(first, then=F("first_response_due_at")), default=F("resolution_due_at")),
        )
        .order_by("due", "pk")
    )


def at_risk(filters: Filters, *, now):
    """Running requests not late yet with less than 20% of a target left (its at-risk moment,
    set by the SLA tracking, has passed). Soonest due first."""
    first_late, resolution_late = _late_conditions(now)
    first = Q(
        first_response_at__isnull=True,
        first_response_risk_at__lte=now,
        first_response_due_at__gte=now,
    )
    resolution = Q(resolution_risk_at__lte=now, resolution_due_at__gte=now)
    return (
        Ticket.objects.filter(filters.facets(), status__in=CLOCK_RUNNING_STATUSES)
        .filter(first | resolution)
        .exclude(first_late | resolution_late)
        .annotate(
            target=Case(
                When(first, then=Value(FIRST_RESPONSE)),
                default=Value(RESOLUTION),
                output_field=CharField(),
            ),
            due=Case(When(first, then=F("first_response_due_at")), default=F("resolution_due_at")),
        )
        .order_by("due", "pk")
    )


LIST_FIELDS = (
    "pk",
    "subject",
    "organization__name",
    "priority",
    "status",
    "assignee__full_name",
    "target",
    "due",
)


def _target_label(target: str) -> str:
    return {
        FIRST_RESPONSE: _("First response"),
        RESOLUTION: _("Resolution"),
        BOTH: _("First response and resolution"),
    }[target]


def _list_columns() -> list[Column]:
    return [
        Column(_("Request"), Kind.TICKET),
        Column(_("Subject")),
        Column(_("Organisation")),
        Column(_("Priority")),
        Column(_("Status")),
        Column(_("Engineer"), empty=_("not assigned")),
        Column(_("Target")),
        Column(_("Due"), Kind.DATETIME),
    ]


def _list_row(values, labels: Labels, targets: dict) -> tuple:
    pk, subject, organization, priority, status, engineer, target, due = values[:8]
    return (
        ticket_ref(pk),
        subject,
        organization,
        labels.priority.get(priority, ""),
        labels.status.get(status, ""),
        engineer,
        targets[target],
        due,
    )


def _list_table(name: str, title: str, queryset, *, limit: int | None) -> Table:
    labels = Labels()
    targets = {target: _target_label(target) for target in (FIRST_RESPONSE, RESOLUTION, BOTH)}
    if limit is None:  # the export: every row, streamed
        rows = (
            _list_row(v, labels, targets)
            for v in queryset.values_list(*LIST_FIELDS).iterator(chunk_size=EXPORT_CHUNK)
        )
        return Table(name=name, title=title, columns=_list_columns(), rows=rows)
    page = list(
        queryset.annotate(total=Window(Count("pk"))).values_list(*LIST_FIELDS, "total")[:limit]
    )
    return Table(
        name=name,
        title=title,
        columns=_list_columns(),
        rows=[_list_row(v, labels, targets) for v in page],
        total=page[0][-1] if page else 0,
    )


def late_table(filters: Filters, *, now, limit: int | None) -> Table:
    """The requests running late now (the first `limit`, or all streamed)."""
    return _list_table("late", _("Running late now"), running_late(filters, now=now), limit=limit)


def at_risk_table(filters: Filters, *, now, limit: int | None) -> Table:
    """The requests at risk now (the first `limit`, or all streamed)."""
    return _list_table("at_risk", _("At risk now"), at_risk(filters, now=now), limit=limit)


def exports(filters: Filters, *, now) -> dict:
    """The long lists, streamed whole for CSV."""
    return {
        "late": lambda: late_table(filters, now=now, limit=None),
        "at_risk": lambda: at_risk_table(filters, now=now, limit=None),
    }
