"""Sums of a grouped query by several groupings at once, in one statement.

A report often needs the same counts by organisation, by priority, by type and by month. Each
grouping as its own query would read the period's requests once per grouping; instead the
requests are read once, grouped at the finest grain the groupings need (a few thousand rows
at most), and the database sums that small result again per grouping: a common table
expression and one UNION ALL branch per grouping (PostgreSQL materialises a CTE referenced
more than once, so the requests are read once; SQLite is the small-installation database).
"""

from collections.abc import Mapping, Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet


def rollup(
    finest: QuerySet, *, groupings: Mapping[str, Sequence[str]], sums: Sequence[str]
) -> dict[str, list[dict]]:
    """{grouping: [row, ...]}: each row has the grouping's keys and the `sums` summed.

    `finest` is a `.values(*keys).annotate(**counts)` queryset whose keys include every
    grouping's; a grouping with no keys is the total (one row, zeros when empty)."""
    connection = connections[router.db_for_read(finest.model)]
    quote = connection.ops.quote_name
    keys = list(dict.fromkeys(key for grouping in groupings.values() for key in grouping))
    try:
        inner_sql, params = finest.order_by().query.sql_with_params()
    except EmptyResultSet:  # e.g. filtered by an empty list: nothing to sum
        return {
            name: [] if grouping else [dict.fromkeys(sums, 0)]
            for name, grouping in groupings.items()
        }
    branches = []
    for index, grouping in enumerate(groupings.values()):
        # A key outside the grouping is not read; MIN() keeps its type for the UNION.
        columns = [quote(key) if key in grouping else f"MIN({quote(key)})" for key in keys]
        totals = [f"SUM({quote(name)})" for name in sums]
        group_by = f" GROUP BY {', '.join(quote(key) for key in grouping)}" if grouping else ""
        # Only quoted column names of our own and integers are interpolated.
        branches.append(
            f"SELECT {index} AS grouping_index, {', '.join([*columns, *totals])} "  # noqa: S608
            f"FROM finest{group_by}"
        )
    sql = f"WITH finest AS ({inner_sql}) " + " UNION ALL ".join(branches)
    result: dict[str, list[dict]] = {name: [] for name in groupings}
    names = list(groupings)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for index, *values in cursor.fetchall():
            name = names[index]
            key_values = dict(zip(keys, values[: len(keys)], strict=True))
            row = {key: key_values[key] for key in groupings[name]}
            row |= {s: int(v or 0) for s, v in zip(sums, values[len(keys) :], strict=True)}
            result[name].append(row)
    return result
