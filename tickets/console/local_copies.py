"""Small lists the queue reads on every page, kept in memory per process: the engineers, and the
support plans with their calendars and targets.

The queue is the page agents open all day. Reading thirty engineers and a handful of plans
again on each view cost two queries of six, and ~100 model objects a page (a plan and a
calendar per row). Each process keeps what it read for LOCAL_SECONDS (as the status banner
does, tickets.notices); a change saved in this process drops its copy at once, the other
processes see it within LOCAL_SECONDS. What these lists decide is only shown: an assignment
is checked against the database when it is made (ConsoleActionForm's queryset), and the SLA
due times the queue shows are stored on each request.
"""

import time
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import User
from sla.models import BusinessCalendar, PlanTarget, SupportPlan
from tickets.console.forms import engineers

LOCAL_SECONDS = 30


class _Copy:
    """A value loaded by `load`, kept until LOCAL_SECONDS have passed or `forget()`."""

    def __init__(self, load: Callable):
        self.load = load
        self.kept = None  # (monotonic expiry, value): replaced whole, safe for a reading thread

    def get(self):
        kept = self.kept
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        value = self.load()
        self.kept = (time.monotonic() + LOCAL_SECONDS, value)
        return value

    def forget(self) -> None:
        self.kept = None


def _load_engineers() -> list[tuple[int, str]]:
    return [
        (pk, name or email)
        for pk, name, email in engineers().values_list("pk", "full_name", "email")
    ]


def _load_plans() -> dict[int, SupportPlan]:
    plans = SupportPlan.objects.select_related("calendar").prefetch_related("targets")
    return {plan.pk: plan for plan in plans}


_engineers = _Copy(_load_engineers)
_plans = _Copy(_load_plans)


def engineer_choices() -> list[tuple[int, str]]:
    """Active support staff as (id, name as a user is shown), in `forms.engineers()`'s order."""
    return _engineers.get()


def with_plans(tickets: Iterable) -> list:
    """The requests, each with its plan (and the plan's calendar and targets) from memory."""
    tickets = list(tickets)
    plans = _plans.get()
    if any(t.plan_id is not None and t.plan_id not in plans for t in tickets):
        _plans.forget()  # a plan newer than the copy
        plans = _plans.get()
    plan_field = tickets[0]._meta.get_field("plan") if tickets else None
    for ticket in tickets:
        if ticket.plan_id is not None:
            plan_field.set_cached_value(ticket, plans.get(ticket.plan_id))
    return tickets


def forget() -> None:
    """Drop this process's copies: the next page reads them again."""
    _engineers.forget()
    _plans.forget()


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
@receiver(post_save, sender=SupportPlan)
@receiver(post_delete, sender=SupportPlan)
@receiver(post_save, sender=PlanTarget)
@receiver(post_delete, sender=PlanTarget)
@receiver(post_save, sender=BusinessCalendar)
def _changed(**kwargs) -> None:
    forget()  # now, for this process's next page, and again once the change is committed
    transaction.on_commit(forget)
