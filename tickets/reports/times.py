"""Times: median and 90th percentile of the time to first response and to resolution.

Which requests count: filed in the period (created_at), narrowed by organisation, type and
priority, that have the time (first_response_time: answered; resolution_time: a solution was
proposed — the latest one after a dispute). Both are business time on the request's own
calendar with the stopped clock (waiting for the customer, resolved) excluded, written by the
lifecycle when they happen. Percentiles as defined in tickets.reports.stats: exact on SQLite;
on PostgreSQL read from log-scale bucket counts (tickets.reports.sketch, within 4.43% or one
second of the exact value) summed from the month tables of the settled requests and one
bucketed pass over the others (tickets.reports.time_buckets).
"""

from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Organization
from tickets import charts
from tickets.models import ReportTimeMonth, Ticket
from tickets.reports import daily, sketch, time_buckets, time_ranks
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


GROUPINGS = {"overall": (), "priority": ("priority",), "type": ("type",)}
BY_ORGANISATION = {"organization": ("organization_id",)}
# The raw pass of the usual page groups by priority and type together (16 keys) and rolls the
# overall, priority and type cells up from them here: two grouping sets instead of four.
FINEST = {"priority_type": ("priority", "type")}


def spreads(filters: Filters, *, by_organisation: bool = True) -> dict[str, dict]:
    """{grouping: {key: {field: Spread}}} for the overall, priority, type (and organisation)
    groupings: on PostgreSQL from the month tables plus one bucketed pass over the other
    requests (tickets.reports.time_buckets; within the sketch's tolerance), on SQLite
    exactly, one query per grouping."""
    groupings = GROUPINGS | (BY_ORGANISATION if by_organisation else {})
    if not time_buckets.enabled():
        return {
            name: duration_spreads(
                measured(filters), fields=FIELDS, group_by={key: F(key) for key in grouping}
            )
            for name, grouping in groupings.items()
        }
    watermark = daily.settled_before()
    coarse = daily.watermark_for(filters, watermark)
    by_org = daily.watermark_for(filters, watermark, by_organisation=True)
    cells = time_buckets.Cells(groupings)
    parts, months = _raw_parts(filters, coarse)
    if months is not None and by_organisation and by_org is not None and by_org == coarse:
        # The usual page: the organisations' percentiles picked in SQL (time_ranks), the
        # months at the ends read whole when they lie mostly in the period.
        reading = time_buckets.trimmed_reading(
            filters,
            dated="created_at",
            live=daily.live_parts(coarse),
            settled=daily.settled(coarse),
        )
        everywhere = Ticket.objects.filter(filters.facets())
        raw_cells, organisations = time_ranks.cells_and_organisations(
            [measured(filters).filter(part) for part in reading.parts],
            months=reading.months,
            fields=FIELDS,
            groupings=FINEST | BY_ORGANISATION,
            ranked="organization",
            less=[everywhere.filter(part) for part in reading.less],
        )
        cells = time_buckets.Cells(GROUPINGS)
        time_buckets.add_stored(
            cells,
            ReportTimeMonth,
            months=reading.months,
            facets=filters.facets(),
            groupings=GROUPINGS,
        )
        _add_rolled_up(cells, raw_cells.get("priority_type", {}))
        result = cells.spreads()
        result["overall"].setdefault((), {field: NONE for field in FIELDS})
        result["organization"] = organisations
        return result
    # Here the organisations' figures, if wanted, are all raw: by_org is None (narrowed by
    # priority or type) whenever the page above was not taken.
    if months is not None:
        time_buckets.add_stored(
            cells, ReportTimeMonth, months=months, facets=filters.facets(), groupings=GROUPINGS
        )
    raw = [measured(filters).filter(part) for part in parts]
    if not by_organisation or by_org == coarse:  # the usual case: one raw pass for all
        cells.add_raw(_raw_cells(raw, groupings))
    else:  # narrowed by priority or type: the organisations' figures are all raw
        cells.add_raw(_raw_cells(raw, GROUPINGS))
        cells.add_raw(_raw_cells(measured(filters), BY_ORGANISATION))
    result = cells.spreads()
    result["overall"].setdefault((), {field: NONE for field in FIELDS})
    return result


def _add_rolled_up(cells: time_buckets.Cells, by_priority_and_type: dict) -> None:
    """The raw pass's (priority, type) cells into the overall, priority and type groupings."""
    (finest,) = FINEST.values()
    positions = {name: [finest.index(k) for k in grouping] for name, grouping in GROUPINGS.items()}
    for key, per_field in by_priority_and_type.items():
        keys = {name: tuple(key[p] for p in where) for name, where in positions.items()}
        for field, buckets in per_field.items():
            for bucket, n, smallest, largest in buckets:
                for name, rolled in keys.items():
                    cells.add(name, rolled, field, bucket, n, smallest, largest)


def _raw_parts(filters: Filters, watermark):
    live = None if watermark is None else daily.live_parts(watermark)
    return time_buckets.raw_parts(filters, dated="created_at", live=live)


def _raw_cells(queryset, groupings) -> dict:
    return sketch.bucket_cells(queryset, fields=FIELDS, groupings=groupings)


def times_tables(filters: Filters, *, by_organisation: bool = True) -> list[Table]:
    """Overall, by priority, by type (and by organisation)."""
    figures = spreads(filters, by_organisation=by_organisation)
    overall = figures["overall"][()]
    tables = [
        Table(
            name="times",
            title=_("Time to first response and to resolution"),
            columns=_columns(_("Requests")),
            rows=[(_("All requests of the period"), *_cells(overall))],
        )
    ]
    by_priority = figures["priority"]
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
    by_type = figures["type"]
    tables.append(
        Table(
            name="times_by_type",
            title=_("Times by type"),
            columns=_columns(_("Type")),
            rows=[(type_label(t), *_cells(by_type.get((t,), {}))) for t in Ticket.Type.values],
        )
    )
    if by_organisation:
        # Grouped by id (a cheaper grouping than by name); the names come in one small query.
        by_id = figures["organization"]
        names = dict(
            Organization.objects.filter(pk__in=[key[0] for key in by_id]).values_list("pk", "name")
        )
        by_org = {(names.get(key[0], ""), key[0]): cells for key, cells in by_id.items()}
        tables.append(
            Table(
                name="times_by_organisation",
                title=_("Times by organisation"),
                columns=_columns(_("Organisation")),
                rows=[(name, *_cells(cells)) for (name, _pk), cells in sorted(by_org.items())],
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
