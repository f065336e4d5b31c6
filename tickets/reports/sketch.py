"""Median and 90th percentile of business times over many requests, without sorting them.

An exact percentile sorts every value of its group (PostgreSQL's `percentile_cont`): over a
year of a large installation that is ~550k values per figure, sorted again for every
grouping of the page, spilling to disk. Here the database instead counts the values per
bucket of a fixed log scale — 16 buckets per doubling, so a bucket spans a factor of
2^(1/16) ≈ 1.044 — keeping each bucket's smallest and largest value, for every grouping of
the page in one pass over the rows (GROUPING SETS, hashed: no sort). The percentile is then
read from the buckets in Python with the definition of tickets.reports.stats (linear
interpolation between the closest ranks), each rank's value estimated inside its bucket
by linear interpolation between the bucket's smallest and largest value.

**Tolerance.** An estimated rank lies in the same bucket as the true one, between the
bucket's smallest and largest value, so it is off by less than 4.5% of the true value
(2^(1/16) − 1 = 4.43%), or less than 1 second below one second; the interpolation between
two ranks keeps that bound, and the result is rounded to the whole second as the exact
figure is. A bucket holding one or two values gives them exactly, as do the ends of every
bucket, so small groups (a filtered report, a small installation) usually come out exact.
`within_tolerance` states the bound for tests.

SQLite, the quick-start database, keeps the exact computation (tickets.reports.stats):
it has no GROUPING SETS, and it serves installations small enough to sort.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import connections, router
from django.db.models import F, IntegerField, QuerySet, Value

from tickets.reports.stats import PERCENTILES, EpochSeconds, Spread, duration_spreads

BUCKETS_PER_DOUBLING = 16
RELATIVE_ERROR = 2 ** (1 / BUCKETS_PER_DOUBLING) - 1  # 0.0443
EMPTY = Spread(count=0, median=None, p90=None)

# Bucket 0 holds [0 s, 1 s); bucket k ≥ 1 holds [2^((k-1)/16), 2^(k/16)) seconds.
BUCKET_SQL = (
    "CASE WHEN m.s < 1 THEN 0 "
    f"ELSE 1 + FLOOR(LN(m.s) * {BUCKETS_PER_DOUBLING} / LN(2))::integer END"
)


def within_tolerance(estimate: timedelta | None, exact: timedelta | None) -> bool:
    """Whether a percentile from the buckets is within the stated bound of the exact one."""
    if estimate is None or exact is None:
        return estimate is exact
    bound = exact.total_seconds() * RELATIVE_ERROR + 1  # + 1 s: both are rounded
    return abs(estimate.total_seconds() - exact.total_seconds()) <= bound


def spreads_by(
    queryset: QuerySet,
    *,
    fields: Sequence[str],
    groupings: Mapping[str, Sequence[str]],
) -> dict[str, dict[tuple, dict[str, Spread]]]:
    """{grouping: {key: {field: Spread}}} for each grouping (a tuple of field names; the
    empty tuple is the whole queryset, present with zero counts when there is nothing).

    One query on PostgreSQL (bucketed, see the module docstring); the exact figures, one
    query per grouping, on SQLite."""
    vendor = connections[router.db_for_read(queryset.model)].vendor
    if vendor != "postgresql":
        return {
            name: duration_spreads(
                queryset, fields=fields, group_by={key: F(key) for key in grouping}
            )
            for name, grouping in groupings.items()
        }
    cells = bucket_cells(queryset, fields=fields, groupings=groupings)
    result: dict[str, dict[tuple, dict[str, Spread]]] = {}
    for name, grouping in groupings.items():
        by_key = cells.get(name, {})
        if not grouping and not by_key:
            by_key = {(): {}}
        result[name] = {
            key: {field: spread_of(per_field.get(index, [])) for index, field in enumerate(fields)}
            for key, per_field in by_key.items()
        }
    return result


def bucket_cells(queryset, *, fields, groupings) -> dict:
    """{grouping: {key: {field index: [(bucket, n, smallest, largest), ...]}}}, one query over
    a queryset or over the UNION ALL of a list of disjoint ones (each read on its own)."""
    query = bucket_query(queryset, fields=fields, groupings=groupings)
    with query.connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        return query.cells(cursor.fetchall())


@dataclass
class BucketQuery:
    """The bucketed pass's SQL (columns g, k0…, f, b, n, lo, hi; g the GROUPING mask) and
    how to read its rows."""

    connection: object
    sql: str
    params: tuple
    keys: list
    masks: dict  # GROUPING mask: (grouping name, positions of its keys among `keys`)

    def mask_of(self, name: str) -> int:
        return next(mask for mask, (grouping, _p) in self.masks.items() if grouping == name)

    def cells(self, rows) -> dict:
        cells: dict = {}
        width = len(self.keys)
        for mask, *row in rows:
            name, positions = self.masks[mask]
            key = tuple(row[position] for position in positions)
            field, bucket, n, smallest, largest = row[width : width + 5]
            per_field = cells.setdefault(name, {}).setdefault(key, {})
            per_field.setdefault(field, []).append((bucket, n, smallest, largest))
        return cells


def bucket_query(queryset, *, fields, groupings, less=()) -> BucketQuery:
    """The SQL of bucket_cells, to run alone or inside a larger statement. The querysets of
    `less` are subtracted: their cells count negatively, without smallest and largest
    (None), for tickets.reports.time_buckets.trimmed_reading."""
    querysets = queryset if isinstance(queryset, list | tuple) else [queryset]
    connection = connections[router.db_for_read(querysets[0].model)]
    keys = list(dict.fromkeys(key for grouping in groupings.values() for key in grouping))
    aliases = {key: f"k{index}" for index, key in enumerate(keys)}
    signs = [1] * len(querysets) + [-1] * len(less) if less else [None] * len(querysets)
    parts = [
        part.order_by().values(
            **{aliases[key]: F(key) for key in keys},
            **{f"v{index}": EpochSeconds(field) for index, field in enumerate(fields)},
            **({} if sign is None else {"sg": Value(sign, output_field=IntegerField())}),
        )
        for part, sign in zip([*querysets, *less], signs, strict=True)
    ]
    inner = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
    inner_sql, params = inner.query.sql_with_params()
    values = ", ".join(f"({index}, t.v{index})" for index in range(len(fields)))
    key_columns = [f"t.{aliases[key]}" for key in keys]
    sets, masks, grouping_expression = grouping_sets(
        keys, groupings, dict(zip(keys, key_columns, strict=True)), ("m.f", "b.b")
    )
    aggregates = (
        "SUM(t.sg) AS n, MIN(m.s) FILTER (WHERE t.sg > 0) AS lo, "
        "MAX(m.s) FILTER (WHERE t.sg > 0) AS hi"
        if less
        else "COUNT(*) AS n, MIN(m.s) AS lo, MAX(m.s) AS hi"
    )
    # Only our own aliases, integers and the fixed bucket expression are interpolated.
    sql = (
        f"SELECT {grouping_expression} AS g, "  # noqa: S608
        f"{''.join(c + ', ' for c in key_columns)}"
        f"m.f AS f, b.b AS b, {aggregates} "
        f"FROM ({inner_sql}) t CROSS JOIN LATERAL (VALUES {values}) AS m(f, s) "
        f"CROSS JOIN LATERAL (SELECT {BUCKET_SQL} AS b) AS b "
        f"WHERE m.s IS NOT NULL GROUP BY GROUPING SETS ({sets})"
    )
    return BucketQuery(connection, sql, tuple(params), keys, masks)


def grouping_sets(
    keys: Sequence[str], groupings: Mapping[str, Sequence[str]], columns: Mapping, cell: tuple
) -> tuple[str, dict, str]:
    """For GROUP BY GROUPING SETS over `keys` (SQL `columns` by key) and the `cell` columns:
    the sets' SQL, {GROUPING mask: (grouping name, positions of its keys among `keys`)} and
    the GROUPING(…) expression that tells a row's grouping."""
    sets, masks = [], {}
    for name, grouping in groupings.items():
        sets.append("(" + ", ".join([*(columns[key] for key in grouping), *cell]) + ")")
        # GROUPING(k0, k1, …) has a 1 bit (leftmost first) for each key not grouped by.
        mask = sum(1 << (len(keys) - 1 - i) for i, k in enumerate(keys) if k not in grouping)
        masks[mask] = (name, [keys.index(key) for key in grouping])
    expression = f"GROUPING({', '.join(columns[key] for key in keys)})" if keys else "0"
    return ", ".join(sets), masks, expression


def spread_of(buckets: Sequence[tuple[int, int, float, float]]) -> Spread:
    """Count, median and 90th percentile from (bucket, n, smallest, largest) cells."""
    ordered = sorted(buckets)
    count = sum(n for _bucket, n, _low, _high in ordered)
    if not count:
        return EMPTY
    median, p90 = (_seconds(_percentile(ordered, count, p)) for p in PERCENTILES)
    return Spread(count=count, median=median, p90=p90)


def _percentile(ordered, count: int, percentile: float) -> float:
    position = percentile * (count - 1)
    low = math.floor(position)
    high = min(low + 1, count - 1)
    low_value, high_value = _value_at(ordered, low), _value_at(ordered, high)
    return low_value + (position - low) * (high_value - low_value)


def _value_at(ordered, rank: int) -> float:
    """The estimated value of the rank-th smallest (from 0): exact at a bucket's ends,
    interpolated linearly between its smallest and largest value inside it."""
    before = 0
    for _bucket, n, smallest, largest in ordered:
        if rank < before + n:
            if n == 1:
                return smallest
            return smallest + (largest - smallest) * (rank - before) / (n - 1)
        before += n
    return ordered[-1][3]


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=round(value))
