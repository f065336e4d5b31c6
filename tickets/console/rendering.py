"""The workspace's conversation as HTML, each entry rendered once per process.

An entry's HTML depends on the message (never edited: its id, time and a hash of its text),
its author's name, the history entry it carries, its files, whether the engineer may split it
off, and the language and time zone it is shown in: all of that is the key, so a cached entry
is never stale, and a page of forty messages costs forty dictionary look-ups instead of forty
template renderings. No form with a CSRF token is ever inside an entry.
"""

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from tickets import attachments
from tickets.attachments import INLINE_CONTENT_TYPES
from tickets.formatting import RenderCache
from tickets.models import TicketEvent

ENTRY = "admin/tickets/ticket/workspace/entry.html"
FILED = "admin/tickets/ticket/workspace/filed.html"
COMPOSE = "admin/tickets/ticket/workspace/compose.html"
# Stands for the CSRF token in a cached compose box; letters and digits only, so that
# escaping keeps it as it is, and each page puts its own token in its place.
CSRF_MARK = "csrfmarkQ7zT2w9"
rendered_entries = RenderCache(size=20_000)


def _shown_in() -> tuple[str, str]:
    return translation.get_language(), timezone.get_current_timezone_name()


def _files(files) -> tuple:
    return tuple((f.pk, f.original_name, f.size, f.content_type, f.is_internal) for f in files)


def _person(user) -> tuple:
    return (user.pk, user.full_name, user.email, user.is_staff) if user else ()


def entry_html(entry, *, ticket, can_work: bool, shown_in: tuple = ()) -> SafeString:
    """One timeline entry: a message (with the change it carries) or a history entry alone;
    `shown_in` is _shown_in(), passed by a caller rendering many."""
    shown_in = shown_in or _shown_in()
    if entry.comment is not None:
        comment = entry.comment
        key = (
            "message",
            comment.pk,
            comment.created_at,
            hash(comment.body),
            comment.is_internal,
            _person(comment.author),
            entry.event.kind if entry.event else "",
            _files(entry.files),
            can_work and not comment.is_internal,
            ticket.pk,
            *shown_in,
        )
    else:
        event = entry.event
        key = ("event", event.pk, event.created_at, _person(event.actor), *shown_in)

    def render():
        return render_to_string(
            ENTRY,
            {
                "entry": entry,
                "ticket": ticket,
                "can_work": can_work,
                "inline_types": INLINE_CONTENT_TYPES,
                "Kind": TicketEvent.Kind,
            },
        )

    return rendered_entries.get(key, render)


def filed_html(ticket, request_files) -> SafeString:
    """The request as filed: its description, technical details and files."""
    key = (
        "filed",
        ticket.pk,
        ticket.created_at,
        hash(ticket.description),
        hash(ticket.technical_details),
        ticket.type,
        _person(ticket.requester),
        _files(request_files),
        *_shown_in(),
    )
    context = {
        "ticket": ticket,
        "request_files": request_files,
        "inline_types": INLINE_CONTENT_TYPES,
    }
    return rendered_entries.get(key, lambda: render_to_string(FILED, context))


def timeline_html(conversation, *, ticket, can_work: bool) -> SafeString:
    """The whole conversation, oldest first; the filing's own history entry is the first card."""
    parts = [filed_html(ticket, conversation.request_files)]
    shown_in = _shown_in()  # the same for every entry: looked up once
    parts += [
        entry_html(entry, ticket=ticket, can_work=can_work, shown_in=shown_in)
        for entry in conversation.entries
        if entry.comment is not None or entry.event.kind != TicketEvent.Kind.CREATED
    ]
    return mark_safe("".join(parts))  # noqa: S308  (each part is a rendered template)


def compose_html(request, data: dict) -> SafeString:
    """The compose box. An empty one is rendered once per process for each state it can be in
    (the request's status and last history entry, the tabs open now, the language, the file
    limits); a box sent back with an error (the engineer's text in it) is rendered anew."""
    form = data["compose_form"]
    if form.is_bound:
        return render_to_string(COMPOSE, data, request)
    key = (
        "compose",
        data["urls"]["compose"],
        data["ticket"].status,
        data["last_event"],
        tuple((m["mode"], str(m["label"]), m["enabled"]) for m in data["compose_modes"]),
        data["compose_mode"],
        str(form["files"].help_text),
        tuple(sorted(attachments.browser_checks().items())),
        *_shown_in(),
    )
    html = rendered_entries.get(
        key, lambda: render_to_string(COMPOSE, {**data, "csrf_token": CSRF_MARK})
    )
    return mark_safe(html.replace(CSRF_MARK, get_token(request)))  # noqa: S308  (a token)
