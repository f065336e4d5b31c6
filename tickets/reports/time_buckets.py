"""Stored bucket counts of the business times, per month, so that the times and engineers
pages sum a few thousand small rows instead of reading every request of a year or two.

**What is stored.** For the requests settled into the daily tables (tickets.reports.daily:
closed before the watermark, so nothing of them changes again) the job also counts their
first response and resolution times per bucket of the log scale of tickets.reports.sketch,
with each bucket's smallest and largest value, per local month and key: by the month filed
in × priority × type (tickets.ReportTimeMonth: the times page's overall, priority and type
figures), by the month filed in × organisation (tickets.ReportTimeOrganizationMonth) and by
the month of the solution × engineer (tickets.ReportEngineerMonth: the engineers' medians).
A month, not a day: a day's requests spread over as many buckets as there are requests, so a
day table would be as large as the requests it sums; a month of keys is not.

**How a page reads them.** The whole months of the period come from the tables (their
settled requests); the requests filed (or resolved) in the days at its two ends, and the
live requests of the whole months, are read raw in one bucketed pass (sketch), and the
cells of both are merged before the percentiles are read from them. Buckets keep their
smallest and largest value when merged, so the sketch's tolerance — within 4.43% (or 1 s)
of the exact percentile — holds unchanged. A report narrowed to one organisation, and on
SQLite, reads every request raw as before.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connections, router
from django.db.models import DateField, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from tickets.models import ReportEngineerMonth, ReportTimeMonth, ReportTimeOrganizationMonth
from tickets.reports import sketch
from tickets.reports.filters import Filters, local_midnight
from tickets.reports.stats import EpochSeconds

FIELDS = ("first_response_time", "resolution_time")  # stored as ReportBuckets.Field 0 and 1


@dataclass(frozen=True)
class Grain:
    """What a table is keyed by: the month of `dated` (a request's datetime) and `keys`."""

    dated: str
    keys: tuple[str, ...]


TABLES = {
    ReportTimeMonth: Grain("created_at", ("priority", "type")),
    ReportTimeOrganizationMonth: Grain("created_at", ("organization_id",)),
    ReportEngineerMonth: Grain("resolved_at", ("assignee_id",)),
}


def enabled(model=ReportTimeMonth) -> bool:
    """Whether the tables are filled: on PostgreSQL (the bucketed pass is PostgreSQL's;
    the quick-start SQLite computes every percentile exactly instead)."""
    return connections[router.db_for_write(model)].vendor == "postgresql"


def settle(settled: QuerySet) -> int:
    """Count the times of the `settled` requests into every table; how many rows it wrote."""
    if not enabled():
        return 0
    return sum(_insert(settled, table, grain) for table, grain in TABLES.items())


def _insert(settled: QuerySet, table, grain: Grain) -> int:
    connection = connections[router.db_for_write(table)]
    quote = connection.ops.quote_name
    aliases = [f"k{index}" for index in range(len(grain.keys))]
    inner = (
        settled.filter(**{f"{grain.dated}__isnull": False})
        .filter(**{f"{key}__isnull": False for key in grain.keys})
        .order_by()
        .values(
            month=TruncMonth(grain.dated, output_field=DateField()),
            **{alias: F(key) for alias, key in zip(aliases, grain.keys, strict=True)},
            v0=EpochSeconds(FIELDS[0]),
            v1=EpochSeconds(FIELDS[1]),
        )
    )
    inner_sql, params = inner.query.sql_with_params()
    columns = ", ".join(
        quote(name)
        for name in ("month", *grain.keys, "field", "bucket", "n", "smallest", "largest")
    )
    keys = ", ".join(["t.month", *(f"t.{alias}" for alias in aliases)])
    conflict = ", ".join(quote(name) for name in ("month", *grain.keys, "field", "bucket"))
    # Only our own quoted names, aliases and the fixed bucket expression are interpolated.
    # A key already there (a month settled by an earlier run) takes the new counts in: one row
    # a key, so that the table does not grow with the number of runs.
    sql = (
        f"INSERT INTO {quote(table._meta.db_table)} AS o ({columns}) "  # noqa: S608
        f"SELECT {keys}, m.f, b.b, COUNT(*), MIN(m.s), MAX(m.s) "
        f"FROM ({inner_sql}) t CROSS JOIN LATERAL (VALUES (0, t.v0), (1, t.v1)) AS m(f, s) "
        f"CROSS JOIN LATERAL (SELECT {sketch.BUCKET_SQL} AS b) AS b "
        f"WHERE m.s IS NOT NULL GROUP BY {keys}, m.f, b.b "
        f"ON CONFLICT ({conflict}) DO UPDATE SET n = o.n + EXCLUDED.n, "
        "smallest = LEAST(o.smallest, EXCLUDED.smallest), "
        "largest = GREATEST(o.largest, EXCLUDED.largest)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


Months = tuple[date, date] | None


def whole_months(filters: Filters) -> Months:
    """[first, after): the first days of the calendar months lying wholly in the period."""
    first = filters.start if filters.start.day == 1 else _next_month(filters.start)
    after = _next_month(filters.end)
    if after - timedelta(days=1) != filters.end:  # the last month is not whole
        after = filters.end.replace(day=1)
    return (first, after) if first < after else None


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def raw_parts(
    filters: Filters, *, dated: str, live: list[Q] | None
) -> tuple[list[Q], tuple | None]:
    """Which requests of the period to read raw, as disjoint parts (each read through one
    index, see daily.live_parts), and the months [first, after) to read from a table: all
    raw ([Q()], None) when nothing is settled (`live` None) or no month is whole; else the
    days before and after the whole months, and the `live` parts inside them."""
    months = whole_months(filters) if live is not None else None
    if months is None:
        return [Q()], None
    first, after = local_midnight(months[0]), local_midnight(months[1])
    inside = Q(**{f"{dated}__gte": first, f"{dated}__lt": after})
    parts = [inside & part for part in live]
    if filters.start < months[0]:
        parts.append(Q(**{f"{dated}__lt": first}))
    if months[1] <= filters.end:
        parts.append(Q(**{f"{dated}__gte": after}))
    return parts, months


class Cells:
    """Bucket cells of every grouping, merged across sources (the tables and the raw pass):
    counts summed, the smallest and largest kept, so sketch.spread_of reads them as one.
    Kept flat, one dictionary look-up a cell: a page merges ~150k of them."""

    def __init__(self, groupings: Iterable[str]):
        self.names = list(groupings)
        self.cells: dict[tuple, list] = {}  # (grouping, key, field, bucket): [n, low, high]

    def add(self, grouping: str, key: tuple, field: int, bucket: int, n, smallest, largest):
        cell = self.cells.get((grouping, key, field, bucket))
        if cell is None:
            self.cells[grouping, key, field, bucket] = [n, smallest, largest]
        else:
            cell[0] += n
            if smallest < cell[1]:
                cell[1] = smallest
            if largest > cell[2]:
                cell[2] = largest

    def add_raw(self, cells: Mapping[str, Mapping]) -> None:
        """The cells of sketch.bucket_cells."""
        for grouping, by_key in cells.items():
            for key, per_field in by_key.items():
                for field, buckets in per_field.items():
                    for bucket, n, smallest, largest in buckets:
                        self.add(grouping, key, field, bucket, n, smallest, largest)

    def spreads(self, fields: Sequence[str] = FIELDS) -> dict[str, dict[tuple, dict]]:
        """{grouping: {key: {field name: Spread}}} for every grouping with cells."""
        lists: dict[str, dict[tuple, dict[int, list]]] = {name: {} for name in self.names}
        for (grouping, key, field, bucket), (n, low, high) in self.cells.items():
            per_field = lists[grouping].setdefault(key, {})
            per_field.setdefault(field, []).append((bucket, n, low, high))
        return {
            grouping: {
                key: {
                    name: sketch.spread_of(per_field.get(index, []))
                    for index, name in enumerate(fields)
                }
                for key, per_field in by_key.items()
            }
            for grouping, by_key in lists.items()
        }


def add_stored(
    cells: Cells,
    table,
    *,
    months: tuple[date, date],
    facets: Q,
    groupings: Mapping[str, Sequence[str]],
) -> None:
    """Sum a table's cells of the months, grouped at its keys, into each of `groupings`
    (names to key fields the table has; () is the total); one query."""
    keys = TABLES[table].keys
    query = (
        table.objects.filter(facets, month__gte=months[0], month__lt=months[1])
        .order_by()
        .values_list(*keys, "field", "bucket")
        .annotate(Sum("n"), Min("smallest"), Max("largest"))
    )
    positions = {name: [keys.index(k) for k in grouping] for name, grouping in groupings.items()}
    # Read through a cursor: the values need no conversion (integers, floats, the keys), and
    # the ORM's per-value converters cost ~0.1 s a page over the ~90k rows of two years.
    sql, params = query.query.sql_with_params()
    with connections[router.db_for_read(table)].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    add = cells.add
    for *key, field, bucket, n, smallest, largest in rows:
        for name, where in positions.items():
            add(name, tuple(key[p] for p in where), field, bucket, n, smallest, largest)
