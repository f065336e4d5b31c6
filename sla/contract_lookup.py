"""The contract in force for an organisation, with its plan, calendar and targets, in one query.

Every filing asks for it. The ORM's `select_related` + `prefetch_related` form took two queries
and ~2 ms of Python a call to build and compile them (a fifth of a filing's CPU); this is the
same data in one statement whose text is built once per process from the models' own columns,
the rows turned into model instances with the fields' own converters, as the ORM does (so it
reads the same on PostgreSQL and SQLite, and follows the models when a field is added).
"""

from datetime import date
from functools import cache

from django.db import connections, router

from proftiket import model_rows
from sla.models import BusinessCalendar, Contract, PlanTarget, SupportPlan

# The models whose columns make a row, in order, with their aliases in the statement. The
# targets are LEFT JOINed: one row per target, a plan without targets gives one row of NULLs.
_PARTS = ((Contract, "c"), (SupportPlan, "p"), (BusinessCalendar, "k"), (PlanTarget, "t"))


@cache
def _statement(alias: str) -> str:
    q = connections[alias].ops.quote_name

    def table(model) -> str:
        return q(model._meta.db_table)

    columns = ", ".join(
        f"{part}.{q(field.column)}"
        for model, part in _PARTS
        for field in model._meta.concrete_fields
    )
    # At most one contract is in force at a time (Contract.clean); should two overlap, the
    # later start wins, as Contract's ordering made it before.
    return (
        f"SELECT {columns} FROM {table(Contract)} c"  # noqa: S608  (model names only)
        f" JOIN {table(SupportPlan)} p ON p.{q('id')} = c.{q('plan_id')}"
        f" JOIN {table(BusinessCalendar)} k ON k.{q('id')} = p.{q('calendar_id')}"
        f" LEFT JOIN {table(PlanTarget)} t ON t.{q('plan_id')} = p.{q('id')}"
        f" WHERE c.{q('id')} = (SELECT c2.{q('id')} FROM {table(Contract)} c2"
        f" WHERE c2.{q('organization_id')} = %s AND c2.{q('starts_on')} <= %s"
        f" AND (c2.{q('ends_on')} IS NULL OR c2.{q('ends_on')} >= %s)"
        f" ORDER BY c2.{q('starts_on')} DESC, c2.{q('id')} DESC LIMIT 1)"
        f" ORDER BY t.{q('priority')}"
    )


@cache
def _readers(alias: str) -> list:
    """Per model, how to read its columns from a row; built once per database."""
    return model_rows.readers(alias, _PARTS)


def active_contract(organization_id: int, day: date) -> Contract | None:
    """The organisation's contract in force on `day`, with its plan, the plan's calendar and
    its targets (`plan.targets.all()` reads them without a query)."""
    connection = connections[router.db_for_read(Contract)]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.alias), [organization_id, day, day])
        rows = cursor.fetchall()
    if not rows:
        return None
    contract_reader, plan_reader, calendar_reader, target_reader = _readers(connection.alias)
    contract = model_rows.instance(connection, contract_reader, rows[0])
    plan = model_rows.instance(connection, plan_reader, rows[0])
    calendar = model_rows.instance(connection, calendar_reader, rows[0])
    targets = [
        t for row in rows if (t := model_rows.instance(connection, target_reader, row)) is not None
    ]
    for target in targets:
        target.plan = plan
    plan.calendar = calendar
    prefetched = plan.targets.all()  # lazy, not run: what prefetch_related would have filled
    prefetched._result_cache, prefetched._prefetch_done = targets, True
    plan._prefetched_objects_cache = {"targets": prefetched}
    contract.plan = plan
    return contract
