"""The times page's by-organisation percentiles picked in SQL.

Two years of the by-organisation tables are ~80k cells (organisation × field × bucket):
summing the table's rows into them and numbering them took ~0.6 s at 1M requests. Here one
statement runs the bucketed raw pass (tickets.reports.sketch) for every grouping and then,
for the organisations, works at two levels:

1. the octaves (16 buckets each) of the whole months, from tickets.ReportTimeOrganizationOctave
   (~12 rows a key where the bucket table has ~90), plus the raw pass's organisation cells
   summed by octave, are numbered by how many values come before each (a running SUM per
   organisation and field), and only the octaves holding a rank the median or the 90th
   percentile interpolates between are kept (one or two per organisation and field);
2. the buckets of those octaves alone are read from ReportTimeOrganizationMonth (through its
   unique key) and the raw cells, numbered from their octave's count before, and only the
   buckets holding those ranks are returned.

Python reads the same value from them as sketch.spread_of would from all the cells (the same
ranks, the same arithmetic), so the figures and the tolerance are unchanged. The whole
months are read as the fewest years, quarters and months covering them
(time_buckets.stored_where).
"""

import math
from collections.abc import Mapping, Sequence
from datetime import date

from tickets.models import ReportTimeOrganizationMonth, ReportTimeOrganizationOctave
from tickets.reports import sketch, time_buckets
from tickets.reports.stats import PERCENTILES, Spread

OCTAVE = sketch.BUCKETS_PER_DOUBLING


def _holding_a_rank(alias: str) -> str:
    """SQL: whether the cell `alias` (columns before, n, total) holds one of the ranks the
    percentiles read, computed as sketch._percentile does, in double precision as Python."""
    return " OR ".join(
        f"({alias}.before <= {rank} AND {rank} < {alias}.before + {alias}.n)"
        for p in PERCENTILES
        for rank in (
            f"FLOOR({p!r}::float8 * ({alias}.total - 1))",
            f"LEAST(FLOOR({p!r}::float8 * ({alias}.total - 1)) + 1, {alias}.total - 1)",
        )
    )


def cells_and_organisations(
    raw: list,
    *,
    months: tuple[date, date],
    fields: Sequence[str],
    groupings: Mapping[str, Sequence[str]],
    ranked: str,
    less: Sequence = (),
) -> tuple[dict, dict]:
    """(the raw pass's cells of every grouping but `ranked`, as sketch.bucket_cells;
    {organisation key: {field: Spread}} of `ranked`, the tables' whole `months` + raw −
    `less`, see time_buckets.trimmed_reading); one query."""
    query = sketch.bucket_query(raw, fields=fields, groupings=groupings, less=less)
    mask = query.mask_of(ranked)
    (key,) = groupings[ranked]
    alias = f"k{query.keys.index(key)}"
    quote = query.connection.ops.quote_name
    buckets = quote(ReportTimeOrganizationMonth._meta.db_table)
    octaves = quote(ReportTimeOrganizationOctave._meta.db_table)
    column = quote(ReportTimeOrganizationMonth._meta.get_field("organization").column)
    others = ", ".join(f"k{i}" for i in range(len(query.keys)))
    placed = ", ".join("w.k" if f"k{i}" == alias else "NULL" for i in range(len(query.keys)))
    in_octaves, octave_params = time_buckets.stored_where(ReportTimeOrganizationOctave, months)
    # The buckets of an octave, one index-only scan per span (the table's unique key
    # includes the counts): LATERAL … UNION ALL, run per octave, not a pass over the table.
    bucket_parts = time_buckets.stored_parts(ReportTimeOrganizationMonth, months, alias="t")
    bucket_params = [param for _sql, params in bucket_parts for param in params]
    in_octave = (
        f"t.{column} = co.k AND t.field = co.f "
        f"AND t.bucket >= co.o * {OCTAVE} AND t.bucket < (co.o + 1) * {OCTAVE}"
    )
    lookups = " UNION ALL ".join(
        f"SELECT t.bucket, t.n, t.smallest, t.largest FROM {buckets} t "  # noqa: S608
        f"WHERE {sql} AND {in_octave}"
        for sql, _params in bucket_parts
    )
    # Only our own quoted names, aliases, integers and the percentiles are interpolated.
    sql = (
        f"WITH r AS MATERIALIZED ({query.sql}), "  # noqa: S608
        f"ro AS MATERIALIZED (SELECT {alias} AS k, f, b, n, lo, hi FROM r WHERE g = {mask:d}), "
        # 1. The octaves, numbered; those holding a rank.
        "c AS (SELECT k, f, o, SUM(n)::bigint AS n FROM ("
        f"SELECT {column} AS k, field AS f, octave AS o, n FROM {octaves} WHERE {in_octaves} "
        f"UNION ALL SELECT k, f, b / {OCTAVE}, n FROM ro) u GROUP BY k, f, o), "
        "cw AS (SELECT c.*, (SUM(n) OVER (PARTITION BY k, f ORDER BY o) - n)::bigint AS before, "
        "(SUM(n) OVER (PARTITION BY k, f))::bigint AS total FROM c), "
        "co AS MATERIALIZED (SELECT k, f, o, before, total FROM cw "
        f"WHERE {_holding_a_rank('cw')}), "
        # 2. The buckets of those octaves, numbered from the octave's count before.
        "s AS (SELECT k, f, b, SUM(n)::bigint AS n, MIN(lo) AS lo, MAX(hi) AS hi FROM ("
        "SELECT co.k, co.f, t.bucket AS b, t.n, t.smallest AS lo, t.largest AS hi FROM co "
        f"CROSS JOIN LATERAL ({lookups}) t "
        "UNION ALL SELECT ro.k, ro.f, ro.b, ro.n, ro.lo, ro.hi FROM ro JOIN co "
        f"ON ro.k = co.k AND ro.f = co.f AND ro.b / {OCTAVE} = co.o"
        ") u GROUP BY k, f, b), "
        "w AS (SELECT s.k, s.f, s.b, s.n, s.lo, s.hi, (co.before + SUM(s.n) OVER "
        "(PARTITION BY s.k, s.f, co.o ORDER BY s.b) - s.n)::bigint AS before, co.total "
        f"FROM s JOIN co ON s.k = co.k AND s.f = co.f AND s.b / {OCTAVE} = co.o) "
        f"SELECT g, {others}, f, b, n, lo, hi, NULL::bigint, NULL::bigint FROM r "
        f"WHERE g <> {mask:d} "
        f"UNION ALL SELECT {mask:d}, {placed}, w.f, w.b, w.n, w.lo, w.hi, w.before, w.total "
        f"FROM w WHERE {_holding_a_rank('w')}"
    )
    with query.connection.cursor() as cursor:
        cursor.execute(sql, (*query.params, *octave_params, *bucket_params))
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
