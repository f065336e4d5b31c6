"""The request workspace: the conversation in the middle, the properties beside it, one compose
box below it. A custom admin view (login, permissions and chrome of the admin), not the admin's
change form: the read-only parts are plain data rendered once, every change is a small POST
action of its own (tickets.console.actions).
"""

import functools

from django.db import connection
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from tickets import access, lifecycle, satisfaction, search
from tickets.console import rendering, request_row
from tickets.console.forms import ComposeForm, engineers
from tickets.console.sla_display import sla_explanation
from tickets.lifecycle import incidents
from tickets.models import Ticket
from tickets.timeline import support_timeline

Action = lifecycle.Action
TEMPLATE = "admin/tickets/ticket/workspace.html"
# The parts of the page an action replaces (element id → template), so that after a change
# the engineer sees the new state without a reload that would touch the compose box.
FRAGMENTS = {
    "ws-head": "admin/tickets/ticket/workspace/head.html",
    "ws-side": "admin/tickets/ticket/workspace/side.html",
    "conversation": "admin/tickets/ticket/workspace/timeline.html",
}
# Status buttons in the head; request_info and resolve are modes of the compose box.
BUTTON_ACTIONS = (Action.TAKE, Action.REOPEN, Action.CLOSE)
# A major incident's children listed in its workspace (the page must not grow without end).
CHILDREN_SHOWN = 100
# Likely duplicates offered in an incident's workspace to attach with one click.
DUPLICATES_SHOWN = 5


def workspace_url(ticket) -> str:
    return reverse("admin:tickets_ticket_workspace", args=[ticket.pk])


def urls(ticket) -> dict:
    """The links and form actions of the page, reversed once each: every URL of a request
    is its workspace URL plus a suffix (RequestViewsMixin.get_urls declares them so), and the
    workspace of another request is the queue's URL plus its id. Reversing them one by one
    in the templates cost ~17 reversals a page."""
    queue = reverse("admin:tickets_ticket_changelist")
    own = f"{queue}{ticket.pk}/"
    return {
        "home": reverse("admin:index"),
        "queue": queue,
        "workspace": own,
        "history": f"{own}history/",
        "presence": f"{own}presence/",
        "canned": f"{own}canned/",
        "compose": f"{own}compose/",
        "set": f"{own}set/",
        "act": f"{own}act/",
        "link": f"{own}link/",
        "incident": f"{own}incident/",
        "organization": reverse(
            "admin:accounts_organization_change", args=[ticket.organization_id]
        ),
    }


def chrome(site, request) -> dict:
    """The admin's context of every page, without listing the apps when no navigation sidebar
    shows them (listing them checks a permission per model on every request)."""
    if site.enable_nav_sidebar:
        return site.each_context(request)
    script_name = request.META["SCRIPT_NAME"]
    return {
        "site_title": site.site_title,
        "site_header": site.site_header,
        "site_url": script_name if site.site_url == "/" and script_name else site.site_url,
        "has_permission": site.has_permission(request),
        "available_apps": [],
        "is_popup": False,
        "is_nav_sidebar_enabled": False,
        "log_entries": site.get_log_entries(request),
    }


def load(request, object_id) -> Ticket | None:
    """The request with everything the page shows beside the conversation, in three small
    queries; None if it does not exist or the user may not see it.

    Not one query joining all ten tables: PostgreSQL plans every join order of such a query
    anew on each execution, and with the request's thirty indexes and two joins of the users'
    table that took 5 ms on a quiet machine (15-20 ms under load), twenty times its execution.
    The request with its organisation, contract, plan, calendar and rating, then the plan's
    targets (`request_row`, plain SQL built once per process); its requester and engineer, with
    the support staff the page offers (`ticket.support_staff`), in a third (`_people`). The
    major incident a request is attached to is read only when it has one.
    """
    ticket = request_row.request_with_plan(object_id)
    if ticket is None or not access.can_see(request.user, ticket):
        return None
    people = _people(ticket)
    by_pk = {person.pk: person for person in people}
    ticket.requester = by_pk[ticket.requester_id]
    ticket.assignee = by_pk.get(ticket.assignee_id)
    ticket.support_staff = [person for person in people if person.is_engineer]
    return ticket


def compose_modes(user, ticket, can_work: bool) -> list[dict]:
    """The compose box's tabs; those not possible now are shown disabled."""
    available = set(lifecycle.available_actions(user, ticket)) if can_work else set()
    possible = {
        ComposeForm.REPLY: can_work and lifecycle.can_reply(user, ticket),
        ComposeForm.NOTE: can_work and lifecycle.can_add_note(user, ticket),
        ComposeForm.REQUEST_INFO: Action.REQUEST_INFO in available,
        ComposeForm.RESOLVE: Action.RESOLVE in available,
    }
    return [
        {"mode": mode, "label": label, "enabled": possible[mode]}
        for mode, label in ComposeForm.MODES
    ]


def context(
    model_admin,
    request,
    ticket,
    *,
    compose_form=None,
    changes=None,
    refusal=None,
    link_reference="",
) -> dict:
    """Everything the workspace renders; about ten queries whatever the conversation's length."""
    user = request.user
    can_work = model_admin.has_change_permission(request, ticket)
    staff = _staff(ticket)
    conversation = support_timeline(user, ticket, known_people=[*staff, ticket.requester])
    available = lifecycle.available_actions(user, ticket) if can_work else []
    modes = compose_modes(user, ticket, can_work)
    executors = [user for user in staff if user.is_executor]
    form = compose_form or ComposeForm(
        initial={"mode": next((m["mode"] for m in modes if m["enabled"]), ComposeForm.REPLY)}
    )
    return {
        **chrome(model_admin.admin_site, request),
        "opts": model_admin.opts,
        "title": f"{ticket.reference} {ticket.subject}",
        "ticket": ticket,
        "can_work": can_work,
        "can_assign_others": model_admin.has_assign_others_permission(request),
        "buttons": [(a, lifecycle.ACTION_LABELS[a]) for a in BUTTON_ACTIONS if a in available],
        "timeline_html": rendering.timeline_html(conversation, ticket=ticket, can_work=can_work),
        "last_event": conversation.events[-1].pk if conversation.events else 0,
        "compose_form": form,
        "compose_mode": form["mode"].value(),
        "compose_modes": modes,
        "changes": changes,
        "refusal": refusal,
        "link_reference": link_reference,
        "sla": sla_explanation(ticket),
        "rating": satisfaction.existing_rating(ticket),
        "engineers": staff,
        "executors": executors,
        "assignee_options": _options(
            [(user.pk, user.full_name or user.email) for user in staff], ticket.assignee_id
        ),
        "executor_checks": _checks(
            [user for user in staff if user.pk != ticket.assignee_id], {u.pk for u in executors}
        ),
        "priority_options": _options(Ticket.Priority.choices, ticket.priority),
        "type_options": _options(Ticket.Type.choices, ticket.type),
        "shown_executors": ",".join(str(pk) for pk in sorted(u.pk for u in executors)),
        "related": _related(ticket),
        "incident": _incident(user, ticket, can_work=can_work),
        "urls": urls(ticket),
    }


def _incident(user, ticket, *, can_work: bool) -> dict:
    """The major-incident box: the children of an incident (one query) and, for those who may
    attach, its likely duplicates (two); or a child's parent."""
    children = []
    duplicates = []
    if ticket.is_major_incident:
        rows = ticket.children.select_related("organization").order_by("pk")
        children = list(rows[: CHILDREN_SHOWN + 1])
        if can_work:
            duplicates = likely_duplicates(ticket)
    return {
        "children": children[:CHILDREN_SHOWN],
        "more_children": len(children) > CHILDREN_SHOWN,
        "duplicates": duplicates,
        "can_run": incidents.can_run(user),
    }


def likely_duplicates(incident: Ticket) -> list[Ticket]:
    """Open requests of any organisation, not attached anywhere, that look like the incident
    (its public title and its subject), best first: candidates to attach with one click."""
    free = Ticket.objects.exclude(pk=incident.pk).filter(
        is_major_incident=False, major_incident__isnull=True
    )
    text = f"{incident.incident_title} {incident.subject}"
    found = search.similar_open_requests(free, text, limit=DUPLICATES_SHOWN)
    by_pk = Ticket.objects.select_related("organization").in_bulk([t.pk for t in found])
    return [by_pk[t.pk] for t in found if t.pk in by_pk]


@functools.cache
def _people_query() -> tuple[str, tuple]:
    """The SQL of `_people` and its constant parameters, composed once per process. Who is
    support staff stays defined in one place, `engineers()`: its query is a subquery here."""
    staff, staff_params = engineers().order_by().values("pk").query.sql_with_params()
    q = connection.ops.quote_name
    through = Ticket.executors.through._meta
    columns = ", ".join(f"u.{q(f.column)}" for f in User._meta.concrete_fields)
    order = ", ".join(f"u.{q(User._meta.get_field(n).column)}" for n in engineers().query.order_by)
    sql = (
        f"SELECT {columns}, u.{q('id')} IN ({staff}) AS is_engineer,"  # noqa: S608 (names from _meta)
        f" EXISTS (SELECT 1 FROM {q(through.db_table)} x"
        f" WHERE x.{q(through.get_field('ticket').column)} = %s"
        f" AND x.{q(through.get_field('user').column)} = u.{q('id')}) AS is_executor"
        f" FROM {q(User._meta.db_table)} u"
        f" WHERE u.{q('id')} IN ({staff}) OR u.{q('id')} IN (%s, %s) ORDER BY {order}"
    )
    return sql, staff_params


def _people(ticket) -> list[User]:
    """The request's requester and engineer and the active support staff (`engineers()`), in
    their order, each marked whether support staff (`is_engineer`) and whether a further
    executor of the request (`is_executor`): one query, on every page and poll of a request.

    Plain SQL, composed once per process (`_people_query`): composing this query with the ORM
    on every page cost more than twice what running it does (two ORM queries were 2-3 ms of
    the page's CPU; this one is under half a millisecond)."""
    sql, staff_params = _people_query()
    params = [*staff_params, ticket.pk, *staff_params, ticket.requester_id, ticket.assignee_id]
    people = list(User.objects.raw(sql, params))
    for person in people:  # SQLite gives 0 and 1
        person.is_engineer, person.is_executor = bool(person.is_engineer), bool(person.is_executor)
    return people


@functools.cache
def _related_query() -> str:
    q = connection.ops.quote_name
    through = Ticket.related.through._meta
    pk, table = q(Ticket._meta.pk.column), q(Ticket._meta.db_table)
    columns = ", ".join(q(Ticket._meta.get_field(name).column) for name in ("subject", "status"))
    return (
        f"SELECT {pk}, {columns} FROM {table} WHERE {pk} IN"  # noqa: S608 (names from _meta)
        f" (SELECT {q(through.get_field('to_ticket').column)} FROM {q(through.db_table)}"
        f" WHERE {q(through.get_field('from_ticket').column)} = %s) ORDER BY {pk}"
    )


def _related(ticket) -> list[Ticket]:
    """The related requests with what the panel shows of them (ID, subject, status), oldest
    first: `ticket.related` in plain SQL composed once per process (a fifth of its CPU)."""
    return list(Ticket.objects.raw(_related_query(), [ticket.pk]))


def _staff(ticket) -> list:
    """Active support staff, each marked whether they are a further executor: what `load`
    read with the request, or one query."""
    staff = getattr(ticket, "support_staff", None)
    if staff is None:
        staff = [person for person in _people(ticket) if person.is_engineer]
    return staff


def _options(choices, chosen) -> str:
    """<option>s of a select; as one string (the template engine, and format_html per row,
    are slow at long lists)."""
    return mark_safe(  # noqa: S308  (every value and label is escaped)
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )


def _checks(users, checked) -> str:
    return mark_safe(  # noqa: S308  (every value and name is escaped)
        "".join(
            f'<li><label><input type="checkbox" name="value" value="{user.pk}"'
            f"{' checked' if user.pk in checked else ''}> {escape(user.full_name or user.email)}"
            "</label></li>"
            for user in users
        )
    )


def page(model_admin, request, ticket, *, status=200, **extra) -> TemplateResponse:
    data = context(model_admin, request, ticket, **extra)
    if data["can_work"]:
        data["compose_html"] = rendering.compose_html(request, data)
    return TemplateResponse(request, TEMPLATE, data, status=status)


def fragments(model_admin, request, ticket) -> dict:
    """The replaceable parts of the page, rendered for the request's current state."""
    data = context(model_admin, request, ticket)
    return {
        "fragments": {
            element: render_to_string(template, data, request)
            for element, template in FRAGMENTS.items()
        },
        "state": {
            "status": ticket.status,
            "last_event": data["last_event"],
            "modes": [m["mode"] for m in data["compose_modes"] if m["enabled"]],
        },
    }


def history_page(model_admin, request, ticket) -> TemplateResponse:
    """The request's own history (every TicketEvent), not the admin's LogEntry list."""
    events = ticket.events.select_related("actor")
    return TemplateResponse(
        request,
        "admin/tickets/ticket/history.html",
        {
            **chrome(model_admin.admin_site, request),
            "opts": model_admin.opts,
            "title": _("History of %(ref)s") % {"ref": ticket.reference},
            "ticket": ticket,
            "events": events,
            "workspace_url": workspace_url(ticket),
        },
    )


def split_page(model_admin, request, ticket, comment, form, *, status=200) -> TemplateResponse:
    """The form that turns a public message into a request of its own."""
    return TemplateResponse(
        request,
        "admin/tickets/ticket/split.html",
        {
            **chrome(model_admin.admin_site, request),
            "opts": model_admin.opts,
            "title": _("Split off into a new request"),
            "ticket": ticket,
            "comment": comment,
            "form": form,
            "workspace_url": workspace_url(ticket),
        },
        status=status,
    )
