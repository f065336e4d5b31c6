"""A request's SLA as the console shows it: a coloured state, time left, how it was computed."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from sla.models import Breach
from tickets import sla_tracking
from tickets.formatting import duration_text


def sla_state(sla) -> str:
    """The SLA clock's state, as the CSS class suffix of its badge."""
    if sla.paused:
        return "paused"
    return "breached" if sla.breached else "at-risk" if sla.at_risk else "ok"


def sla_text(sla) -> str:
    if sla.paused and sla.left < timedelta(0):
        return _("stopped, overdue by %(late)s") % {"late": duration_text(sla.left)}
    if sla.paused:
        return _("stopped, %(left)s left") % {"left": duration_text(sla.left)}
    if sla.breached:
        return _("overdue by %(late)s") % {"late": duration_text(sla.left)}
    return duration_text(sla.left)


def sla_explanation(ticket):
    """Time left on the running target and how it was computed, for the request page."""
    sla = sla_tracking.current(ticket, now=timezone.now())
    if sla is None:
        return None
    targets = sla_tracking.targets_of(ticket)
    return {
        "clock": sla,
        "text": sla_text(sla),
        "state": sla_state(sla),
        "target_label": Breach.Target(sla.target).label,
        "target": duration_text(sla.total),
        "first_response_target": duration_text(targets.first_response),
        "resolution_target": duration_text(targets.resolution),
        "paused_for": duration_text(ticket.sla_paused_for),
        "plan": ticket.plan,
        "calendar": ticket.plan.calendar,
        "first_response_due_at": ticket.first_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
    }
