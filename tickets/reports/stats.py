"""Percentiles of business-time durations: in the database on PostgreSQL, in Python on SQLite.

The definition is PostgreSQL's `percentile_cont` (linear interpolation between the closest
ranks): over the n values sorted ascending and numbered from 0, the p-th percentile is at the
position p·(n − 1); between two ranks it is interpolated, lo + (p·(n − 1) − ⌊p·(n − 1)⌋)·(hi − lo).
The median is p = 0.5. Values are compared in seconds and rounded to the whole second.

PostgreSQL runs `percentile_cont(p) WITHIN GROUP (ORDER BY seconds)` (the `PercentileCont`
aggregate below). SQLite, the quick-start database, has no percentile function: there the
same formula is applied in Python to the same rows (`python_percentile_rows`), so both
databases return the same numbers without a second implementation in SQL.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import connections, router
from django.db.models import Aggregate, Count, F, FloatField, Func, QuerySet

MEDIAN, P90 = 0.5, 0.9


class EpochSeconds(Func):
    """A DurationField (an interval on PostgreSQL) as seconds, double precision.

    DATE_PART is double precision already (EXTRACT is numeric, slower to sort).
    """

    template = "DATE_PART('epoch', %(expressions)s)"
    output_field = FloatField()


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
        rows = python_percentile_rows(queryset, fields=fields, group_by=group_by)
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


def python_percentile_rows(queryset, *, fields, group_by) -> list[dict]:
    """The same figures as percentile_cont, computed in Python over the same rows.

    For SQLite, the quick-start database, which has no percentile function: it reads one
    row per request of the report, which is fine at the sizes SQLite serves here.
    """
    group_by = _expressions(group_by)
    groups = [f"g{i}" for i in range(len(group_by))]
    rows = queryset.order_by().values(
        **dict(zip(groups, group_by.values(), strict=True)),
        **{f"v{i}": F(field) for i, field in enumerate(fields)},
    )
    values: dict[tuple, list[list[float]]] = {}
    for row in rows:
        per_field = values.setdefault(tuple(row[g] for g in groups), [[] for _f in fields])
        for i, column in enumerate(per_field):
            if row[f"v{i}"] is not None:
                column.append(row[f"v{i}"].total_seconds())
    if not groups and not values:  # no rows: what the aggregate over nothing says
        values[()] = [[] for _f in fields]
    result = []
    for key, per_field in values.items():
        row = dict(zip(groups, key, strict=True))
        for i, column in enumerate(per_field):
            column.sort()
            row[f"c{i}"] = len(column)
            for j, percentile in enumerate(PERCENTILES):
                row[f"p{i}_{j}"] = percentile_cont(column, percentile)
        result.append(row)
    return result


def percentile_cont(ordered: Sequence[float], percentile: float) -> float | None:
    """PostgreSQL's percentile_cont over values sorted ascending (None for no values)."""
    if not ordered:
        return None
    position = percentile * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])
