"""Engineers: what each support engineer took, resolved, how fast, how often it came back.

Per engineer (every active staff member, and inactive ones with figures in the period):

- taken: distinct requests that an "Engineer assigned" event in the period gave to them
  (its assigned_to: whether they took it themselves or a supervisor assigned it);
- resolved: "Solution proposed" (resolved) events in the period by them — every solution
  counts, a second one after a dispute too;
- median first response and resolution: over the requests resolved in the period
  (resolved_at, the latest solution) whose engineer (assignee) they are now (within the
  tolerance of tickets.reports.sketch);
- disputes: "Solution disputed" events in the period whose preceding solution on the same
  request (the latest resolved event before it) was theirs; dispute rate = disputes / resolved;
- open now: open requests (new, in progress, waiting) assigned to them now, whatever the period.

Organisation, type and priority filter the requests behind every figure.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, User
from tickets.models import OPEN_STATUSES, ReportEngineerMonth, Ticket, TicketEvent
from tickets.reports import daily, engineer_days, time_buckets
from tickets.reports.common import Report
from tickets.reports.filters import Filters
from tickets.reports.sketch import bucket_cells, spreads_by
from tickets.reports.tables import Column, Kind, Table, percent

Event = TicketEvent.Kind


@dataclass(frozen=True)
class EngineerFigures:
    """One engineer's row (definitions in the module docstring)."""

    name: str
    taken: int = 0
    resolved: int = 0
    median_first_response: timedelta | None = None
    median_resolution: timedelta | None = None
    disputes: int = 0
    open_now: int = 0

    @property
    def dispute_rate(self) -> float | None:
        return percent(self.disputes, self.resolved)


def _events(filters: Filters, kind: str):
    return TicketEvent.objects.filter(
        filters.period("created_at"), filters.facets("ticket__"), kind=kind
    ).order_by()


# Three queries rather than one pass with a CASE: each reads only its kind of event through
# the (kind, created_at) index, and the database can run the larger two in parallel.


def taken(filters: Filters) -> dict[int, int]:
    """Distinct requests assigned to each engineer (the entry's assigned_to) in the period."""
    rows = (
        _events(filters, Event.ASSIGNED)
        .filter(assigned_to__isnull=False)
        .values_list("assigned_to")
        .annotate(n=Count("ticket", distinct=True))
    )
    return dict(rows)


def resolved(filters: Filters) -> dict[int, int]:
    """Solutions proposed by each engineer in the period."""
    rows = (
        _events(filters, Event.RESOLVED)
        .filter(actor__isnull=False)
        .values_list("actor")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def disputes(filters: Filters) -> dict[int, int]:
    """Disputes in the period, by the author of the solution each one followed."""
    rows = (
        _events(filters, Event.DISPUTED)
        .annotate(resolver=engineer_days.solution_author())
        .filter(resolver__isnull=False)
        .values_list("resolver")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def open_now(filters: Filters) -> dict[int, int]:
    """Open requests assigned to each engineer now, whatever the period."""
    rows = (
        Ticket.objects.filter(filters.facets(), status__in=OPEN_STATUSES, assignee__isnull=False)
        .order_by()
        .values_list("assignee")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def medians(filters: Filters) -> dict[int, dict]:
    """Median (and 90th percentile) times of the requests resolved in the period, by engineer:
    the settled requests of the period's whole months from the month table, the others in
    one bucketed pass (tickets.reports.time_buckets); all in one pass when narrowed."""
    queryset = Ticket.objects.filter(
        filters.period("resolved_at"), filters.facets(), assignee__isnull=False
    )
    groupings = {"assignee": ("assignee_id",)}
    if not time_buckets.enabled():
        spreads = spreads_by(queryset, fields=time_buckets.FIELDS, groupings=groupings)
        return {key[0]: value for key, value in spreads["assignee"].items()}
    watermark = None if filters.facets() else daily.settled_before()
    live = None if watermark is None else daily.live_parts(watermark)
    parts, months = time_buckets.raw_parts(filters, dated="resolved_at", live=live)
    raw = [queryset.filter(part) for part in parts]
    cells = time_buckets.Cells(groupings)
    if months is not None:
        time_buckets.add_stored(
            cells, ReportEngineerMonth, months=months, facets=Q(), groupings=groupings
        )
    cells.add_raw(bucket_cells(raw, fields=time_buckets.FIELDS, groupings=groupings))
    return {key[0]: value for key, value in cells.spreads()["assignee"].items()}


def counts(filters: Filters) -> dict[str, dict[int, int]]:
    """Taken, resolved and disputes per engineer: the history written before the watermark
    summed from the engineers' days, the entries since read raw
    (tickets.reports.engineer_days); all raw when narrowed."""
    watermark = None if filters.facets() else daily.settled_before()
    if watermark is None:
        return {
            "taken": taken(filters),
            "resolved": resolved(filters),
            "disputes": disputes(filters),
        }
    result = engineer_days.settled_counts(filters)
    for name, more in engineer_days.live_counts(filters, watermark).items():
        result[name].update(more)
    return result


def figures(filters: Filters) -> list[EngineerFigures]:
    """One row per engineer, by name; a fixed number of queries whatever the number of
    engineers."""
    staff = User.objects.filter(role__in=STAFF_ROLES).order_by("full_name", "pk")
    columns = counts(filters) | {"open_now": open_now(filters)}
    times = medians(filters)
    rows = []
    for pk, name, active in staff.values_list("pk", "full_name", "is_active"):
        values = {key: counts.get(pk, 0) for key, counts in columns.items()}
        spreads = times.get(pk, {})
        if not active and not any(values.values()) and not spreads:
            continue
        first, resolution = spreads.get("first_response_time"), spreads.get("resolution_time")
        rows.append(
            EngineerFigures(
                name=name,
                **values,
                median_first_response=first.median if first else None,
                median_resolution=resolution.median if resolution else None,
            )
        )
    return rows


def engineers_table(filters: Filters) -> Table:
    """The engineers' figures as a table."""
    rows = figures(filters)
    return Table(
        name="engineers",
        title=_("Engineers"),
        columns=[
            Column(_("Engineer")),
            Column(_("Taken"), Kind.COUNT),
            Column(_("Resolved"), Kind.COUNT),
            Column(_("Median first response"), Kind.DURATION),
            Column(_("Median resolution"), Kind.DURATION),
            Column(_("Disputes after their solutions"), Kind.COUNT),
            Column(_("Dispute rate, %"), Kind.PERCENT),
            Column(_("Open now"), Kind.COUNT),
        ],
        rows=[
            (
                r.name,
                r.taken,
                r.resolved,
                r.median_first_response,
                r.median_resolution,
                r.disputes,
                r.dispute_rate,
                r.open_now,
            )
            for r in rows
        ],
    )


def build(filters: Filters, *, now=None) -> Report:
    """Per engineer: taken, resolved, median times, disputes, open now."""
    report = Report()
    report.add(engineers_table(filters))
    return report
