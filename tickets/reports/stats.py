"""Percentiles of business-time durations, computed in the database on PostgreSQL and SQLite.

The definition is PostgreSQL's `percentile_cont` (linear interpolation between the closest
ranks): over the n values sorted ascending and numbered from 0, the p-th percentile is at the
position p·(n − 1); between two ranks it is interpolated, lo + (p·(n − 1) − ⌊p·(n − 1)⌋)·(hi − lo).
The median is p = 0.5. Values are compared in seconds and rounded to the whole second.

PostgreSQL runs `percentile_cont(p) WITHIN GROUP (ORDER BY seconds)` (the `PercentileCont`
aggregate below). SQLite has no percentile function: there the same figure comes from window
functions in the database — ROW_NUMBER() and COUNT() over each group give every value its rank,
an aggregate picks the two values at ⌊p·(n − 1)⌋ and the next rank, and the outer query
interpolates between them with the same formula, so both databases return the same numbers.

A DurationField is an `interval` on PostgreSQL and an integer of microseconds on SQLite;
`EpochSeconds` turns either into seconds (double precision).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Aggregate, Count, F, FloatField, Func, QuerySet

MEDIAN, P90 = 0.5, 0.9


class EpochSeconds(Func):
    """A DurationField as seconds (float), whatever the database stores it as."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        # SQLite (and the other backends without an interval type) store microseconds.
        return super().as_sql(
            compiler, connection, template="(%(expressions)s / 1000000.0)", **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            # DATE_PART is double precision already (EXTRACT is numeric, slower to sort).
            template="DATE_PART('epoch', %(expressions)s)",
            **extra_context,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(p) WITHIN GROUP (ORDER BY x)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, percentile: float, **extra):
        if not 0 <= percentile <= 1:
            raise ValueError("A percentile is between 0 and 1.")
        # A float we choose, never user input: safe to inline as a literal.
        super().__init__(expression, percentile=repr(float(percentile)), **extra)


@dataclass(frozen=True)
class Spread:
    """How many values there were, their median and their 90th percentile."""

    count: int
    median: timedelta | None
    p90: timedelta | None


def seconds_to_duration(value) -> timedelta | None:
    """Seconds from the database as a timedelta, rounded to the second."""
    return None if value is None else timedelta(seconds=round(float(value)))


def duration_spreads(
    queryset: QuerySet,
    *,
    fields: Sequence[str],
    group_by: Mapping[str, object] | None = None,
) -> dict[tuple, dict[str, Spread]]:
    """Count, median and 90th percentile of each duration field, per group, in one query.

    `group_by` maps names to fields or expressions; the result is keyed by the tuple of their
    values (the empty tuple when not grouped) and then by field name.
    """
    group_by = _expressions(group_by)
    vendor = connections[router.db_for_read(queryset.model)].vendor
    if vendor == "postgresql":
        rows = percentile_cont_rows(queryset, fields=fields, group_by=group_by)
    else:
        rows = window_percentile_rows(queryset, fields=fields, group_by=group_by)
    result = {}
    for row in rows:
        key = tuple(row[f"g{i}"] for i in range(len(group_by)))
        result[key] = {
            field: Spread(
                count=row[f"c{i}"] or 0,
                median=seconds_to_duration(row[f"p{i}_0"]),
                p90=seconds_to_duration(row[f"p{i}_1"]),
            )
            for i, field in enumerate(fields)
        }
    return result


PERCENTILES = (MEDIAN, P90)


def _expressions(group_by: Mapping[str, object] | None) -> dict:
    return {
        name: F(value) if isinstance(value, str) else value
        for name, value in (group_by or {}).items()
    }


def percentile_cont_rows(queryset, *, fields, group_by) -> list[dict]:
    """Count and percentiles per group with PostgreSQL's percentile_cont."""
    group_by = _expressions(group_by)
    annotations = {}
    for i, field in enumerate(fields):
        annotations[f"c{i}"] = Count(field)
        for j, percentile in enumerate(PERCENTILES):
            annotations[f"p{i}_{j}"] = PercentileCont(EpochSeconds(field), percentile)
    queryset = queryset.order_by()
    if not group_by:
        return [queryset.aggregate(**annotations)]
    aliases = {f"g{i}": expression for i, expression in enumerate(group_by.values())}
    return list(queryset.values(**aliases).annotate(**annotations))


def window_percentile_rows(queryset, *, fields, group_by) -> list[dict]:
    """The same figures as percentile_cont, with window functions (the SQLite fallback)."""
    connection = connections[router.db_for_read(queryset.model)]
    group_by = _expressions(group_by)
    groups = [f"g{i}" for i in range(len(group_by))]
    values = {f"v{i}": EpochSeconds(field) for i, field in enumerate(fields)}
    inner = queryset.order_by().values(
        **dict(zip(groups, group_by.values(), strict=True)), **values
    )
    try:
        inner_sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # e.g. .none(): no rows, as the aggregate would say
        if groups:
            return []
        row = {}
        for i in range(len(fields)):
            row[f"c{i}"] = 0
            row |= {f"p{i}_{j}": None for j in range(len(PERCENTILES))}
        return [row]

    def floor(sql: str) -> str:
        # Positions are never negative, so truncation is the floor (SQLite may lack FLOOR).
        return f"FLOOR({sql})" if connection.vendor == "postgresql" else f"CAST({sql} AS INTEGER)"

    ranked, picked, interpolated = [], [], []
    for i in range(len(fields)):
        rank_partition = ", ".join([*groups, f"v{i} IS NULL"])
        ranked.append(
            f"ROW_NUMBER() OVER (PARTITION BY {rank_partition} ORDER BY v{i}) - 1 AS r{i}"
        )
        ranked.append(
            f"COUNT(v{i}) OVER ({'PARTITION BY ' + ', '.join(groups) if groups else ''}) AS n{i}"
        )
        picked.append(f"COUNT(v{i}) AS c{i}")
        interpolated.append(f"c{i}")
        for j, percentile in enumerate(PERCENTILES):
            rank = floor(f"{percentile!r} * (n{i} - 1)")
            value = f"CASE WHEN v{i} IS NOT NULL AND r{i} = {rank}"
            picked.append(f"MAX({value} THEN v{i} END) AS lo{i}_{j}")
            picked.append(f"MAX({value} + 1 THEN v{i} END) AS hi{i}_{j}")
            position = f"{percentile!r} * (c{i} - 1)"
            interpolated.append(
                f"lo{i}_{j} + ({position} - {floor(position)}) "
                f"* (COALESCE(hi{i}_{j}, lo{i}_{j}) - lo{i}_{j}) AS p{i}_{j}"
            )
    group_list = ", ".join(groups)
    select_groups = f"{group_list}, " if groups else ""
    # Only our own aliases and float literals are interpolated; the values are parameters.
    sql = (
        f"SELECT {select_groups}{', '.join(interpolated)} FROM ("  # noqa: S608
        f"SELECT {select_groups}{', '.join(picked)} FROM ("
        f"SELECT base.*, {', '.join(ranked)} FROM ({inner_sql}) base"
        f") ranked{' GROUP BY ' + group_list if groups else ''}"
        f") picked"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
