"""Who gets which e-mail about a request: the e-mail channel of the outbox (tickets.outbox).

`recipients(event)` is the one place deciding who hears about what. The channel (EMAIL) renders
each e-mail in its recipient's language and sends all the e-mails of a dispatch over one
connection of the default mailer. Before each e-mail goes out a Delivery row (entry, address)
is written in the same transaction: a retried or concurrent dispatch finds it and mails nobody
twice, and a mail server that is down leaves the rest pending for a retry. Internal notes never
reach customers: customer e-mails only ever carry the public message of a public event.

Requests nobody is assigned to (a new request first of all) go to whom NEW_REQUEST_NOTIFY says:
"on_duty" (default): the supervisors, who hand out new work (every agent while there is no
supervisor); "team": one e-mail to SUPPORT_TEAM_EMAIL; "all": every active agent and supervisor.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import mailers
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.models import STAFF_ROLES, Role, User
from proftiket.mail import mail_message, render_mail
from tickets import incident_mail, outbox, satisfaction, sla_tracking
from tickets.lifecycle import assignment
from tickets.mail_intake import thread_ids
from tickets.models import Delivery, TicketEvent

logger = logging.getLogger(__name__)
Kind = TicketEvent.Kind
muted = outbox.muted  # demo data and fixtures: `with notifications.muted(): ...`

# The history entries the customer hears about ...
CUSTOMER_EVENTS = frozenset(
    {
        Kind.CREATED,
        Kind.REPLIED,
        Kind.INFO_REQUESTED,
        Kind.RESOLVED,
        Kind.CONFIRMED,
        Kind.WITHDRAWN,
        Kind.CLOSED,
        Kind.AUTO_CLOSED,
        Kind.SPLIT,
        Kind.AUTO_CLOSE_REMINDER,
        Kind.INCIDENT_UPDATE,
    }
)
# ... and those that go to the engineer (or, with none assigned, as NEW_REQUEST_NOTIFY says).
STAFF_EVENTS = frozenset({Kind.CREATED, Kind.CUSTOMER_REPLIED, Kind.DISPUTED, Kind.WITHDRAWN})
# SLA trouble: at risk goes to the engineer (supervisors when nobody is assigned); a missed
# target to the engineer and the supervisors; an untaken critical request to the supervisors.
SLA_EVENTS = frozenset({Kind.SLA_AT_RISK, Kind.SLA_BREACHED, Kind.ESCALATED})
# An assignment goes to the engineer who was given the request by someone else (never to the
# customer: who works on it inside support is support's business; never to oneself).
ASSIGNMENT_EVENTS = frozenset({Kind.ASSIGNED})
# A customer's rating of LOW_SCORE or less goes to the supervisors (tickets.satisfaction).
RATING_EVENTS = frozenset({Kind.RATED})
# The closing e-mails that ask the customer for a rating, with one-click links.
RATING_ASKED_EVENTS = frozenset({Kind.CONFIRMED, Kind.AUTO_CLOSED})
# Events whose note the e-mail quotes (the customer's reason, the new request's number).
NOTE_EVENTS = frozenset({Kind.DISPUTED, Kind.WITHDRAWN, Kind.SPLIT})
# The kinds recipients() may name anyone for: the others are never dispatched by e-mail (a
# new rule in recipients() adds its kind to one of the sets above).
NOTIFIED_EVENTS = CUSTOMER_EVENTS | STAFF_EVENTS | SLA_EVENTS | ASSIGNMENT_EVENTS | RATING_EVENTS

NEW_REQUEST_NOTIFY_CHOICES = ("on_duty", "team", "all")


@dataclass(frozen=True)
class TeamAddress:
    """The support team's shared mailbox (NEW_REQUEST_NOTIFY = "team"): an address, no user."""

    email: str
    language: str


def _active_supervisors():
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk"))


def _active_support():
    support = Q(role=Role.AGENT) | Q(role=Role.SUPERVISOR)
    return list(User.objects.filter(support, is_active=True).order_by("pk"))


def _unassigned_support() -> list:
    """Who hears about a request nobody is assigned to, as NEW_REQUEST_NOTIFY says."""
    if settings.NEW_REQUEST_NOTIFY == "team":
        return [TeamAddress(settings.SUPPORT_TEAM_EMAIL, settings.LANGUAGE_CODE)]
    if settings.NEW_REQUEST_NOTIFY == "on_duty":
        return _active_supervisors() or _active_support()
    return _active_support()


def recipients(event) -> list[tuple[User | TeamAddress, str]]:
    """(person, audience) pairs for an event; audience is "customer" or "staff"."""
    ticket = event.ticket
    assignee = ticket.assignee if ticket.assignee_id and ticket.assignee.is_active else None
    result = []
    if incident_mail.broadcast(event):  # a major incident's step: one e-mail per person
        result.extend(incident_mail.recipients(event) if event.is_public else [])
    elif event.kind in CUSTOMER_EVENTS and event.is_public and ticket.requester.is_active:
        result.append((ticket.requester, "customer"))
    if event.kind in STAFF_EVENTS and (event.actor is None or not event.actor.is_staff):
        staff = [assignee] if assignee else _unassigned_support()
        result.extend((user, "staff") for user in staff)
    if event.kind == Kind.SLA_AT_RISK:
        staff = [assignee] if assignee else _active_supervisors()
        result.extend((user, "staff") for user in staff)
    if event.kind in {Kind.SLA_BREACHED, Kind.ESCALATED}:
        staff = [assignee] if assignee and event.kind == Kind.SLA_BREACHED else []
        staff += [user for user in _active_supervisors() if user not in staff]
        result.extend((user, "staff") for user in staff)
    if event.kind in ASSIGNMENT_EVENTS:
        result.extend((user, "staff") for user in _newly_assigned(event))
    if event.kind in RATING_EVENTS and _is_low_rating(event):
        result.extend((user, "staff") for user in _active_supervisors())
    return result


def _is_low_rating(event) -> bool:
    return satisfaction.is_low((event.data or {}).get("score"))


def _newly_assigned(event) -> list[User]:
    """The engineer an assignment named, unless they assigned themselves or left support."""
    assigned_id = (event.data or {}).get("to")
    if assigned_id is None or assigned_id == event.actor_id:
        return []
    return list(User.objects.filter(pk=assigned_id, is_active=True, role__in=STAFF_ROLES))


class MailServerUnavailable(Exception):
    """The mail server cannot be reached or refuses for now: what is left waits for a retry."""


class EmailChannel:
    """The outbox's e-mail channel: the e-mails of a dispatch over one connection, once each."""

    name = "email"

    def wants(self, event) -> bool:
        """Whether anyone may get an e-mail about this entry (no queries: asked on writing)."""
        if incident_mail.covered(event):  # a child's copy: told by the incident's entry
            return False
        if event.kind in RATING_EVENTS:
            return _is_low_rating(event)
        return event.kind in NOTIFIED_EVENTS and (event.is_public or event.kind in SLA_EVENTS)

    def deliver(self, events) -> list[int]:
        """Send what was not sent yet; the ids of the entries whose e-mails are all done."""
        sent_before = set(
            Delivery.objects.filter(event__in=events, channel=self.name).values_list(
                "event_id", "target"
            )
        )
        finished = []
        with _Connection() as connection:
            for event in events:
                rendered = {}  # the same text for everyone of one audience and language
                try:
                    for person, audience in recipients(event) if self.wants(event) else ():
                        if (event.pk, _target(person)) not in sent_before:
                            self.send_once(connection, event, person, audience, rendered)
                except MailServerUnavailable as error:
                    logger.warning(
                        "mail server unavailable (%s): %d history entries wait",
                        error,
                        len(events) - len(finished),
                    )
                    break
                except DatabaseError:
                    raise
                except Exception:
                    # A bug with one entry (a template, odd data) must not hold up the others.
                    logger.exception("e-mail about history entry %s failed", event.pk)
                    continue
                finished.append(event.pk)
        return finished

    def send_once(self, connection, event, person, audience: str, rendered=None) -> None:
        """Render and send one e-mail, its Delivery row written in the same transaction."""
        rendered = {} if rendered is None else rendered
        key = (audience, person.language)
        template, context = "ticket_event", _context
        if audience == incident_mail.AUDIENCE:  # names the person's own requests
            key += (person.pk,)
            template, context = "incident_update", partial(incident_mail.context, person=person)
        if key not in rendered:
            with translation.override(person.language):
                data = context(event, audience)
            rendered[key] = render_mail(template=template, context=data, language=person.language)
        # An incident's e-mail threads into the person's own request, never the incident's.
        thread = event.ticket_id
        if audience == incident_mail.AUDIENCE:
            thread = incident_mail.affected_requests(event)[person.pk][0].pk
        message = mail_message(
            *rendered[key],
            to=person.email,
            headers=thread_ids.headers(
                thread,
                event_id=event.pk,
                recipient=person.email,
                root=event.kind == Kind.CREATED and audience == "customer",
            ),
        )
        marker = {"event": event, "channel": self.name, "target": _target(person)}
        try:
            with transaction.atomic():
                _commit_without_waiting_for_the_disk()
                # Waits for a concurrent dispatch of the same e-mail, then finds its row.
                Delivery.objects.create(**marker, sent_at=timezone.now())
                connection.send(message)
        except IntegrityError:
            return  # another dispatch sent it meanwhile
        except (smtplib.SMTPException, OSError, ValueError) as error:
            if not _refused_for_good(error):
                raise MailServerUnavailable(error) from error
            logger.warning("e-mail to %s refused for good: %s", person.email, error)
            Delivery.objects.bulk_create(
                [Delivery(**marker, error=str(error)[:2000])], ignore_conflicts=True
            )
            return
        logger.info("notified %s about %s (%s)", person.email, event.ticket.reference, event.kind)


EMAIL = EmailChannel()


def _target(person) -> str:
    return person.email.strip().lower()


def _commit_without_waiting_for_the_disk() -> None:
    """PostgreSQL: this transaction's COMMIT returns before its WAL reaches the disk.

    A commit per e-mail waited for the disk (2-13 ms here) and capped the mail rate. Only a
    crash of the database server itself within a fraction of a second could lose such a row,
    and then one e-mail may go out twice; a mail can never be lost this way.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _refused_for_good(error: Exception) -> bool:
    """A bad address or a 5xx answer about this one message; anything else is retried."""
    if isinstance(error, ValueError):  # an address Django cannot even write
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


class _Connection:
    """One connection of the default mailer for a whole dispatch, opened at the first e-mail."""

    def __init__(self):
        self._backend = None

    def __enter__(self):
        return self

    def send(self, message) -> None:
        if self._backend is None:
            backend = mailers.default
            try:
                backend.open()
            except (smtplib.SMTPException, OSError) as error:
                raise MailServerUnavailable(error) from error
            self._backend = backend
        self._backend.send_messages([message])

    def __exit__(self, *exc_info):
        if self._backend is not None:
            try:
                self._backend.close()
            except (smtplib.SMTPException, OSError):
                logger.warning("closing the mail server connection failed", exc_info=True)


# --- django-q2 task paths of earlier releases, still queued in a database being upgraded ----


def fan_out_many(event_ids: list[int]) -> int:
    """django-q2 task of release 0.1 (the fan-out of some entries): the outbox dispatch."""
    return outbox.dispatch(event_ids)


def deliver(event_id: int, user_id: int, audience: str) -> None:
    """django-q2 task of release 0.1 (one e-mail): sent unless its Delivery row exists."""
    event = TicketEvent.objects.select_related(
        "ticket__organization", "ticket__requester", "ticket__assignee", "actor", "comment"
    ).get(pk=event_id)
    user = User.objects.get(pk=user_id)
    if Delivery.objects.filter(event=event, channel=EMAIL.name, target=_target(user)).exists():
        return
    with _Connection() as connection:
        EMAIL.send_once(connection, event, user, audience)


def _context(event, audience: str) -> dict:
    ticket = event.ticket
    comment = event.comment
    if comment is not None and comment.is_internal:  # belt and braces: never leak a note
        comment = None
    if audience == "staff":
        path = reverse("admin:tickets_ticket_workspace", args=[ticket.pk])
    else:
        path = ticket.get_absolute_url()
    return {
        "audience": audience,
        "kind": event.kind,
        "Kind": Kind,
        "kind_label": str(event.get_kind_display()),
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": str(ticket.get_status_display()),
        "type": str(ticket.get_type_display()),
        "priority": str(ticket.get_priority_display()),
        "organization": ticket.organization.name,
        "requester": ticket.requester.full_name,
        "actor": event.actor.full_name if event.actor else "",
        "message": comment.body if comment else "",
        "note": event.note if event.kind in NOTE_EVENTS else "",
        "close_reason": str(ticket.get_close_reason_display()) if ticket.close_reason else "",
        "url": f"{settings.SITE_URL}{path}",
        "description": ticket.description if event.kind == Kind.CREATED else "",
        "closes_on": _local_date(event.data.get("closes_at")),
        "sla_target": _target_label(event.data.get("target")),
        "assignee": ticket.assignee.full_name if ticket.assignee_id else "",
        "auto_close_days": sla_tracking.auto_close_days(ticket),
        "assignment_rule": assignment.rule_label(event.data.get("rule")),
        **_rating_context(event, audience),
    }


def _rating_context(event, audience: str) -> dict:
    """The one-click rating links of a closing e-mail; the rating itself for supervisors."""
    ticket = event.ticket
    if event.kind in RATING_EVENTS:
        rating = satisfaction.existing_rating(ticket)
        return {
            "rating_score": (event.data or {}).get("score", ""),
            "rating_comment": rating.comment if rating else "",
        }
    if audience != "customer" or event.kind not in RATING_ASKED_EVENTS:
        return {}
    if not satisfaction.is_rateable(ticket) or satisfaction.existing_rating(ticket) is not None:
        return {}  # rated on the page before this e-mail went out
    return {"rating_links": satisfaction.rating_links(ticket)}


def _local_date(iso_moment: str | None) -> str:
    if not iso_moment:
        return ""
    moment = timezone.localtime(datetime.fromisoformat(iso_moment))
    # The request closes at the start of this day: the customer's last day is the one before.
    return formats.date_format(moment - timedelta(seconds=1), "DATE_FORMAT")


def _target_label(target: str | None) -> str:
    from sla.models import Breach

    return str(Breach.Target(target).label) if target in Breach.Target.values else ""
