"""The times page's by-organisation percentiles picked in SQL.

Two years of the by-organisation month table are ~80k cells (organisation × field × bucket):
merging them with the raw pass's in Python and reading the percentiles from them took ~0.7 s
at 1M requests. Here one statement runs the bucketed raw pass (tickets.reports.sketch) for
every grouping, sums the table's cells of the whole months with the raw pass's organisation
cells, numbers each bucket by how many values come before it (a running SUM per organisation
and field) and returns, of the organisation cells, only the few buckets holding the ranks
the median and 90th percentile interpolate between. Python reads the same value from them
as sketch.spread_of would from all the cells (the same ranks, the same arithmetic), so the
figures and the tolerance are unchanged.
"""

import math
from collections.abc import Mapping, Sequence
from datetime import date

from tickets.reports import sketch
from tickets.reports.stats import PERCENTILES, Spread


def cells_and_organisations(
    raw: list,
    table,
    *,
    months: tuple[date, date],
    fields: Sequence[str],
    groupings: Mapping[str, Sequence[str]],
    ranked: str,
) -> tuple[dict, dict]:
    """(the raw pass's cells of every grouping but `ranked`, as sketch.bucket_cells;
    {organisation key: {field: Spread}} of `ranked`, table + raw); one query."""
    query = sketch.bucket_query(raw, fields=fields, groupings=groupings)
    mask = query.mask_of(ranked)
    (key,) = groupings[ranked]
    alias = f"k{query.keys.index(key)}"
    quote = query.connection.ops.quote_name
    db_table = quote(table._meta.db_table)
    column = quote(table._meta.get_field("organization").column)
    others = ", ".join(f"k{i}" for i in range(len(query.keys)))
    placed = ", ".join("w.k" if f"k{i}" == alias else "NULL" for i in range(len(query.keys)))
    # The ranks as sketch._percentile computes them, in double precision as Python does.
    needed = " OR ".join(
        f"(w.before <= {rank} AND {rank} < w.before + w.n)"
        for p in PERCENTILES
        for rank in (
            f"FLOOR({p!r}::float8 * (w.total - 1))",
            f"LEAST(FLOOR({p!r}::float8 * (w.total - 1)) + 1, w.total - 1)",
        )
    )
    # Only our own quoted names, aliases, integers and the percentiles are interpolated.
    sql = (
        f"WITH r AS MATERIALIZED ({query.sql}), "  # noqa: S608
        f"s AS (SELECT k, f, b, SUM(n)::bigint AS n, MIN(lo) AS lo, MAX(hi) AS hi FROM ("
        f"SELECT {column} AS k, field AS f, bucket AS b, n, smallest AS lo, largest AS hi "
        f"FROM {db_table} WHERE month >= %s AND month < %s "
        f"UNION ALL SELECT {alias}, f, b, n, lo, hi FROM r WHERE g = {mask:d}"
        f") u GROUP BY k, f, b), "
        "w AS (SELECT s.*, (SUM(n) OVER (PARTITION BY k, f ORDER BY b) - n)::bigint AS before, "
        "(SUM(n) OVER (PARTITION BY k, f))::bigint AS total FROM s) "
        f"SELECT g, {others}, f, b, n, lo, hi, NULL::bigint, NULL::bigint FROM r "
        f"WHERE g <> {mask:d} "
        f"UNION ALL SELECT {mask:d}, {placed}, w.f, w.b, w.n, w.lo, w.hi, w.before, w.total "
        f"FROM w WHERE {needed}"
    )
    with query.connection.cursor() as cursor:
        cursor.execute(sql, (*query.params, *months))
        rows = cursor.fetchall()
    width = len(query.keys)
    ranked_rows = [row for row in rows if row[0] == mask]
    cells = query.cells([row[: width + 6] for row in rows if row[0] != mask])
    position = query.keys.index(key)
    selected: dict[tuple, dict[int, list]] = {}
    for row in ranked_rows:
        field, _bucket, n, low, high, before, total = row[1 + width :]
        per_field = selected.setdefault((row[1 + position],), {})
        per_field.setdefault(field, [total, []])[1].append((before, n, low, high))
    spreads = {
        key: {
            name: _spread(*per_field[index]) if index in per_field else sketch.EMPTY
            for index, name in enumerate(fields)
        }
        for key, per_field in selected.items()
    }
    return cells, spreads


def _spread(total: int, cells: list) -> Spread:
    """sketch.spread_of's figures from the buckets holding the ranks it reads."""
    median, p90 = (sketch._seconds(_percentile(cells, total, p)) for p in PERCENTILES)
    return Spread(count=total, median=median, p90=p90)


def _percentile(cells, count: int, percentile: float) -> float:
    position = percentile * (count - 1)
    low = math.floor(position)
    high = min(low + 1, count - 1)
    low_value, high_value = _value_at(cells, low), _value_at(cells, high)
    return low_value + (position - low) * (high_value - low_value)


def _value_at(cells, rank: int) -> float:
    for before, n, smallest, largest in cells:
        if before <= rank < before + n:
            if n == 1:
                return smallest
            return smallest + (largest - smallest) * (rank - before) / (n - 1)
    raise AssertionError(f"rank {rank} not among the selected buckets")
