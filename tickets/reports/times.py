"""Times: median and 90th percentile of the time to first response and to resolution.

Which requests count: filed in the period (created_at), narrowed by organisation, type and
priority, that have the time (first_response_time: answered; resolution_time: a solution was
proposed — the latest one after a dispute). Both are business time on the request's own
calendar with the stopped clock (waiting for the customer, resolved) excluded, written by the
lifecycle when they happen. Percentiles as defined in tickets.reports.stats.
"""

from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Organization
from tickets import charts
from tickets.models import Ticket
from tickets.reports.common import Report, priority_label, type_label
from tickets.reports.filters import Filters
from tickets.reports.stats import Spread, duration_spreads
from tickets.reports.tables import Column, Kind, Table

FIELDS = ("first_response_time", "resolution_time")
NONE = Spread(count=0, median=None, p90=None)


def measured(filters: Filters):
    """Requests filed in the period, narrowed by organisation, type and priority."""
    return Ticket.objects.filter(filters.period("created_at"), filters.facets())


def _columns(heading: str) -> list[Column]:
    return [
        Column(heading),
        Column(_("First response: requests"), Kind.COUNT),
        Column(_("First response: median"), Kind.DURATION),
        Column(_("First response: 90th percentile"), Kind.DURATION),
        Column(_("Resolution: requests"), Kind.COUNT),
        Column(_("Resolution: median"), Kind.DURATION),
        Column(_("Resolution: 90th percentile"), Kind.DURATION),
    ]


def _cells(spreads: dict) -> tuple:
    first, resolution = spreads.get(FIELDS[0], NONE), spreads.get(FIELDS[1], NONE)
    return (
        first.count,
        first.median,
        first.p90,
        resolution.count,
        resolution.median,
        resolution.p90,
    )


def times_tables(filters: Filters, *, by_organisation: bool = True) -> list[Table]:
    """Overall, by priority, by type (and by organisation): one query each."""
    queryset = measured(filters)
    overall = duration_spreads(queryset, fields=FIELDS)[()]
    tables = [
        Table(
            name="times",
            title=_("Time to first response and to resolution"),
            columns=_columns(_("Requests")),
            rows=[(_("All requests of the period"), *_cells(overall))],
        )
    ]
    by_priority = duration_spreads(queryset, fields=FIELDS, group_by={"priority": F("priority")})
    tables.append(
        Table(
            name="times_by_priority",
            title=_("Times by priority"),
            columns=_columns(_("Priority")),
            rows=[
                (priority_label(p), *_cells(by_priority.get((p,), {})))
                for p in Ticket.Priority.values
            ],
        )
    )
    by_type = duration_spreads(queryset, fields=FIELDS, group_by={"type": F("type")})
    tables.append(
        Table(
            name="times_by_type",
            title=_("Times by type"),
            columns=_columns(_("Type")),
            rows=[(type_label(t), *_cells(by_type.get((t,), {}))) for t in Ticket.Type.values],
        )
    )
    if by_organisation:
        # Grouped by id (a cheaper sort than by name); the names come in one small query.
        by_id = duration_spreads(queryset, fields=FIELDS, group_by={"pk": F("organization_id")})
        names = dict(
            Organization.objects.filter(pk__in=[key[0] for key in by_id]).values_list("pk", "name")
        )
        by_org = {(names.get(key[0], ""), key[0]): spreads for key, spreads in by_id.items()}
        tables.append(
            Table(
                name="times_by_organisation",
                title=_("Times by organisation"),
                columns=_columns(_("Organisation")),
                rows=[(name, *_cells(spreads)) for (name, _pk), spreads in sorted(by_org.items())],
            )
        )
    return tables


def _hours(value) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 2)


def priority_chart(by_priority: Table) -> charts.Chart:
    """Bars of the median and 90th percentile time to resolution by priority."""
    return charts.bar_chart(
        title=_("Median and 90th percentile of the time to resolution by priority"),
        description=_("Business hours to resolution by priority; the numbers are in the table."),
        categories=[row[0] for row in by_priority.rows],
        series=[
            charts.Series(_("Median, hours"), [_hours(row[5]) for row in by_priority.rows]),
            charts.Series(
                _("90th percentile, hours"), [_hours(row[6]) for row in by_priority.rows]
            ),
        ],
        fmt=lambda value: _("%(hours)s h") % {"hours": f"{value:g}"},
    )


def build(filters: Filters, *, now=None) -> Report:
    """Median and 90th percentile by priority, type and organisation."""
    report = Report()
    report.add(*times_tables(filters))
    report.charts["by_priority"] = priority_chart(report.tables["times_by_priority"])
    return report
