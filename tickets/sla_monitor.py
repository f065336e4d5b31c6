"""SLA monitoring (run every minute): record missed targets, warn before, escalate.

Every step is set-based and race-safe: it claims its rows with a guarded UPDATE (see
proftiket.batching.claim), so a second run at the same time, or a rerun after a crash,
never notifies twice. The history entries are internal; the e-mails go through
tickets.notifications after commit.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from proftiket.batching import claim
from sla.models import Breach
from tickets import lifecycle
from tickets.models import CLOCK_RUNNING_STATUSES, Ticket, TicketEvent

BATCH = 1000
Kind = TicketEvent.Kind


@dataclass
class MonitorResult:
    breaches_recorded: int = 0
    breaches_notified: int = 0
    warned: int = 0
    escalated: int = 0


def run(*, now=None) -> MonitorResult:
    """One pass of every SLA check."""
    now = now or timezone.now()
    result = MonitorResult()
    result.breaches_recorded = record_breaches(now=now)
    result.breaches_notified = notify_breaches(now=now)
    result.warned = warn_at_risk(now=now)
    result.escalated = escalate_unassigned_critical(now=now)
    return result


def record_breaches(*, now) -> int:
    """A Breach row for every running clock whose target passed unmet (once per target)."""
    recorded = 0
    checks = [
        (
            Breach.Target.FIRST_RESPONSE,
            "first_response_due_at",
            Q(first_response_at__isnull=True, first_response_due_at__lte=now),
        ),
        (Breach.Target.RESOLUTION, "resolution_due_at", Q(resolution_due_at__lte=now)),
    ]
    for target, due_field, overdue in checks:
        already = Breach.objects.filter(ticket=OuterRef("pk"), target=target)
        missing = Ticket.objects.filter(overdue, status__in=CLOCK_RUNNING_STATUSES).exclude(
            Exists(already)
        )
        while rows := list(missing.values_list("pk", due_field)[:BATCH]):
            # The unique (ticket, target) constraint makes a concurrent insert a no-op.
            Breach.objects.bulk_create(
                [
                    Breach(ticket_id=pk, target=target, due_at=due, recorded_at=now)
                    for pk, due in rows
                ],
                ignore_conflicts=True,
            )
            recorded += len(rows)
    return recorded


def notify_breaches(*, now) -> int:
    """Tell the engineer and the supervisors about each breach, once."""
    pending = Q(notified_at__isnull=True)
    notified = 0
    while rows := list(
        Breach.objects.filter(pending).values_list("pk", "ticket_id", "target")[:BATCH]
    ):
        with transaction.atomic():
            done = set(claim(Breach, pending, [pk for pk, _t, _g in rows], {"notified_at": now}))
            # One history entry per breach: a request may miss both targets in one batch.
            for target in Breach.Target.values:
                tickets = [ticket for pk, ticket, kind in rows if pk in done and kind == target]
                lifecycle.record_many(
                    tickets,
                    Kind.SLA_BREACHED,
                    now=now,
                    is_public=False,
                    data_of=lambda pk, target=target: {"target": target},
                )
        notified += len(done)
    return notified


def warn_at_risk(*, now) -> int:
    """Warn once per target when less than 20% of it is left (and it is not missed yet)."""
    warned = 0
    checks = [
        (
            "first_response",
            "first_response_warned_at",
            Q(
                first_response_at__isnull=True,
                first_response_warned_at__isnull=True,
                first_response_risk_at__lte=now,
                first_response_due_at__gt=now,
            ),
        ),
        (
            "resolution",
            "resolution_warned_at",
            Q(
                resolution_warned_at__isnull=True,
                resolution_risk_at__lte=now,
                resolution_due_at__gt=now,
            ),
        ),
    ]
    for target, warned_field, condition in checks:
        condition &= Q(status__in=CLOCK_RUNNING_STATUSES)
        warned += _claim_and_record(
            condition, {warned_field: now}, Kind.SLA_AT_RISK, now=now, data={"target": target}
        )
    return warned


def escalate_unassigned_critical(*, now) -> int:
    """A critical request nobody has taken after 15 minutes of business time: tell supervisors."""
    condition = Q(
        status__in=CLOCK_RUNNING_STATUSES,
        priority=Ticket.Priority.CRITICAL,
        assignee__isnull=True,
        escalated_at__isnull=True,
        escalation_at__lte=now,
    )
    return _claim_and_record(condition, {"escalated_at": now}, Kind.ESCALATED, now=now, data={})


def _claim_and_record(condition: Q, updates: dict, kind: str, *, now, data: dict) -> int:
    total = 0
    while ids := list(Ticket.objects.filter(condition).values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            done = claim(Ticket, condition, ids, updates)
            lifecycle.record_many(done, kind, now=now, is_public=False, data_of=lambda pk: data)
        total += len(done)
    return total
