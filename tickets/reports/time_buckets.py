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
day table would be as large as the requests it sums; a month of keys is not. The times
tables also hold each quarter and year (their `span`): a period's whole months are read as
the fewest whole years, quarters and months that cover them (`spans_covering`), 6 instead
of 23 for a two-year period. The by-organisation counts are also kept per octave (16
buckets, tickets.ReportTimeOrganizationOctave), so that the page finds the few octaves
holding the ranks it needs before reading their buckets (tickets.reports.time_ranks).

**How a page reads them.** The whole months of the period come from the tables (their
settled requests); the requests filed (or resolved) in the days at its two ends, and the
live requests of the whole months, are read raw in one bucketed pass (sketch), and the
cells of both are merged before the percentiles are read from them. Buckets keep their
smallest and largest value when merged, so the sketch's tolerance — within 4.43% (or 1 s)
of the exact percentile — holds unchanged. The times page also reads a month at an end that
lies mostly in the period whole, less its settled requests outside it (`trimmed_reading`).
A report narrowed to one organisation, and on SQLite, reads every request raw as before.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connections, router
from django.db.models import DateField, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from tickets.models import (
    ReportEngineerMonth,
    ReportTimeMonth,
    ReportTimeOrganizationMonth,
    ReportTimeOrganizationOctave,
)
from tickets.report_day import Span
from tickets.reports import sketch
from tickets.reports.filters import Filters, local_midnight
from tickets.reports.stats import EpochSeconds

FIELDS = ("first_response_time", "resolution_time")  # stored as ReportBuckets.Field 0 and 1


MONTH, QUARTER, YEAR = Span.MONTH, Span.QUARTER, Span.YEAR  # spans, in months


@dataclass(frozen=True)
class Grain:
    """What a table is keyed by: the month of `dated` (a request's datetime) and `keys`; a
    table with more `spans` than the month has a `span` column and a row for each span
    (months, calendar quarters, calendar years) starting on `month`."""

    dated: str
    keys: tuple[str, ...]
    spans: tuple[int, ...] = (MONTH,)
    octaves: bool = False  # counts per octave (16 buckets), no smallest and largest

    @property
    def cell(self) -> str:
        """The column of the cell within a key: the bucket, or the octave."""
        return "octave" if self.octaves else "bucket"


SPANS = (MONTH, QUARTER, YEAR)
TABLES = {
    ReportTimeMonth: Grain("created_at", ("priority", "type"), SPANS),
    ReportTimeOrganizationMonth: Grain("created_at", ("organization_id",), SPANS),
    ReportTimeOrganizationOctave: Grain("created_at", ("organization_id",), SPANS, octaves=True),
    ReportEngineerMonth: Grain("resolved_at", ("assignee_id",)),
}
# An octave: the buckets of one doubling of the time (bucket // 16).
OCTAVE_SQL = f"(b.b / {sketch.BUCKETS_PER_DOUBLING})"


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
    spanned = grain.spans != (MONTH,)
    span = ("span",) if spanned else ()
    extremes = () if grain.octaves else ("smallest", "largest")
    columns = ", ".join(
        quote(name) for name in (*span, "month", *grain.keys, "field", grain.cell, "n", *extremes)
    )
    dated = ("p.span", "p.month") if spanned else ("t.month",)
    keys = ", ".join([*dated, *(f"t.{alias}" for alias in aliases)])
    conflict = ", ".join(quote(name) for name in (*span, "month", *grain.keys, "field", grain.cell))
    cell = OCTAVE_SQL if grain.octaves else "b.b"
    select_extremes, update_extremes = (
        ("", "")
        if grain.octaves
        else (
            ", MIN(m.s), MAX(m.s)",
            ", smallest = LEAST(o.smallest, EXCLUDED.smallest), "
            "largest = GREATEST(o.largest, EXCLUDED.largest)",
        )
    )
    # Each request also counts in the quarter and year it falls in (the month cast to a
    # timestamp without time zone: date_trunc on a date would go through the session's zone).
    starts = ", ".join(
        f"({s}, date_trunc('{TRUNC[s]}', t.month::timestamp)::date)" for s in grain.spans
    )
    expand = f"CROSS JOIN LATERAL (VALUES {starts}) AS p(span, month) " if spanned else ""
    # Only our own quoted names, aliases and the fixed bucket expression are interpolated.
    # A key already there (a month settled by an earlier run) takes the new counts in: one row
    # a key, so that the table does not grow with the number of runs.
    sql = (
        f"INSERT INTO {quote(table._meta.db_table)} AS o ({columns}) "  # noqa: S608
        f"SELECT {keys}, m.f, {cell}, COUNT(*){select_extremes} "
        f"FROM ({inner_sql}) t {expand}"
        "CROSS JOIN LATERAL (VALUES (0, t.v0), (1, t.v1)) AS m(f, s) "
        f"CROSS JOIN LATERAL (SELECT {sketch.BUCKET_SQL} AS b) AS b "
        f"WHERE m.s IS NOT NULL GROUP BY {keys}, m.f, {cell} "
        f"ON CONFLICT ({conflict}) DO UPDATE SET n = o.n + EXCLUDED.n{update_extremes}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


TRUNC = {MONTH: "month", QUARTER: "quarter", YEAR: "year"}
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


def _months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def spans_covering(months: tuple[date, date], spans: Sequence[int]) -> list[tuple[int, date]]:
    """The fewest (span, first day) of calendar `spans` (months, quarters, years) that cover
    the whole months [first, after) exactly: from the first month on, the longest span that
    starts there and ends in time. A span starts on a month that is a multiple of it (a
    quarter in January, April, July or October, a year in January)."""
    first, after = months
    longest_first = sorted(spans, reverse=True)
    covering = []
    while first < after:
        for span in longest_first:
            end = _months_later(first, span)
            if (first.month - 1) % span == 0 and end <= after:
                covering.append((span, first))
                first = end
                break
        else:
            raise ValueError(f"the spans {spans} cannot cover {first}")
    return covering


def _starts_by_span(table, months: tuple[date, date]) -> dict[int, list[date]]:
    by_span: dict[int, list[date]] = {}
    for span, start in spans_covering(months, TABLES[table].spans):
        by_span.setdefault(span, []).append(start)
    return by_span


def stored_rows(table, months: tuple[date, date]) -> Q:
    """`table`'s rows of the whole months: a range of months, or for a table with spans, the
    (span, month) pairs covering them."""
    if TABLES[table].spans == (MONTH,):
        return Q(month__gte=months[0], month__lt=months[1])
    rows = Q(pk__in=[])
    for span, starts in _starts_by_span(table, months).items():
        rows |= Q(span=span, month__in=starts)
    return rows


def stored_where(table, months: tuple[date, date], *, alias: str = "") -> tuple[str, list]:
    """stored_rows as an SQL condition and its parameters, for a statement of our own
    (`alias`: the table's alias there, if any)."""
    if TABLES[table].spans == (MONTH,):
        month = _column(table, "month", alias)
        return f"{month} >= %s AND {month} < %s", list(months)
    parts = stored_parts(table, months, alias=alias)
    return "(" + " OR ".join(f"({sql})" for sql, _params in parts) + ")", [
        param for _sql, params in parts for param in params
    ]


def stored_parts(table, months: tuple[date, date], *, alias: str = "") -> list[tuple[str, list]]:
    """stored_where of a table with spans as one condition per span (SQL, parameters): each
    one range of its unique key, for a statement that reads them apart (UNION ALL) so that
    each is one index scan."""
    span, month = (_column(table, name, alias) for name in ("span", "month"))
    # Only our own quoted names, the alias and the integer spans are interpolated.
    return [
        (f"{span} = {value:d} AND {month} = ANY(%s)", [starts])
        for value, starts in _starts_by_span(table, months).items()
    ]


def _column(table, name: str, alias: str) -> str:
    quoted = connections[router.db_for_read(table)].ops.quote_name(name)
    return f"{alias}.{quoted}" if alias else quoted


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


@dataclass(frozen=True)
class Reading:
    """How to read a period: `months` [first, after) from a table, `parts` raw (added) and
    `less` raw (subtracted: the settled requests of the months at the ends that lie outside
    the period, when the table's whole month less them is cheaper than the days inside)."""

    parts: list[Q]
    months: Months
    less: list[Q]


def trimmed_reading(filters: Filters, *, dated: str, live: list[Q], settled: Q) -> Reading:
    """raw_parts, where a month at an end of the period that lies mostly inside it is read
    from the table whole, less its `settled` requests outside the period (a period from the
    4th reads 3 days, not 28). The counts stay exact; a bucket's smallest and largest are
    then the whole month's, still within the bucket, so the sketch's tolerance holds (the
    figures may differ from reading every request raw within it)."""
    parts, months = raw_parts(filters, dated=dated, live=live)
    if months is None:
        return Reading(parts, months, [])
    first, after = months
    less = []
    head = _month_start(filters.start)
    if head < first and _mostly_inside(head, filters):
        first = head
        less.append(settled & Q(**{f"{dated}__gte": local_midnight(head)})
                    & Q(**{f"{dated}__lt": local_midnight(filters.start)}))  # fmt: skip
    tail = _month_start(filters.end)
    if tail >= after and tail >= first and _mostly_inside(tail, filters):
        after = _next_month(tail)
        end = local_midnight(filters.end + timedelta(days=1))
        less.append(settled & Q(**{f"{dated}__gte": end})
                    & Q(**{f"{dated}__lt": local_midnight(after)}))  # fmt: skip
    if (first, after) == months:
        return Reading(parts, months, [])
    inside = Q(**{f"{dated}__gte": local_midnight(first), f"{dated}__lt": local_midnight(after)})
    # The live requests of the widened months (the period's own: the caller's queryset is
    # the period), and the days at an end not widened, as raw_parts gave them.
    parts = [inside & part for part in live]
    if filters.start < first:
        parts.append(Q(**{f"{dated}__lt": local_midnight(first)}))
    if after <= filters.end:
        parts.append(Q(**{f"{dated}__gte": local_midnight(after)}))
    return Reading(parts, (first, after), less)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _mostly_inside(month: date, filters: Filters) -> bool:
    """Whether more of `month`'s days lie in the period than outside it."""
    last = _next_month(month) - timedelta(days=1)
    inside = (min(last, filters.end) - max(month, filters.start)).days + 1
    return inside * 2 > (last - month).days + 1


class Cells:
    """Bucket cells of every grouping, merged across sources (the tables and the raw pass):
    counts summed, the smallest and largest kept, so sketch.spread_of reads them as one.
    Kept flat, one dictionary look-up a cell: a page merges ~150k of them."""

    def __init__(self, groupings: Iterable[str]):
        self.names = list(groupings)
        self.cells: dict[tuple, list] = {}  # (grouping, key, field, bucket): [n, low, high]

    def add(self, grouping: str, key: tuple, field: int, bucket: int, n, smallest, largest):
        """A cell's count, smallest and largest; a subtracted cell (trimmed_reading) has a
        negative count and no smallest or largest (None)."""
        cell = self.cells.get((grouping, key, field, bucket))
        if cell is None:
            self.cells[grouping, key, field, bucket] = [n, smallest, largest]
        else:
            cell[0] += n
            if smallest is not None and (cell[1] is None or smallest < cell[1]):
                cell[1] = smallest
            if largest is not None and (cell[2] is None or largest > cell[2]):
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
            if n <= 0:  # all subtracted (trimmed_reading)
                continue
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
    """Sum a table's cells of the months into each of `groupings` (names to key fields the
    table has; () is the total); one query, grouped by the database (GROUPING SETS)."""
    keys = TABLES[table].keys
    aliases = {key: f"k{index}" for index, key in enumerate(keys)}
    inner = (
        table.objects.filter(facets, stored_rows(table, months))
        .order_by()
        .values(*keys, "field", "bucket", "n", "smallest", "largest")
    )
    inner_sql, params = inner.query.sql_with_params()
    quote = connections[router.db_for_read(table)].ops.quote_name
    columns = {key: f"t.{quote(table._meta.get_field(key).column)}" for key in keys}
    sets, names, grouping_expression = sketch.grouping_sets(
        keys, groupings, columns, ("t.field", "t.bucket")
    )
    # Only our own quoted names, aliases and integers are interpolated.
    sql = (
        f"SELECT {grouping_expression}, "  # noqa: S608
        f"{''.join(columns[key] + ' AS ' + aliases[key] + ', ' for key in keys)}"
        "t.field, t.bucket, SUM(t.n), MIN(t.smallest), MAX(t.largest) "
        f"FROM ({inner_sql}) t GROUP BY GROUPING SETS ({sets})"
    )
    with connections[router.db_for_read(table)].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    add = cells.add
    for mask, *row in rows:
        name, positions = names[mask]
        key = tuple(row[position] for position in positions)
        field, bucket, n, smallest, largest = row[len(keys) :]
        add(name, key, field, bucket, n, smallest, largest)
