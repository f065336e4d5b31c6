"""SLA compliance: the share of requests that met their first-response and resolution targets.

Which requests count (the cohort): requests filed in the period (created_at, local days) that
have SLA targets (their plan covers their type: the due times are set), narrowed by
organisation, type and priority. For each target separately:

- met: the target was reached (first response: `first_response_at` is set; resolution: the
  request is resolved or closed with `resolved_at` set) and there is no Breach row for it;
- missed: there is a Breach row for it (late when reached, or recorded by the SLA monitor
  while overdue), or the request is running (new, in progress) past that due time without it
  (the monitor records those within a minute; counting them keeps "now" exact);
- not counted: the target is not due yet, the request waits for the customer (the clock is
  stopped), or it was withdrawn or closed by support without that target reached or missed.

Compliance = met / (met + missed); blank when nothing is counted.

Requests closed before the daily tables' watermark are read from them (tickets.reports.daily),
the others raw: the same numbers, without reading a year of requests and their breaches.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, FilteredRelation, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.translation import gettext as _

from sla.models import Breach, Contract
from tickets import charts
from tickets.models import (
    CLOCK_RUNNING_STATUSES,
    DONE_STATUSES,
    ReportDay,
    ReportOrganizationDay,
    Ticket,
)
from tickets.reports import daily
from tickets.reports.common import (
    EXPORT_CHUNK,
    LIST_LIMIT,
    Audience,
    Labels,
    Report,
    priority_label,
    ticket_ref,
    type_label,
)
from tickets.reports.filters import Filters, as_local_date
from tickets.reports.rollup import rollup
from tickets.reports.tables import Column, Kind, Table, percent

FIRST, RESOLUTION = Breach.Target.FIRST_RESPONSE, Breach.Target.RESOLUTION


@dataclass(frozen=True)
class Compliance:
    """Met and missed counts of both targets, and their rates in per cent."""

    first_met: int = 0
    first_missed: int = 0
    resolution_met: int = 0
    resolution_missed: int = 0
    breach_rows: int = 0  # Breach rows of these requests (both targets)

    @property
    def first_rate(self) -> float | None:
        return percent(self.first_met, self.first_met + self.first_missed)

    @property
    def resolution_rate(self) -> float | None:
        return percent(self.resolution_met, self.resolution_met + self.resolution_missed)

    def cells(self) -> tuple:
        return (
            self.first_met,
            self.first_missed,
            self.first_rate,
            self.resolution_met,
            self.resolution_missed,
            self.resolution_rate,
        )


def cohort(filters: Filters):
    """Requests filed in the period with SLA targets, each joined to its (at most one per
    target) breach rows."""
    return (
        Ticket.objects.filter(filters.period("created_at"), filters.facets())
        .filter(Q(first_response_due_at__isnull=False) | Q(resolution_due_at__isnull=False))
        .alias(
            first_breach=FilteredRelation("breaches", condition=Q(breaches__target=FIRST)),
            resolution_breach=FilteredRelation(
                "breaches", condition=Q(breaches__target=RESOLUTION)
            ),
        )
        .order_by()
    )


def counts(*, now) -> dict:
    """The four conditional counts of the module docstring."""
    first_due = Q(first_response_due_at__isnull=False)
    resolution_due = Q(resolution_due_at__isnull=False)
    return {
        "first_met": Count(
            "pk", filter=first_due & Q(first_response_at__isnull=False, first_breach__isnull=True)
        ),
        "first_missed": Count(
            "pk",
            filter=first_due
            & (
                Q(first_breach__isnull=False)
                | Q(
                    first_response_at__isnull=True,
                    status__in=CLOCK_RUNNING_STATUSES,
                    first_response_due_at__lt=now,
                )
            ),
        ),
        "resolution_met": Count(
            "pk",
            filter=resolution_due
            & Q(
                status__in=DONE_STATUSES, resolved_at__isnull=False, resolution_breach__isnull=True
            ),
        ),
        "resolution_missed": Count(
            "pk",
            filter=resolution_due
            & (
                Q(resolution_breach__isnull=False)
                | Q(status__in=CLOCK_RUNNING_STATUSES, resolution_due_at__lt=now)
            ),
        ),
    }


COUNTS = ("first_met", "first_missed", "resolution_met", "resolution_missed")
SUMS = (*COUNTS, "breach_rows")
GROUPINGS = {
    "overall": (),
    "organization": ("organization_id", "contract_id"),
    "priority": ("priority",),
    "type": ("type",),
    "month": ("month",),
}


def compliance(filters: Filters, *, now, by: Sequence[str]) -> dict[str, list[tuple]]:
    """{grouping: [(key, Compliance), ...]} for each grouping named in `by` (of GROUPINGS),
    sorted by key.

    Settled requests (closed before the watermark) are summed from the daily tables — the
    organisation grouping from the organisation table, the others from the priority × type
    table — one statement each; the live rest are counted raw (tickets.reports.daily): the
    sum is what the raw count of the whole cohort gives."""
    watermark = daily.settled_before()
    small = [name for name in by if name != "organization"]
    coarse = daily.watermark_for(filters, watermark)
    by_org = coarse
    if "organization" in by:
        by_org = daily.watermark_for(filters, watermark, by_organisation=True)
    rows_by: dict[str, list[dict]] = {}
    if by_org == coarse:  # the usual case: one read of the live requests for every grouping
        for live in daily.live_parts(coarse):
            rows_by = _plus(rows_by, _live_rows(filters, now=now, by=by, live=live))
    else:  # narrowed by priority or type: the by-organisation counts are all raw
        for live in daily.live_parts(coarse):
            rows_by = _plus(rows_by, _live_rows(filters, now=now, by=small, live=live))
        for live in daily.live_parts(by_org):
            rows_by = _plus(rows_by, _live_rows(filters, now=now, by=["organization"], live=live))
    if coarse is not None and small:
        rows_by = _plus(rows_by, _settled_rows(ReportDay, filters, by=small))
    if "organization" in by and by_org is not None:
        rows_by = _plus(rows_by, _settled_rows(ReportOrganizationDay, filters, by=["organization"]))
    # Grouped by integers (a cheaper grouping than by names); names come in one small query.
    contracts = _contract_names({row["contract_id"] for row in rows_by.get("organization", [])})
    result = {}
    for name, rows in rows_by.items():
        summed: dict[tuple, Counter] = {}
        for row in rows:
            key = _key(row, name, contracts)
            summed.setdefault(key, Counter()).update({m: row[m] for m in SUMS})
        if not GROUPINGS[name] and not summed:
            summed[()] = Counter()
        pairs = [(key, _compliance(counts)) for key, counts in summed.items()]
        result[name] = sorted(pairs, key=lambda pair: _order(name, pair[0]))
    return result


def _plus(rows_by: dict[str, list[dict]], more: dict[str, list[dict]]) -> dict[str, list[dict]]:
    for name, rows in more.items():
        rows_by[name] = [*rows_by.get(name, []), *rows]
    return rows_by


def _live_rows(filters: Filters, *, now, by: Sequence[str], live: Q) -> dict[str, list[dict]]:
    """The raw counts of the cohort's live requests for every grouping of `by` in one
    statement: counted once at the finest grain the groupings need, summed again per
    grouping by the database (tickets.reports.rollup). The live requests are a few per cent
    of the period's once the daily tables are filled, so the finest grain stays small."""
    if not by:
        return {}
    measures = counts(now=now) | {
        "first_breaches": Count("first_breach"),
        "resolution_breaches": Count("resolution_breach"),
    }
    groupings = {name: GROUPINGS[name] for name in by}
    keys = list(dict.fromkeys(key for grouping in groupings.values() for key in grouping))
    queryset = cohort(filters).filter(live)
    if "month" in keys:
        queryset = queryset.annotate(month=TruncMonth("created_at"))
    finest = queryset.values(*keys).annotate(**measures)
    rows_by = rollup(finest, groupings=groupings, sums=list(measures))
    for rows in rows_by.values():
        for row in rows:
            row["breach_rows"] = row["first_breaches"] + row["resolution_breaches"]
    return rows_by


def _settled_rows(table, filters: Filters, *, by: Sequence[str]) -> dict[str, list[dict]]:
    """The settled requests' counts from a daily table, every grouping in one statement."""
    groupings = {name: GROUPINGS[name] for name in by}
    keys = list(dict.fromkeys(key for grouping in groupings.values() for key in grouping))
    days = table.objects.filter(day__gte=filters.start, day__lte=filters.end)
    days = days.filter(filters.facets()).order_by()
    if "month" in keys:
        days = days.annotate(month=TruncMonth("day"))
    # Summed under other names: an annotation may not take the name of the field it sums.
    finest = days.values(*keys).annotate(**{f"sum_{name}": Sum(name) for name in SUMS})
    rows_by = rollup(finest, groupings=groupings, sums=[f"sum_{name}" for name in SUMS])
    for rows in rows_by.values():
        for row in rows:
            for name in SUMS:
                row[name] = row.pop(f"sum_{name}")
    return rows_by


TYPE_ORDER = {value: index for index, value in enumerate(Ticket.Type.values)}


def _order(grouping: str, key: tuple) -> list:
    """Types in the order of their choices, everything else by value (names, numbers, dates)."""
    if grouping == "type":
        return [TYPE_ORDER.get(key[0], len(TYPE_ORDER))]
    return [str(k) if isinstance(k, str) else (k is None, k) for k in key]


def _compliance(row) -> Compliance:
    return Compliance(**{c: row[c] for c in COUNTS}, breach_rows=row["breach_rows"])


def _contract_names(contract_ids) -> dict[int, tuple[str, str]]:
    """{contract: (organisation name, contract number)}."""
    if not contract_ids:
        return {}
    rows = Contract.objects.filter(pk__in=contract_ids).values_list(
        "pk", "organization__name", "number"
    )
    return {pk: (organisation, number) for pk, organisation, number in rows}


def _key(row: dict, grouping: str, contracts: dict) -> tuple:
    """The sort and display key of a row: (organisation, contract number, organisation id)
    for the organisation grouping, the month as a date."""
    if grouping == "organization":
        organisation, number = contracts.get(row["contract_id"], ("", ""))
        return (organisation, number, row["organization_id"])
    return tuple(
        as_local_date(row[key]) if key == "month" else row[key] for key in GROUPINGS[grouping]
    )


def overall(filters: Filters, *, now) -> Compliance:
    """Compliance of the whole cohort."""
    return compliance(filters, now=now, by=["overall"])["overall"][0][1]


def _rate_columns() -> list[Column]:
    return [
        Column(_("First response: met"), Kind.COUNT),
        Column(_("First response: missed"), Kind.COUNT),
        Column(_("First response in time, %"), Kind.PERCENT),
        Column(_("Resolution: met"), Kind.COUNT),
        Column(_("Resolution: missed"), Kind.COUNT),
        Column(_("Resolution in time, %"), Kind.PERCENT),
    ]


def compliance_tables(
    filters: Filters, *, now, audience: Audience
) -> tuple[list[Table], Compliance]:
    """Overall, then by organisation/contract (staff only), priority, type and month; and the
    overall figures."""
    by = ["overall", "priority", "type", "month"]
    if audience == Audience.STAFF:
        by.insert(1, "organization")
    figures = compliance(filters, now=now, by=by)
    total = figures["overall"][0][1]
    tables = [
        Table(
            name="summary",
            title=_("SLA compliance"),
            columns=[Column(_("Requests")), *_rate_columns()],
            rows=[(_("All requests of the period"), *total.cells())],
        )
    ]
    if audience == Audience.STAFF:
        rows = [
            (name, contract or "", *c.cells())
            for (name, contract, _pk), c in figures["organization"]
        ]
        tables.append(
            Table(
                name="by_organisation",
                title=_("By organisation and contract"),
                columns=[Column(_("Organisation")), Column(_("Contract")), *_rate_columns()],
                rows=rows,
            )
        )
    for by_name, name, title, heading, label, kind in (
        ("priority", "by_priority", _("By priority"), _("Priority"), priority_label, Kind.TEXT),
        ("type", "by_type", _("By type"), _("Type"), type_label, Kind.TEXT),
        ("month", "by_month", _("By month"), _("Month filed"), as_local_date, Kind.MONTH),
    ):
        rows = [(label(key[0]), *c.cells()) for key, c in figures[by_name]]
        tables.append(
            Table(
                name=name, title=title, columns=[Column(heading, kind), *_rate_columns()], rows=rows
            )
        )
    return tables, total


def month_chart(by_month: Table) -> charts.Chart:
    """Bars of both targets' compliance by the month requests were filed in."""
    return charts.bar_chart(
        title=_("SLA compliance by month"),
        description=_(
            "Share of requests that met the first-response and the resolution "
            "target, by the month they were filed in; the numbers are in the table."
        ),
        categories=[
            formats.date_format(row[0], "SHORT_YEAR_MONTH_FORMAT") for row in by_month.rows
        ],
        series=[
            charts.Series(_("First response in time, %"), [row[3] for row in by_month.rows]),
            charts.Series(_("Resolution in time, %"), [row[6] for row in by_month.rows]),
        ],
        fmt=lambda value: f"{value:g} %",
        maximum=100,
    )


# --- The breach list ------------------------------------------------------------------------


def breaches(filters: Filters):
    """Breach rows of the cohort's requests (filed in the period): the latest filed first,
    each request's targets in the order they were due (an order the database reads straight
    from the filing-time index, whatever the period)."""
    return Breach.objects.filter(
        filters.period("ticket__created_at"), filters.facets("ticket__")
    ).order_by("-ticket__created_at", "-ticket_id", "due_at")


BREACH_FIELDS = (
    "ticket_id",
    "ticket__subject",
    "ticket__organization__name",
    "ticket__priority",
    "ticket__type",
    "target",
    "due_at",
    "met_at",
    "late_by",
)


def _breach_columns(audience: Audience) -> list[Column]:
    columns = [
        Column(_("Request"), Kind.TICKET),
        Column(_("Subject")),
        Column(_("Organisation")),
        Column(_("Priority")),
        Column(_("Type")),
        Column(_("Target")),
        Column(_("Was due"), Kind.DATETIME),
        Column(_("Reached"), Kind.DATETIME, _("not yet")),
        Column(_("Late by (business time)"), Kind.DURATION, _("still open")),
    ]
    if audience == Audience.CUSTOMER:
        del columns[2]
    return columns


def _breach_row(values, audience: Audience, labels: Labels) -> tuple:
    pk, subject, organization, priority, ticket_type, target, due, met, late = values[:9]
    row = [
        ticket_ref(pk, audience),
        subject,
        organization,
        labels.priority.get(priority, ""),
        labels.type.get(ticket_type, ""),
        labels.target.get(target, ""),
        due,
        met,
        late,
    ]
    if audience == Audience.CUSTOMER:
        del row[2]
    return tuple(row)


def breach_table(
    filters: Filters, *, audience: Audience, limit: int | None, total: int | None = None
) -> Table:
    """The breaches with how late each was: on the page the first `limit` and how many there
    are (`total`, when the caller has it from the compliance counts, or counted: not with a
    window count, which would make the database join them all before the first row);
    streamed whole, iterated in chunks, for the CSV when `limit` is None."""
    title, columns, labels = _("Missed targets"), _breach_columns(audience), Labels()
    queryset = breaches(filters)
    if limit is None:
        values = queryset.values_list(*BREACH_FIELDS).iterator(chunk_size=EXPORT_CHUNK)
        return Table(
            name="breaches",
            title=title,
            columns=columns,
            rows=(_breach_row(v, audience, labels) for v in values),
        )
    return Table(
        name="breaches",
        title=title,
        columns=columns,
        rows=[
            _breach_row(v, audience, labels) for v in queryset.values_list(*BREACH_FIELDS)[:limit]
        ],
        total=queryset.count() if total is None else total,
    )


def build(filters: Filters, *, now, audience: Audience = Audience.STAFF) -> Report:
    """Compliance overall and by organisation/contract, priority, type, month; the breaches."""
    report = Report()
    tables, total = compliance_tables(filters, now=now, audience=audience)
    report.add(*tables)
    report.charts["by_month"] = month_chart(report.tables["by_month"])
    report.add(breach_table(filters, audience=audience, limit=LIST_LIMIT, total=total.breach_rows))
    return report


def exports(filters: Filters, *, now, audience: Audience = Audience.STAFF) -> dict:
    """The breach list, streamed whole for CSV."""
    return {"breaches": lambda: breach_table(filters, audience=audience, limit=None)}
