"""Support's open work, counted per engineer: the console's home page reads it here.

The SLA states are judged from the stored due and at-risk moments (as the SLA monitor does),
so that counting is one grouped query over the open requests, whatever their number, and the
queue's SLA filter selects exactly the requests a count stands for.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q

from tickets.models import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Ticket

S = Ticket.Status
WAITING_DAYS = 3  # "waiting for the customer longer than N days" on the home page


def breached(now: datetime) -> Q:
    """The clock runs and the current target's due time has passed."""
    return Q(status__in=CLOCK_RUNNING_STATUSES) & (
        Q(first_response_at__isnull=True, first_response_due_at__lt=now)
        | Q(first_response_at__isnull=False, resolution_due_at__lt=now)
    )


def at_risk(now: datetime) -> Q:
    """The clock runs, less than a fifth of the current target is left, not yet breached."""
    near = Q(first_response_at__isnull=True, first_response_risk_at__lte=now) | Q(
        first_response_at__isnull=False, resolution_risk_at__lte=now
    )
    return Q(status__in=CLOCK_RUNNING_STATUSES) & near & ~breached(now)


def waiting_longer_than(days: int, now: datetime) -> Q:
    """Waiting for the customer since before `days` days ago (a note meanwhile does not count)."""
    return Q(status=S.WAITING, status_changed_at__lt=now - timedelta(days=days))


@dataclass(frozen=True)
class Workload:
    engineer_id: int | None  # None: not assigned
    name: str
    open: int = 0
    at_risk: int = 0
    breached: int = 0
    waiting: int = 0


def open_work(*, now: datetime, engineer_ids=None) -> list[Workload]:
    """Open requests per engineer (None: unassigned), with how many are at risk, breached and
    waiting for the customer longer than WAITING_DAYS. One grouped query.

    `engineer_ids`: only these engineers and the unassigned requests; None: everybody.
    """
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    if engineer_ids is not None:
        tickets = tickets.filter(Q(assignee_id__in=engineer_ids) | Q(assignee__isnull=True))
    rows = (
        tickets.order_by()
        .values("assignee_id", "assignee__full_name", "assignee__email")
        # Counted by the status (never null), so that every column read is in the covering
        # index `ticket_open_workload` and PostgreSQL counts from the index alone.
        .annotate(
            open=Count("status"),
            at_risk=Count("status", filter=at_risk(now)),
            breached=Count("status", filter=breached(now)),
            waiting=Count("status", filter=waiting_longer_than(WAITING_DAYS, now)),
        )
    )
    result = [
        Workload(
            engineer_id=row["assignee_id"],
            name=row["assignee__full_name"] or row["assignee__email"] or "",
            open=row["open"],
            at_risk=row["at_risk"],
            breached=row["breached"],
            waiting=row["waiting"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda w: (w.engineer_id is None, w.name.casefold()))


def total(rows: list[Workload]) -> Workload:
    return Workload(
        engineer_id=None,
        name="",
        open=sum(r.open for r in rows),
        at_risk=sum(r.at_risk for r in rows),
        breached=sum(r.breached for r in rows),
        waiting=sum(r.waiting for r in rows),
    )
