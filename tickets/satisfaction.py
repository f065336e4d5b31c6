"""Customer satisfaction (CSAT): a 1–5 rating of a request once it is closed.

When a request is closed by the customer's confirmation or automatically, its requester is
asked once to rate it: on the closed request's page (a prompt, while RATING_WINDOW lasts) and
in the closing e-mail, with one link per score. A link carries a token signed with the site's
key (django.core.signing, salted for this purpose) naming the request and its requester; it
expires after RATING_WINDOW. Opening a link only shows a confirmation page; the rating is
recorded by its POST, so a mail scanner that prefetches links rates nothing.

One rating per request: the unique Rating row decides, so a reused link, a second tab or a
concurrent POST is refused. Each rating is a "Rated by the customer" history entry; one of
LOW_SCORE or less is e-mailed to the supervisors (tickets.notifications).
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from tickets import outbox
from tickets.models import Rating, Ticket, TicketEvent

SALT = "tickets.satisfaction.rating-link"
SCORES = (1, 2, 3, 4, 5)
LOW_SCORE = 2  # this or less: the supervisors are told
COMMENT_MAX_LENGTH = 2000
# Closed this way, a request is worth asking about (not withdrawn, not closed by support).
RATED_CLOSE_REASONS = (Ticket.CloseReason.CONFIRMED, Ticket.CloseReason.AUTO)


class RatingRefused(Exception):
    """The rating cannot be recorded; `message` says why, for the customer."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LinkInvalid(RatingRefused):
    """The link was altered, or was never issued by this site."""


class LinkExpired(RatingRefused):
    status = 410


class AlreadyRated(RatingRefused):
    status = 409


def window() -> timedelta:
    """How long after closing a request may be rated (and its links stay valid)."""
    return settings.RATING_WINDOW


def is_low(score: int | None) -> bool:
    """A rating the supervisors hear about."""
    return score is not None and score <= LOW_SCORE


def is_rateable(ticket: Ticket) -> bool:
    """Closed by the customer's confirmation or automatically (no rating asked otherwise)."""
    return ticket.status == Ticket.Status.CLOSED and ticket.close_reason in RATED_CLOSE_REASONS


def existing_rating(ticket: Ticket) -> Rating | None:
    """The request's rating, if it has one (uses select_related("rating") when it was)."""
    try:
        return ticket.rating
    except Rating.DoesNotExist:
        return None


def is_asked(user: User, ticket: Ticket, *, now=None) -> bool:
    """Whether the request's page asks this user for a rating now: its requester, once it
    is closed as confirmed or automatically, within the window, not rated yet."""
    now = now or timezone.now()
    return (
        user.pk == ticket.requester_id
        and is_rateable(ticket)
        and ticket.closed_at is not None
        and now - ticket.closed_at < window()
        and existing_rating(ticket) is None
    )


# --- Signed links --------------------------------------------------------------------------


def link_token(ticket: Ticket) -> str:
    """A token naming the request and its requester, signed and timestamped."""
    return signing.dumps({"t": ticket.pk, "u": ticket.requester_id}, salt=SALT)


def rating_links(ticket: Ticket) -> list[tuple[int, str]]:
    """(score, absolute URL) for each score: the one-click links of the closing e-mail."""
    token = link_token(ticket)
    return [
        (score, f"{settings.SITE_URL}{reverse('rating', args=[token, score])}") for score in SCORES
    ]


def ticket_of_link(token: str) -> Ticket:
    """The request a link was issued for; refused if forged, expired or no longer valid."""
    try:
        data = signing.loads(token, salt=SALT, max_age=window())
    except signing.SignatureExpired as expired:
        days = window().days
        raise LinkExpired(
            ngettext(
                "This rating link has expired: a request can be rated for %(days)s day after "
                "it is closed.",
                "This rating link has expired: a request can be rated for %(days)s days after "
                "it is closed.",
                days,
            )
            % {"days": days}
        ) from expired
    except signing.BadSignature as forged:
        raise _invalid_link() from forged
    ticket_id, user_id = (data.get("t"), data.get("u")) if isinstance(data, dict) else (None, None)
    ticket = (
        Ticket.objects.select_related("requester", "rating")
        .filter(pk=ticket_id, requester_id=user_id)
        .first()
        if isinstance(ticket_id, int) and isinstance(user_id, int)
        else None
    )
    if ticket is None:
        raise _invalid_link()
    return ticket


def _invalid_link() -> LinkInvalid:
    return LinkInvalid(
        _("This rating link is not valid. Please use the link exactly as the e-mail gave it.")
    )


# --- Recording a rating ----------------------------------------------------------------------


@transaction.atomic
def rate(ticket: Ticket, *, rater: User, score: int, comment: str = "", now=None) -> Rating:
    """Record the requester's rating of a closed request, once; refused otherwise."""
    now = now or timezone.now()
    if score not in SCORES:
        raise RatingRefused(_("Choose a rating from 1 to 5."))
    check_open_to_rating(ticket)
    if rater.pk != ticket.requester_id or not rater.is_active:
        raise RatingRefused(_("Only the person who filed the request can rate it."))
    comment = comment.strip()[:COMMENT_MAX_LENGTH]
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                ticket=ticket, score=score, comment=comment, rated_by=rater, created_at=now
            )
    except IntegrityError as taken:  # a second tab, a reused link at the same moment
        raise AlreadyRated(already_rated_message(ticket)) from taken
    ticket.rating = rating
    _record(ticket, rater, score, now)
    return rating


def check_open_to_rating(ticket: Ticket) -> None:
    """Refuse (RatingRefused) unless the request is closed with its solution and not rated."""
    if existing_rating(ticket) is not None:
        raise AlreadyRated(already_rated_message(ticket))
    if not is_rateable(ticket):
        raise RatingRefused(
            _("%(ref)s can be rated once it is closed with its solution.")
            % {"ref": ticket.reference}
        )


def already_rated_message(ticket: Ticket) -> str:
    return _("%(ref)s has already been rated. Thank you!") % {"ref": ticket.reference}


def _record(ticket: Ticket, rater: User, score: int, now) -> None:
    # Not a change of status, so not the lifecycle's: a history entry dispatched by the outbox
    # like the lifecycle's own (the supervisors hear about a low one).
    event = TicketEvent(
        ticket=ticket,
        actor=rater,
        kind=TicketEvent.Kind.RATED,
        note=f"{score}/5",
        data={"score": score},
        created_at=now,
    )
    outbox.stamp(event).save(force_insert=True)
    outbox.publish([event])
