"""The SLA of one request: due times, the stopped clock, breaches and time left.

The lifecycle asks this module what to write (dicts of field values), and writes it in its
own guarded UPDATE; the arithmetic itself is sla.clock's, the calendars and plans sla's.
It lives here, not in sla, because it decides by the request's status: sla knows nothing
of requests. The clock runs while support works
(New, In progress) and stops while the request waits for the customer or is resolved; when it
restarts, the due times move on by the business time that passed. A priority change
recomputes the targets from the original filing time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from sla import clock
from sla.calendars import working_day_calendar
from sla.models import Breach
from tickets.models import CLOCK_RUNNING_STATUSES, TicketStatus

AT_RISK_SHARE = 0.2  # less than 20% of the target left


@dataclass(frozen=True)
class Targets:
    first_response: timedelta
    resolution: timedelta


def targets_of(ticket) -> Targets | None:
    """The plan's targets for the request's type and priority (None: not covered)."""
    plan = ticket.plan
    if plan is None or not plan.covers(ticket.type):
        return None
    target = plan.targets_for(ticket.priority)
    if target is None:
        return None
    return Targets(first_response=target.first_response, resolution=target.resolution)


def schedule_of(ticket) -> clock.Schedule:
    return ticket.plan.calendar.schedule()


ESCALATE_UNASSIGNED_CRITICAL_AFTER = timedelta(minutes=15)
_NO_TARGETS = dict.fromkeys(
    [
        "first_response_due_at",
        "resolution_due_at",
        "first_response_risk_at",
        "resolution_risk_at",
        "escalation_at",
    ]
)


def due_times(ticket, *, paused_for: timedelta) -> dict:
    """Due times (and the at-risk and escalation moments) from the filing time, moved on by
    the business time the clock was stopped so far."""
    if ticket.plan_id is None:
        return dict(_NO_TARGETS)

    def after(business_time: timedelta) -> datetime:
        return clock.add_business_time(
            schedule_of(ticket), ticket.created_at, business_time + paused_for
        )

    # An untaken critical request is escalated on support hours, targets or not.
    moments = dict(_NO_TARGETS) | {"escalation_at": after(ESCALATE_UNASSIGNED_CRITICAL_AFTER)}
    targets = targets_of(ticket)
    if targets is None:
        return moments
    risk_share = 1 - AT_RISK_SHARE
    return moments | {
        "first_response_due_at": after(targets.first_response),
        "resolution_due_at": after(targets.resolution),
        "first_response_risk_at": after(targets.first_response * risk_share),
        "resolution_risk_at": after(targets.resolution * risk_share),
    }


# Moved due times make a new at-risk episode: warn (and escalate) again if it comes to that.
_REARM = {"first_response_warned_at": None, "resolution_warned_at": None}


def on_filing(ticket) -> dict:
    """Due times of a new request."""
    return due_times(ticket, paused_for=timedelta(0))


def on_status_change(ticket, *, old: str, new: str, now: datetime) -> dict:
    """Stop the clock when work stops; restart it, moving the due times, when work resumes.
    Also (re)arms or disarms the automatic closing of a resolved request."""
    updates = auto_close_moments(ticket, resolved_at=now) if new == TicketStatus.RESOLVED else {}
    if old == TicketStatus.RESOLVED:
        updates = {"auto_close_at": None, "auto_close_reminder_at": None}
    return updates | clock_change(ticket, old=old, new=new, now=now)


def clock_change(ticket, *, old: str, new: str, now: datetime) -> dict:
    """The clock's part of a change of status: stopped, or restarted with moved due times."""
    # Kept even for requests without targets (a type the plan does not cover, a priority
    # without a target): the targets may appear later, e.g. with another priority.
    if ticket.plan_id is None:
        return {}
    was_running, runs = old in CLOCK_RUNNING_STATUSES, new in CLOCK_RUNNING_STATUSES
    if was_running and not runs:
        return {"sla_paused_since": now}
    if runs and not was_running and ticket.sla_paused_since is not None:
        paused_for = ticket.sla_paused_for + _stopped_now(ticket, now)
        return {
            "sla_paused_since": None,
            "sla_paused_for": paused_for,
            **due_times(ticket, paused_for=paused_for),
            **_REARM,
        }
    return {}


def on_priority_change(ticket, *, priority: int) -> dict:
    """New targets, counted from the original filing time (stopped time still excluded)."""
    return _retargeted(ticket, "priority", priority)


def on_type_change(ticket, *, type: str) -> dict:
    """New targets for another type (the plan may cover it differently, or not at all)."""
    return _retargeted(ticket, "type", type)


def _retargeted(ticket, field: str, value) -> dict:
    original = getattr(ticket, field)
    setattr(ticket, field, value)  # due_times reads it; restored: the caller saves
    try:
        return due_times(ticket, paused_for=ticket.sla_paused_for) | _REARM | {"escalated_at": None}
    finally:
        setattr(ticket, field, original)


@dataclass(frozen=True)
class Clock:
    """What an agent sees of a request's SLA now."""

    target: str  # "first_response" or "resolution"
    due_at: datetime | None
    total: timedelta
    left: timedelta  # negative when overdue
    paused: bool

    @property
    def breached(self) -> bool:
        return not self.paused and self.left < timedelta(0)

    @property
    def at_risk(self) -> bool:
        return not self.breached and self.left < self.total * AT_RISK_SHARE


def current(ticket, *, now: datetime) -> Clock | None:
    """The running (or stopped) SLA target of a request, with business time left."""
    return current_for_targets(ticket, targets_of(ticket), now=now)


def current_for_targets(ticket, targets: Targets | None, *, now: datetime) -> Clock | None:
    """`current`, with the request's targets already known (a list of many requests looks up
    each plan, type and priority once)."""
    if targets is None or ticket.status == TicketStatus.CLOSED:
        return None
    awaiting_first = ticket.first_response_at is None
    target = "first_response" if awaiting_first else "resolution"
    due = ticket.first_response_due_at if awaiting_first else ticket.resolution_due_at
    total = targets.first_response if awaiting_first else targets.resolution
    if due is None:
        return None
    schedule = schedule_of(ticket)
    paused = ticket.sla_paused_since is not None
    reference = ticket.sla_paused_since if paused else now
    if reference <= due:
        left = clock.business_time_between(schedule, reference, due)
    else:
        left = -clock.business_time_between(schedule, due, reference)
    return Clock(target=target, due_at=due, total=total, left=left, paused=paused)


def record_breach(ticket, target: str, *, due_at: datetime, met_at=None, late_by=None) -> None:
    """Record a missed target once; a later call only adds when and how late it was met."""
    breach, created = Breach.objects.get_or_create(
        ticket=ticket,
        target=target,
        defaults={"due_at": due_at, "met_at": met_at, "late_by": late_by},
    )
    if not created and met_at is not None and breach.met_at is None:
        Breach.objects.filter(pk=breach.pk).update(met_at=met_at, late_by=late_by)


AUTO_CLOSE_DEFAULT_WORKING_DAYS = 10
REMIND_WORKING_DAYS_BEFORE = 2


def auto_close_days(ticket) -> int:
    """After how many working days without an answer a resolved request closes."""
    if ticket.plan_id is None:
        return AUTO_CLOSE_DEFAULT_WORKING_DAYS
    return ticket.plan.auto_close_working_days


def auto_close_moments(ticket, *, resolved_at: datetime, calendar=None) -> dict:
    """When a request resolved at `resolved_at` closes by itself, and when we remind the customer.

    The customer has the whole of the N-th working day after the resolution day (N from the
    plan, 10 by default); the request closes at the start of the next day. The reminder goes
    out at the end of working day N-2, so that the customer still has two working days.
    """
    days = auto_close_days(ticket)
    # Days begin and end in the customer's support calendar's zone (Moscow by default).
    tz = schedule_of(ticket).tz if ticket.plan_id else timezone.get_default_timezone()
    resolved_day = timezone.localtime(resolved_at, tz).date()
    # `calendar`: a working-day calendar around that day, when the caller already has one.
    calendar = calendar or working_day_calendar(resolved_day)
    last_day = clock.add_working_days(calendar, resolved_day, days)
    close_at = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    reminder = None
    if days > REMIND_WORKING_DAYS_BEFORE:
        remind_day = clock.add_working_days(
            calendar, resolved_day, days - REMIND_WORKING_DAYS_BEFORE
        )
        reminder = datetime.combine(remind_day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return {"auto_close_at": close_at, "auto_close_reminder_at": reminder}


def _stopped_now(ticket, until: datetime) -> timedelta:
    """Business time of the current stop of the clock, up to `until`."""
    if ticket.sla_paused_since is None or until <= ticket.sla_paused_since:
        return timedelta(0)
    return clock.business_time_between(schedule_of(ticket), ticket.sla_paused_since, until)


def elapsed(ticket, *, until: datetime) -> timedelta | None:
    """Business time from filing to `until`, the stopped clock excluded (None: no plan)."""
    if ticket.plan_id is None:
        return None
    total = clock.business_time_between(schedule_of(ticket), ticket.created_at, until)
    stopped = ticket.sla_paused_for + _stopped_now(ticket, until)
    return max(total - stopped, timedelta(0))


def missed(ticket, target: str, *, at: datetime) -> tuple[datetime, timedelta] | None:
    """(due time, lateness) if `target` is met only at `at`, after its time was used up.

    Judged on business time actually spent, so a request resolved straight from "waiting for
    the customer" is not late because of the time it waited (its stored due time only moves
    when the clock restarts).
    """
    targets = targets_of(ticket)
    if targets is None:
        return None
    allowed = targets.first_response if target == "first_response" else targets.resolution
    late_by = elapsed(ticket, until=at) - allowed
    if late_by <= timedelta(0):
        return None
    stopped = ticket.sla_paused_for + _stopped_now(ticket, at)
    due = clock.add_business_time(schedule_of(ticket), ticket.created_at, allowed + stopped)
    return due, late_by
