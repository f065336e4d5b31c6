"""The workspace's POST actions: a status button, the compose box, one property, split, link.

Each parses its small form, refuses an action taken on a stale page (naming what changed
meanwhile), calls tickets.lifecycle and answers either JSON (the page's script: the new
state of the page's parts, the compose box untouched) or, without script, a redirect back
to the workspace with a message. A refused message comes back with its text: nothing typed
is lost.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES
from tickets import lifecycle
from tickets.console import workspace
from tickets.console.forms import (
    AssigneeForm,
    BlocksWorkForm,
    ComposeForm,
    ExecutorsForm,
    LinkForm,
    PriorityForm,
    SeenForm,
    SplitForm,
    TypeForm,
)
from tickets.models import Ticket

Action = lifecycle.Action
BUTTONS = {
    Action.TAKE: lifecycle.take,
    Action.REOPEN: lifecycle.reopen,
    Action.CLOSE: lifecycle.close,
}
SEND = {
    ComposeForm.REPLY: lambda t, user, text, files: lifecycle.reply(
        t, actor=user, body=text, files=files
    ),
    ComposeForm.NOTE: lambda t, user, text, files: lifecycle.add_note(
        t, actor=user, body=text, files=files
    ),
    ComposeForm.REQUEST_INFO: lambda t, user, text, files: lifecycle.request_info(
        t, actor=user, question=text, files=files
    ),
    ComposeForm.RESOLVE: lambda t, user, text, files: lifecycle.resolve(
        t, actor=user, solution=text, files=files
    ),
}
CHANGES_LISTED = 20


class ChangedMeanwhile(lifecycle.ConcurrentChange):
    """The page the engineer acted on showed another state than the request has now."""


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def changes_since(ticket, seen_event: int | None) -> list[str]:
    """What happened to the request after the page's last history entry, one line each."""
    if seen_event is None:
        return []
    events = ticket.events.filter(pk__gt=seen_event).select_related("actor")
    lines = []
    for event in events.order_by("pk")[:CHANGES_LISTED]:
        moment = formats.date_format(timezone.localtime(event.created_at), "TIME_FORMAT")
        who = event.actor.full_name if event.actor else _("system")
        line = f"{moment} {who}: {event.get_kind_display()}"
        if event.to_status:
            line += f" ({event.get_from_status_display() or '—'} → {event.get_to_status_display()})"
        elif event.note:
            line += f" ({event.note})"
        lines.append(line)
    return lines


def _refuse_if_status_moved(seen: SeenForm, ticket) -> None:
    shown = seen.cleaned_data.get("seen_status") if seen.is_valid() else None
    if shown and shown != ticket.status:
        raise ChangedMeanwhile(
            _(
                "%(ref)s has changed meanwhile: it is now “%(status)s”. Nothing has been sent "
                "or changed; see what changed, then try again."
            )
            % {"ref": ticket.reference, "status": ticket.get_status_display()}
        )


def _seen_event(seen: SeenForm) -> int | None:
    return seen.cleaned_data.get("seen_event") if seen.is_valid() else None


def respond(admin, request, ticket, *, ok, message, changes=None, status=None, anchor="", **kept):
    """JSON with the page's new parts for the script. Without script: on success a message and
    a redirect; a refusal is the workspace again (400, 409 for a stale page) with the reason
    and what changed at its top, and what was typed (`kept`) still in its field."""
    ticket = workspace.load(request, ticket.pk) or ticket
    status = status or (200 if ok else 409)
    if wants_json(request):
        payload = {"ok": ok, "message": message, "changes": changes or []}
        payload |= workspace.fragments(admin, request, ticket)
        return JsonResponse(payload, status=status)
    if ok:
        messages.success(request, message)
        return redirect(workspace.workspace_url(ticket) + anchor)
    return workspace.page(
        admin, request, ticket, refusal=message, changes=changes, status=status, **kept
    )


# --- Status buttons ----------------------------------------------------------------------------


def act(admin, request, ticket, action: str):
    """Take, reopen or close, from a page that showed the status it acted on."""
    if action not in BUTTONS:
        raise Http404
    seen = SeenForm(request.POST)
    try:
        _refuse_if_status_moved(seen, ticket)
        BUTTONS[action](ticket, actor=request.user)
    except lifecycle.ConcurrentChange as refusal:
        return respond(
            admin,
            request,
            ticket,
            ok=False,
            message=refusal.message,
            changes=changes_since(ticket, _seen_event(seen)),
        )
    except lifecycle.TransitionRefused as refusal:
        return respond(admin, request, ticket, ok=False, message=refusal.message, status=400)
    return respond(admin, request, ticket, ok=True, message=status_message(ticket))


def status_message(ticket) -> str:
    return _("%(ref)s is now “%(status)s”.") % {
        "ref": ticket.reference,
        "status": ticket.get_status_display(),
    }


# --- The compose box ---------------------------------------------------------------------------


def compose(admin, request, ticket):
    """Send a message in the chosen mode; refused, it comes back with its text."""
    form = ComposeForm(request.POST, request.FILES, uploader=request.user, ticket=ticket)
    if not form.is_valid():
        return _refused_message(admin, request, ticket, form, _first_error(form), status=400)
    mode, data = form.cleaned_data["mode"], form.cleaned_data
    try:
        if mode != ComposeForm.NOTE:  # a note answers nobody: no stale page to worry about
            _refuse_if_status_moved(form, ticket)
        SEND[mode](ticket, request.user, data["body"], data["files"])
    except lifecycle.ConcurrentChange as refusal:
        changes = changes_since(ticket, data.get("seen_event"))
        return _refused_message(admin, request, ticket, form, refusal.message, changes=changes)
    except lifecycle.TransitionRefused as refusal:
        return _refused_message(admin, request, ticket, form, refusal.message, status=400)
    done = {
        ComposeForm.REPLY: _("Your reply has been sent to the customer."),
        ComposeForm.NOTE: _("The internal note has been added."),
    }
    message = done.get(mode) or status_message(ticket)
    return respond(admin, request, ticket, ok=True, message=message, anchor="#compose")


def _refused_message(admin, request, ticket, form, message, *, changes=None, status=409):
    if wants_json(request):
        return respond(
            admin, request, ticket, ok=False, message=message, changes=changes, status=status
        )
    # Without script: the page again, the text as typed, the reason and what changed above it.
    return respond(
        admin,
        request,
        ticket,
        ok=False,
        message=message,
        changes=changes,
        status=status,
        compose_form=form,
    )


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Check the message.")


# --- Properties --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Property:
    form: type
    shown: Any  # ticket -> the value as the page shows it (a string)
    apply: Any  # (ticket, actor, value) -> None, through the lifecycle
    display: Any  # (ticket) -> the new value in words, for the message


def _executors_shown(ticket) -> str:
    """As the page shows them: active support staff only (set_executors drops the others)."""
    active = ticket.executors.filter(is_active=True, role__in=sorted(STAFF_ROLES))
    return ",".join(str(pk) for pk in sorted(active.values_list("pk", flat=True)))


def _names(users) -> str:
    return ", ".join(user.full_name or user.email for user in users) or "—"


PROPERTIES = {
    "priority": Property(
        PriorityForm,
        lambda t: str(t.priority),
        lambda t, actor, v: lifecycle.set_priority(t, actor=actor, priority=v),
        lambda t: t.get_priority_display(),
    ),
    "type": Property(
        TypeForm,
        lambda t: t.type,
        lambda t, actor, v: lifecycle.set_type(t, actor=actor, type=v),
        lambda t: t.get_type_display(),
    ),
    "blocks_work": Property(
        BlocksWorkForm,
        lambda t: "1" if t.blocks_work else "0",
        lambda t, actor, v: lifecycle.set_blocks_work(t, actor=actor, blocks_work=v),
        lambda t: _("blocks work") if t.blocks_work else _("does not block work"),
    ),
    "assignee": Property(
        AssigneeForm,
        lambda t: str(t.assignee_id or ""),
        lambda t, actor, v: lifecycle.assign(t, actor=actor, assignee=v),
        lambda t: t.assignee.full_name if t.assignee else _("not assigned"),
    ),
    "executors": Property(
        ExecutorsForm,
        _executors_shown,
        lambda t, actor, v: lifecycle.set_executors(t, actor=actor, executors=v),
        lambda t: _names(t.executors.order_by("full_name")),
    ),
}


def set_property(admin, request, ticket, name: str):
    """Change one property; refused if the page showed another value than the current one."""
    prop = PROPERTIES.get(name)
    if prop is None:
        raise Http404
    form = prop.form(request.POST)
    label = Ticket._meta.get_field(name).verbose_name
    if not form.is_valid():
        message = _("%(ref)s: this is not a valid value for “%(field)s”.") % {
            "ref": ticket.reference,
            "field": label,
        }
        return respond(admin, request, ticket, ok=False, message=message, status=400)
    try:
        if "shown" in request.POST and form.cleaned_data["shown"] != prop.shown(ticket):
            raise ChangedMeanwhile(
                _(
                    "%(ref)s: someone changed “%(field)s” meanwhile (now “%(value)s”). Nothing "
                    "has been changed; check the new value and choose again."
                )
                % {"ref": ticket.reference, "field": label, "value": prop.display(ticket)}
            )
        prop.apply(ticket, request.user, form.cleaned_data["value"])
    except lifecycle.ConcurrentChange as refusal:
        return respond(
            admin,
            request,
            ticket,
            ok=False,
            message=refusal.message,
            changes=changes_since(ticket, _seen_event(form)),
        )
    except lifecycle.TransitionRefused as refusal:
        return respond(admin, request, ticket, ok=False, message=refusal.message, status=400)
    message = _("%(ref)s: “%(field)s” is now “%(value)s”.") % {
        "ref": ticket.reference,
        "field": label,
        "value": prop.display(ticket),
    }
    return respond(admin, request, ticket, ok=True, message=message, anchor="#ws-side")


# --- Split and link ----------------------------------------------------------------------------


def split(admin, request, ticket, comment_id: int):
    """One request = one problem: a public message becomes a request of its own (GET: the
    form; POST: the new request, or the form again with its error)."""
    comment = ticket.comments.filter(pk=comment_id, is_internal=False).first()
    if comment is None:
        raise Http404
    if request.method != "POST":
        return workspace.split_page(admin, request, ticket, comment, SplitForm())
    form = SplitForm(request.POST)
    if not form.is_valid():
        return workspace.split_page(admin, request, ticket, comment, form, status=400)
    try:
        new = lifecycle.split(
            ticket, actor=request.user, comment=comment, subject=form.cleaned_data["subject"]
        )
    except lifecycle.TransitionRefused as refusal:
        return respond(admin, request, ticket, ok=False, message=refusal.message, status=400)
    message = _("%(ref)s created from the message.") % {"ref": new.reference}
    return respond(admin, request, ticket, ok=True, message=message)


def link(admin, request, ticket):
    """Relate this request to another one given by its ID."""
    form = LinkForm(request.POST)
    reference = form.data.get("reference", "").strip()
    other = admin.get_queryset(request).by_reference(reference).first() if form.is_valid() else None
    if other is None:
        message = _("There is no request “%(ref)s”.") % {"ref": reference[:20]}
        return respond(
            admin,
            request,
            ticket,
            ok=False,
            message=message,
            status=400,
            link_reference=reference[:20],
        )
    try:
        lifecycle.link(ticket, other, actor=request.user)
    except lifecycle.TransitionRefused as refusal:
        return respond(
            admin,
            request,
            ticket,
            ok=False,
            message=refusal.message,
            status=400,
            link_reference=reference[:20],
        )
    message = _("%(ref)s and %(other)s are now linked.") % {
        "ref": ticket.reference,
        "other": other.reference,
    }
    return respond(admin, request, ticket, ok=True, message=message, anchor="#related")
