"""The conversation of a request as one list: messages and history entries, oldest first.

One selector for both sides: the portal and the console call `timeline(user, ticket)` and get
what tickets.access lets that user see (a customer gets no internal note, internal file or
internal history entry; support gets everything). Three queries, whatever the length.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from accounts.models import User
from tickets import access
from tickets.formatting import RenderCache
from tickets.models import Attachment, Comment, Ticket, TicketEvent

Kind = TicketEvent.Kind

# A message's history entry says no more than "a message was written": not worth a label.
PLAIN_MESSAGE_EVENTS = frozenset({Kind.REPLIED, Kind.CUSTOMER_REPLIED, Kind.NOTE_ADDED})


@dataclass(frozen=True)
class Entry:
    """A message (with the history entry it carries, if any) or a history entry alone."""

    at: datetime
    comment: Comment | None = None
    event: TicketEvent | None = None
    files: tuple[Attachment, ...] = ()

    @property
    def is_message(self) -> bool:
        return self.comment is not None

    @property
    def by_email(self) -> bool:
        """The message (or change) came by e-mail (tickets.mail_intake)."""
        return by_email(self.event)

    @property
    def changes_something(self) -> bool:
        """A message that also changed the request (a question, a solution, a dispute)."""
        return self.event is not None and self.event.kind not in PLAIN_MESSAGE_EVENTS


def by_email(event: TicketEvent | None) -> bool:
    """Whether a history entry was written for a message that came by e-mail."""
    return event is not None and (event.data or {}).get("via") == "email"


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    events: list[TicketEvent]  # every visible history entry, oldest first
    request_files: tuple[Attachment, ...] = field(default=())  # filed with the request

    @property
    def messages(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.is_message]


def timeline(user, ticket: Ticket) -> Timeline:
    """Messages and history entries visible to `user`, oldest first; a history entry that
    carries a message is shown with it, not twice."""
    events = list(access.visible_events(user, ticket).select_related("actor"))
    comments = list(access.visible_comments(user, ticket).select_related("author"))
    files = defaultdict(list)
    for attachment in access.visible_attachments(user, ticket).order_by("created_at", "pk"):
        files[attachment.comment_id].append(attachment)
    event_of_comment = {event.comment_id: event for event in events if event.comment_id}
    entries = [
        Entry(
            at=comment.created_at,
            comment=comment,
            event=event_of_comment.get(comment.pk),
            files=tuple(files[comment.pk]),
        )
        for comment in comments
    ]
    entries += [Entry(at=event.created_at, event=event) for event in events if not event.comment_id]
    # At the same moment a history entry comes before a message (as they are written).
    entries.sort(key=lambda e: (e.at, e.is_message, (e.comment or e.event).pk))
    return Timeline(entries=entries, events=events, request_files=tuple(files[None]))


# Support's conversations, kept per process by what they are made of (see support_timeline).
remembered = RenderCache(size=2_000)


def _made_of(ticket: Ticket) -> tuple:
    """How many messages, history entries and files the request has, and the newest of each,
    in one query. None of them is ever edited or deleted (a split copies, a new message adds),
    so these six numbers change exactly when the conversation does. Plain SQL: composing it
    with the ORM costs more than running it."""
    tables = [
        connection.ops.quote_name(m._meta.db_table) for m in (Comment, TicketEvent, Attachment)
    ]
    # The table names come from the models; the request's key is a parameter.
    sql = " UNION ALL ".join(
        f"SELECT {n}, count(*), max(id) FROM {table} WHERE ticket_id = %s"  # noqa: S608
        for n, table in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ticket.pk] * 3)
        return tuple(value for row in sorted(cursor.fetchall()) for value in row[1:])


def _with_current_people(conversation: Timeline, known) -> Timeline:
    """Authors and actors as they are now (a colleague renamed since is shown by the new name).
    `known` are people the caller has just read anyway (the support staff, the requester);
    the others, if any, in one query."""
    people = {person.pk: person for person in known}
    ids = {event.actor_id for event in conversation.events if event.actor_id}
    ids |= {entry.comment.author_id for entry in conversation.messages if entry.comment.author_id}
    if missing := ids - people.keys():
        people |= User.objects.in_bulk(missing)
    for event in conversation.events:
        if event.actor_id:
            event.actor = people[event.actor_id]
    for entry in conversation.messages:
        if entry.comment.author_id:
            entry.comment.author = people[entry.comment.author_id]
    return conversation


def support_timeline(user, ticket: Ticket, *, known_people=()) -> Timeline:
    """`timeline` for support staff (who see everything of a request), built once per process
    for each state of the conversation: one small query (two when someone in it is not among
    `known_people`) instead of three that grow with it. Anyone else gets `timeline` itself."""
    if not user.is_staff:
        return timeline(user, ticket)
    built = []

    def build() -> Timeline:
        built.append(True)
        return timeline(user, ticket)

    conversation = remembered.get(("support", ticket.pk, *_made_of(ticket)), build)
    return conversation if built else _with_current_people(conversation, known_people)
