"""Which request a message answers: our IDs in its headers, then `[PT-…]` in its subject,
then a signed reply address. Never the subject's text: two requests may share a subject."""

from dataclasses import dataclass

from inbound.models import InboundMessage
from tickets.mail_intake import thread_ids
from tickets.mail_intake.parsing import ParsedMail
from tickets.models import Ticket


@dataclass(frozen=True)
class Match:
    ticket: Ticket | None
    how: str = ""  # "headers", "subject", "address"
    named: bool = False  # a request was named, whether or not it exists


def _earlier_messages(parsed: ParsedMail) -> list[int]:
    """Requests of earlier messages of the same thread that came in by e-mail."""
    ids = [part for part in parsed.thread_headers.split() if part.startswith("<")][-20:]
    if not ids:
        return []
    keys = [InboundMessage.key_for(message_id) for message_id in ids]
    rows = InboundMessage.objects.filter(message_key__in=keys, ticket__isnull=False)
    return list(rows.values_list("ticket_id", flat=True)[:1])


def match(parsed: ParsedMail) -> Match:
    """The request this message belongs to, if any, and how it was found."""
    candidates = [
        # 0: our answers that belong to no request ("please use the portal") name none.
        ("headers", [n for n in reversed(thread_ids.tickets_in_ids(parsed.thread_headers)) if n]),
        ("headers", _earlier_messages(parsed)),
        ("subject", [number] if (number := thread_ids.ticket_in_subject(parsed.subject)) else []),
        (
            "address",
            [number] if (number := thread_ids.ticket_in_addresses(parsed.recipients)) else [],
        ),
    ]
    named = False
    for how, numbers in candidates:
        for number in numbers:
            named = True
            ticket = Ticket.objects.select_related("organization", "requester").filter(pk=number)
            if found := ticket.first():
                return Match(found, how=how, named=True)
    return Match(None, named=named)
