"""Helpers shared by the console's tests (queue, workspace, its actions)."""

from django.contrib.messages import get_messages
from django.urls import reverse

from tickets.models import Ticket

CHANGELIST = reverse("admin:tickets_ticket_changelist")


def workspace_url(ticket) -> str:
    return reverse("admin:tickets_ticket_workspace", args=[ticket.pk])


def change_url(ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def act_url(ticket, action) -> str:
    return reverse("admin:tickets_ticket_act", args=[ticket.pk, action])


def set_url(ticket, prop) -> str:
    return reverse("admin:tickets_ticket_set", args=[ticket.pk, prop])


def sent(response, level=None):
    """The messages a response queued for the user: [(level, text)], or texts of one level."""
    found = [(m.level, str(m)) for m in get_messages(response.wsgi_request)]
    return found if level is None else [text for lvl, text in found if lvl == level]


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


JSON = {"HTTP_ACCEPT": "application/json"}


def refused(response, status=400) -> str:
    """A refusal without the page's script: the workspace again (400, or 409 for a stale page)
    with the reason in the error summary at its top; returns the summary's text."""
    assert response.status_code == status
    page = response.content.decode()
    assert 'id="error-summary"' in page
    return page.split('id="error-summary"')[1].split("</div>")[0]
