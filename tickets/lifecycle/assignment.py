"""Automatic assignment of new requests, by their plan's rule (SupportPlan.auto_assignment).

Off by default. Round robin: the agents on duty in turn (by id, after the one given a request
last). Least open: the agent on duty with the fewest open requests; a tie goes to the next
in turn. On duty: the plan's calendar is open now (its support hours) and the agent is active
and not marked away in the console.

A plan's waiting queue is its new requests that nobody has: blocking Problems first (a
Problem, or a request that blocks the customer's work), then by priority, oldest first. It is
assigned when a request is filed (the new one joins the queue; normally it is the queue) and
every minute by the scheduled job (requests filed out of hours or while everyone was away).

Each decision is taken under a row lock on the plan's cursor (sla.AssignmentCursor), and the
queue is read only once the lock is held: concurrent filings take turns, none reads a turn or
a workload another is about to change. Each assignment is an "Engineer assigned" history entry
of the system naming the rule; the engineer is e-mailed as for any assignment by someone else.
"""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from accounts.models import Role, User
from sla import clock
from sla.models import AssignmentCursor, SupportPlan
from tickets import outbox
from tickets.models import OPEN_STATUSES, Ticket, TicketEvent

Rule = SupportPlan.AutoAssignment
S = Ticket.Status
FILING_BATCH = 20  # a filing assigns at most this much of a backlog; the job does the rest
JOB_BATCH = 200


def agents_on_duty(plan: SupportPlan, *, now) -> list[User]:
    """The agents automatic assignment may give the plan's requests to now, by id."""
    if not plan.auto_assignment or not clock.is_open(plan.calendar.schedule(), now):
        return []
    agents = User.objects.filter(role=Role.AGENT, is_active=True, away_since__isnull=True)
    return list(agents.order_by("pk"))


def in_turn(agents: Sequence[User], last_id: int | None) -> list[User]:
    """The agents in turn: those after the last one assigned (by id), then round again."""
    if last_id is None:
        return list(agents)
    after = [agent for agent in agents if agent.pk > last_id]
    return after + [agent for agent in agents if agent.pk <= last_id]


def open_work(agent_ids: Sequence[int]) -> dict[int, int]:
    """Open requests (new, in progress, waiting) per agent, from the open-workload index."""
    rows = (
        Ticket.objects.filter(assignee_id__in=list(agent_ids), status__in=OPEN_STATUSES)
        .order_by()
        .values_list("assignee")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def choose(rule: str, agents: Sequence[User], *, last_id: int | None, load: dict) -> User:
    """The agent the rule gives the next request to."""
    order = in_turn(agents, last_id)
    if rule == Rule.LEAST_OPEN:
        return min(order, key=lambda agent: load.get(agent.pk, 0))  # stable: ties in turn
    return order[0]


def waiting(plan: SupportPlan):
    """The plan's new requests nobody has, blocking Problems first, then priority, oldest."""
    blocking = Case(
        When(Q(type=Ticket.Type.PROBLEM) | Q(blocks_work=True), then=Value(0)), default=Value(1)
    )
    return (
        Ticket.objects.filter(plan=plan, status=S.NEW, assignee__isnull=True)
        .annotate(blocking=blocking)
        .order_by("blocking", "priority", "created_at", "pk")
    )


@transaction.atomic
def assign_waiting(plan: SupportPlan, *, now=None, limit: int = JOB_BATCH) -> list[Ticket]:
    """Assign the plan's waiting queue, in order, to the agents on duty; the ones assigned."""
    now = now or timezone.now()
    # Nobody on duty, or nothing waiting (the job's usual minute): no lock taken at all.
    if not waiting(plan).exists():
        return []
    agents = agents_on_duty(plan, now=now)
    if not agents:
        return []
    cursor = _locked_cursor(plan)
    queue = list(waiting(plan)[:limit])
    if not queue:
        return []
    least_open = plan.auto_assignment == Rule.LEAST_OPEN
    load = open_work([agent.pk for agent in agents]) if least_open else {}
    assigned = []
    for ticket in queue:
        agent = choose(plan.auto_assignment, agents, last_id=cursor.last_assignee_id, load=load)
        if not _give(ticket, agent, rule=plan.auto_assignment, now=now):
            continue  # taken by someone meanwhile
        cursor.last_assignee_id = agent.pk
        cursor.assigned += 1
        load[agent.pk] = load.get(agent.pk, 0) + 1
        assigned.append(ticket)
    cursor.updated_at = now
    cursor.save(update_fields=["last_assignee", "assigned", "updated_at"])
    return assigned


def on_filing(ticket: Ticket) -> None:
    """A request was just filed (in this transaction): assign its plan's queue, if the plan
    says so; the request object shows its engineer afterwards."""
    plan = ticket.plan
    if plan is None or not plan.auto_assignment:
        return
    for assigned in assign_waiting(plan, now=ticket.created_at, limit=FILING_BATCH):
        if assigned.pk == ticket.pk:
            ticket.assignee, ticket.version = assigned.assignee, assigned.version


def assign_all_waiting(*, now=None) -> int:
    """The scheduled job: every plan with a rule gets its queue assigned; how many were."""
    now = now or timezone.now()
    plans = SupportPlan.objects.exclude(auto_assignment=Rule.OFF).select_related("calendar")
    return sum(len(assign_waiting(plan, now=now)) for plan in plans.order_by("pk"))


def rule_label(rule: str | None) -> str:
    """The rule's name as people read it ("" for none)."""
    return str(Rule(rule).label) if rule in Rule.values and rule else ""


def _locked_cursor(plan: SupportPlan) -> AssignmentCursor:
    AssignmentCursor.objects.get_or_create(plan=plan)
    return AssignmentCursor.objects.select_for_update().get(plan=plan)


def _give(ticket: Ticket, agent: User, *, rule: str, now) -> bool:
    """Assign one waiting request, guarded (still new, still nobody's); write its entry."""
    rows = Ticket.objects.filter(pk=ticket.pk, status=S.NEW, assignee__isnull=True).update(
        assignee=agent, version=F("version") + 1, last_activity_at=now
    )
    if not rows:
        return False
    ticket.assignee, ticket.version, ticket.last_activity_at = agent, ticket.version + 1, now
    event = TicketEvent(
        ticket=ticket,
        actor=None,
        kind=TicketEvent.Kind.ASSIGNED,
        note=agent.full_name,
        data={"from": None, "to": agent.pk, "rule": str(rule)},
        assigned_to=agent,
        created_at=now,
    )
    outbox.stamp(event).save(force_insert=True)
    outbox.publish([event])
    return True
