"""The request the workspace shows, with its organisation, contract, plan, calendar, rating and
the plan's targets, in two plain statements whose text is built once per process.

The ORM's `select_related` + `prefetch_related` form of the same two queries cost ~2-3 ms of
Python on every page and poll of a request (composing and compiling them, then the prefetch
machinery), several times what running them does. Here the statements come from the models'
own tables and columns, and the rows become model instances with the fields' own converters,
as the ORM does (the same on PostgreSQL and SQLite; a field added to a model is read too).

Not one statement with the targets joined as well: PostgreSQL plans every join order anew on
each execution, and a seventh table doubled the planning time of the first statement (~0.7 ms
→ ~1.5 ms at 1M), more than the second query costs.
"""

from functools import cache

from django.db import connections, router

from accounts.models import Organization
from proftiket import model_rows
from sla.models import BusinessCalendar, Contract, PlanTarget, SupportPlan
from tickets.models import Rating, Ticket

# The models whose columns make the request's row, in order, with their aliases; all but the
# request and its organisation may be missing (LEFT JOIN).
_PARTS = (
    (Ticket, "t"),
    (Organization, "o"),
    (Contract, "c"),
    (SupportPlan, "p"),
    (BusinessCalendar, "k"),
    (Rating, "r"),
)


def _quote(alias: str):
    return connections[alias].ops.quote_name


@cache
def _request_statement(alias: str) -> str:
    q = _quote(alias)

    def table(model) -> str:
        return q(model._meta.db_table)

    def column(model, name) -> str:
        return q(model._meta.get_field(name).column)

    columns = ", ".join(
        f"{part}.{q(field.column)}"
        for model, part in _PARTS
        for field in model._meta.concrete_fields
    )
    pk = q(Ticket._meta.pk.column)
    return (
        f"SELECT {columns} FROM {table(Ticket)} t"  # noqa: S608  (model names only)
        f" JOIN {table(Organization)} o ON o.{q('id')} = t.{column(Ticket, 'organization')}"
        f" LEFT JOIN {table(Contract)} c ON c.{q('id')} = t.{column(Ticket, 'contract')}"
        f" LEFT JOIN {table(SupportPlan)} p ON p.{q('id')} = t.{column(Ticket, 'plan')}"
        f" LEFT JOIN {table(BusinessCalendar)} k"
        f" ON k.{q('id')} = p.{column(SupportPlan, 'calendar')}"
        f" LEFT JOIN {table(Rating)} r ON r.{column(Rating, 'ticket')} = t.{pk}"
        f" WHERE t.{pk} = %s"
    )


@cache
def _targets_statement(alias: str) -> str:
    q = _quote(alias)
    columns = ", ".join(q(field.column) for field in PlanTarget._meta.concrete_fields)
    order = ", ".join(q(PlanTarget._meta.get_field(name).column) for name in ("priority", "id"))
    return (
        f"SELECT {columns} FROM {q(PlanTarget._meta.db_table)}"  # noqa: S608  (model names only)
        f" WHERE {q(PlanTarget._meta.get_field('plan').column)} = %s ORDER BY {order}"
    )


@cache
def _request_readers(alias: str) -> list:
    return model_rows.readers(alias, _PARTS)


@cache
def _targets_reader(alias: str) -> tuple:
    return model_rows.reader(alias, PlanTarget, "", 0)


def _fetch(connection, sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _set_targets(connection, plan: SupportPlan) -> None:
    """The plan's targets, where `plan.targets.all()` reads them (as prefetch_related would)."""
    reader = _targets_reader(connection.alias)
    rows = _fetch(connection, _targets_statement(connection.alias), [plan.pk])
    targets = [model_rows.instance(connection, reader, row) for row in rows]
    for target in targets:
        target.plan = plan
    prefetched = plan.targets.all()  # lazy, not run
    prefetched._result_cache, prefetched._prefetch_done = targets, True
    plan._prefetched_objects_cache = {"targets": prefetched}


def request_with_plan(object_id) -> Ticket | None:
    """The request with its organisation, contract, plan (with its calendar and targets) and
    rating already there, as `select_related("organization", "contract", "plan__calendar",
    "rating").prefetch_related("plan__targets")` would give it; None if there is no such
    request. Who may see it is the caller's question (tickets.access)."""
    pk = Ticket._meta.pk.get_prep_value(object_id)  # the URLs give digits only
    connection = connections[router.db_for_read(Ticket)]
    rows = _fetch(connection, _request_statement(connection.alias), [pk])
    if not rows:
        return None
    readers = _request_readers(connection.alias)
    ticket, organization, contract, plan, calendar, rating = (
        model_rows.instance(connection, reader, rows[0]) for reader in readers
    )
    ticket.organization = organization
    ticket.contract = contract
    if plan is not None:
        plan.calendar = calendar
        _set_targets(connection, plan)
    ticket.plan = plan
    Ticket.rating.related.set_cached_value(ticket, rating)
    if rating is not None:
        rating.ticket = ticket
    return ticket
