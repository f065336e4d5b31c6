"""Backlog ageing: how long the open requests have been open, by priority (as of now).

Open = new, in progress or waiting for the customer. Age = calendar time since filing
(created_at), not business time. Buckets: under 1 day, 1–3, 3–7, 7–30, over 30 days (each
bucket includes its lower bound). The period does not apply: the backlog is what is open now;
organisation, type and priority do.
"""

from datetime import timedelta
from itertools import pairwise

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from tickets import charts
from tickets.models import OPEN_STATUSES, Ticket
from tickets.reports.common import Report, priority_label, status_label, ticket_ref
from tickets.reports.filters import Filters
from tickets.reports.tables import Column, Kind, Table

BOUNDS_DAYS = (1, 3, 7, 30)
OLDEST = 20


def bucket_labels() -> list[str]:
    """The age buckets' headings, youngest first."""
    return [_("Under 1 day"), _("1–3 days"), _("3–7 days"), _("7–30 days"), _("Over 30 days")]


def bucket_conditions(now) -> list[Q]:
    """created_at ranges of the buckets, youngest first."""
    edges = [now - timedelta(days=days) for days in BOUNDS_DAYS]
    conditions = [Q(created_at__gt=edges[0])]
    conditions += [
        Q(created_at__lte=newer, created_at__gt=older) for newer, older in pairwise(edges)
    ]
    conditions.append(Q(created_at__lte=edges[-1]))
    return conditions


def open_requests(filters: Filters):
    """Open requests now, narrowed by organisation, type and priority."""
    return Ticket.objects.filter(filters.facets(), status__in=OPEN_STATUSES)


def ageing_table(filters: Filters, *, now) -> Table:
    """Open requests per priority and age bucket: one grouped query with conditional counts."""
    counts = {
        f"b{i}": Count("pk", filter=condition) for i, condition in enumerate(bucket_conditions(now))
    }
    rows = open_requests(filters).order_by().values("priority").annotate(**counts)
    by_priority = {row["priority"]: [row[f"b{i}"] for i in range(len(counts))] for row in rows}
    empty = [0] * len(counts)
    table_rows = [
        (priority_label(p), *by_priority.get(p, empty), sum(by_priority.get(p, empty)))
        for p in Ticket.Priority.values
    ]
    totals = [sum(row[i] for row in table_rows) for i in range(1, len(counts) + 2)]
    return Table(
        name="ageing",
        title=_("Open requests by age"),
        columns=[
            Column(_("Priority")),
            *(Column(label, Kind.COUNT) for label in bucket_labels()),
            Column(_("Total"), Kind.COUNT),
        ],
        rows=table_rows,
        footer=[(_("Total"), *totals)],
    )


def oldest_table(filters: Filters) -> Table:
    """The oldest open requests, oldest first, linked to the console."""
    rows = (
        open_requests(filters)
        .order_by("created_at", "pk")
        .values_list(
            "pk",
            "subject",
            "organization__name",
            "priority",
            "status",
            "assignee__full_name",
            "created_at",
        )[:OLDEST]
    )
    return Table(
        name="oldest",
        title=_("The oldest open requests"),
        columns=[
            Column(_("Request"), Kind.TICKET),
            Column(_("Subject")),
            Column(_("Organisation")),
            Column(_("Priority")),
            Column(_("Status")),
            Column(_("Engineer"), empty=_("not assigned")),
            Column(_("Filed"), Kind.DATETIME),
        ],
        rows=[
            (
                ticket_ref(pk),
                subject,
                org,
                priority_label(priority),
                status_label(status),
                engineer,
                created,
            )
            for pk, subject, org, priority, status, engineer, created in rows
        ],
    )


def ageing_chart(ageing: Table) -> charts.Chart:
    """Bars per age bucket, one per priority."""
    labels = bucket_labels()
    return charts.bar_chart(
        title=_("Open requests by age"),
        description=_(
            "Open requests in each age bucket, one bar per priority; the numbers are in the table."
        ),
        categories=labels,
        series=[charts.Series(row[0], list(row[1 : 1 + len(labels)])) for row in ageing.rows],
    )


def build(filters: Filters, *, now) -> Report:
    """Open requests by age and priority, and the oldest of them."""
    report = Report()
    report.add(ageing_table(filters, now=now))
    report.charts["ageing"] = ageing_chart(report.tables["ageing"])
    report.add(oldest_table(filters))
    return report
