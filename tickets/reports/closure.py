"""Closure: how requests end, and how often a solution comes back.

- How closed: requests closed in the period (closed_at), by close_reason: confirmed by the
  customer, closed automatically (no answer to the solution in time), withdrawn by the
  customer, closed by support.
- Dispute rate: of the requests with a solution proposed ("resolved" event) in the period,
  the share that the customer disputed ("disputed" event) in the period at least once.
- Reopen count: "disputed" plus "reopened" (support took a solution back) events in the period.

Organisation, type and priority filter the requests behind every figure.
"""

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from tickets import charts
from tickets.models import Ticket, TicketEvent
from tickets.reports.common import Report, label_of
from tickets.reports.filters import Filters
from tickets.reports.tables import Column, Kind, Table, percent

Event = TicketEvent.Kind


def reasons_table(filters: Filters) -> Table:
    """Requests closed in the period by close reason, with their shares: one query."""
    counts = dict(
        Ticket.objects.filter(filters.period("closed_at"), filters.facets())
        .order_by()
        .values_list("close_reason")
        .annotate(n=Count("pk"))
    )
    total = sum(counts.values())
    reasons = Ticket.CloseReason.values
    rows = [
        (label_of(Ticket.CloseReason, r), counts.get(r, 0), percent(counts.get(r, 0), total))
        for r in reasons
    ]
    unknown = total - sum(counts.get(r, 0) for r in reasons)
    if unknown:  # closed before close reasons were recorded
        rows.append((_("Reason not recorded"), unknown, percent(unknown, total)))
    return Table(
        name="closure",
        title=_("How requests were closed"),
        columns=[
            Column(_("How closed")),
            Column(_("Requests"), Kind.COUNT),
            Column(_("Share, %"), Kind.PERCENT),
        ],
        rows=rows,
        footer=[(_("Total"), total, percent(total, total))],
    )


def dispute_figures(filters: Filters) -> dict:
    """Requests resolved and disputed in the period, disputes and reopens: one query (an
    aggregate over the per-request counts of the period's events)."""
    per_request = (
        TicketEvent.objects.filter(
            filters.period("created_at"),
            filters.facets("ticket__"),
            kind__in=[Event.RESOLVED, Event.DISPUTED, Event.REOPENED],
        )
        .order_by()
        .values("ticket")
        .annotate(
            solutions=Count("pk", filter=Q(kind=Event.RESOLVED)),
            disputes=Count("pk", filter=Q(kind=Event.DISPUTED)),
            reopens=Count("pk", filter=Q(kind=Event.REOPENED)),
        )
    )
    totals = per_request.aggregate(
        resolved_requests=Count("ticket", filter=Q(solutions__gt=0)),
        disputed_requests=Count("ticket", filter=Q(solutions__gt=0, disputes__gt=0)),
        dispute_events=Sum("disputes", default=0),
        reopen_events=Sum("reopens", default=0),
    )
    totals["dispute_rate"] = percent(totals["disputed_requests"], totals["resolved_requests"])
    totals["reopen_count"] = totals["dispute_events"] + totals["reopen_events"]
    return totals


def disputes_table(filters: Filters) -> Table:
    """Dispute rate, disputes, reopens and the reopen count of the period."""
    f = dispute_figures(filters)
    return Table(
        name="disputes",
        title=_("Disputes and reopens"),
        columns=[
            Column(_("Requests with a solution"), Kind.COUNT),
            Column(_("Of them disputed"), Kind.COUNT),
            Column(_("Dispute rate, %"), Kind.PERCENT),
            Column(_("Disputes"), Kind.COUNT),
            Column(_("Reopened by support"), Kind.COUNT),
            Column(_("Reopen count"), Kind.COUNT),
        ],
        rows=[
            (
                f["resolved_requests"],
                f["disputed_requests"],
                f["dispute_rate"],
                f["dispute_events"],
                f["reopen_events"],
                f["reopen_count"],
            )
        ],
    )


def closure_chart(closure: Table) -> charts.Chart:
    """Bars of the requests closed in the period by how."""
    return charts.bar_chart(
        title=_("How requests were closed"),
        description=_(
            "Requests closed in the period by how they were closed; the numbers are in the table."
        ),
        categories=[row[0] for row in closure.rows],
        series=[charts.Series(_("Requests"), [row[1] for row in closure.rows])],
    )


def build(filters: Filters, *, now=None) -> Report:
    """How requests were closed; disputes and reopens."""
    report = Report()
    report.add(reasons_table(filters))
    report.charts["closure"] = closure_chart(report.tables["closure"])
    report.add(disputes_table(filters))
    return report
